/*
 * patent.h - Chinese patent numbers: normalization and validation.
 */
#ifndef TECHEX_PATENT_H
#define TECHEX_PATENT_H

#include "../../server/common.h"

enum patent_number_kind {
	PN_INVALID = 0,
	PN_APPLICATION, /* 201710601862.3 or, before 2003, 95115608.X */
	PN_PATENT,      /* ZL201710601862.3 */
	PN_PUBLICATION, /* CN114000001B */
};

enum patent_type { PT_UNKNOWN = 0, PT_INVENTION, PT_UTILITY_MODEL, PT_DESIGN };

struct patent_number {
	enum patent_number_kind kind;
	enum patent_type type; /* implied by the type digit or the kind code */
	char normalized[32];   /* spaces and dots removed, upper case */
	const char *error;     /* why it is invalid (static text) */
};

/* Parses and checks a patent number as a user typed it. */
void patent_number_parse(const char *input, struct patent_number *out);

/* "invention", "utility_model", "design" for an API value; PT_UNKNOWN otherwise. */
enum patent_type patent_type_from_name(const char *name);

#endif
