/*
 * listing_body.h - the listing body shared by the handlers of listings.c: its
 * enumerations and the statement parameters a validated body becomes.
 */
#ifndef TECHEX_LISTING_BODY_H
#define TECHEX_LISTING_BODY_H

#include "listings.h"

/* NULL-terminated lists of the API values. */
extern const char *const listing_kinds[];
extern const char *const listing_modes[];
extern const char *const listing_pricing_modes[];

/* The statement parameters of a validated listing body (create and PATCH). */
struct listing_params {
	char *tags, *modes, *patent, *process; /* owned JSON text */
	char trl[8], asking[24], reserve[24], increment[24];
	const char *v[16]; /* title .. patent_number, in the order of the statements */
};

/* Validates b as a whole listing: each field, then the rules across fields, then
 * an auction end in the future. Fills out on success (free with listing_params_free). */
enum rc listing_params(struct req *r, json_t *b, struct listing_params *out) MUSTCHECK;

void listing_params_free(struct listing_params *out);

#endif
