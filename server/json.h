/*
 * json.h - the one body reader and the declarative field validator.
 */
#ifndef TECHEX_JSON_H
#define TECHEX_JSON_H

#include <jansson.h>

#include "common.h"

struct req;
struct field;

#define JSON_MAX_DEPTH 32

/* Checks the body's framing before any parsing: valid UTF-8, nesting at most
 * JSON_MAX_DEPTH. On failure writes a human message into err. Pure; for tests. */
enum rc json_check_utf8(const char *s, size_t len, size_t *bad_offset) MUSTCHECK;
enum rc json_check_depth(const char *s, size_t len, int max_depth) MUSTCHECK;

/* Reads the request body as a JSON object into r->json (owned by r): checks the
 * Content-Type, UTF-8, depth and duplicate keys. A failure is a 400 problem on r
 * (API.md: a body without Content-Type: application/json is a 400). */
enum rc body_read(struct req *r) MUSTCHECK;

/* body_read, then validate_object against spec: RC_OK with r->json ready, or
 * RC_ERR with the 400 or 422 (every bad field named) set on r. */
enum rc body_read_valid(struct req *r, const struct field *spec) MUSTCHECK;

enum field_type {
	/* Text never holds invisible or bidirectional control characters (Bidi_Control,
	 * Default_Ignorable_Code_Point: U+202E, U+200B, U+FEFF, U+00AD, ...). */
	F_STRING, /* text: min/max in characters, no control characters but \n and \t */
	F_TEXT1,  /* single-line text: as F_STRING without \n and \t */
	F_NAME,   /* a person's or organization's name: F_TEXT1 without variation selectors */
	F_SECRET, /* password: min/max in characters, any printable text */
	F_EMAIL,  /* an address without invisible characters or look-alike mixes of scripts */
	F_INT,    /* integer, min/max inclusive */
	F_BOOL,
	F_ENUM, /* string from enum_values */
	F_UUID,
	F_DATE,     /* YYYY-MM-DD */
	F_DATETIME, /* RFC 3339 */
	F_MOMENT,   /* RFC 3339 date-time, or a date YYYY-MM-DD (its midnight UTC) */
	F_OBJECT,   /* nested object validated by sub */
	F_STRINGS,  /* array of strings: max items in max_items, each min..max chars */
	F_OBJECTS,  /* array of objects, each validated by sub: at most max_items */
};

struct field {
	const char *name;
	enum field_type type;
	bool required;
	bool nullable;
	long long min, max;
	const char *const *enum_values; /* NULL-terminated */
	const struct field *sub;        /* for F_OBJECT: NULL-name terminated */
	int max_items;
};

/* Validates obj against spec (terminated by an entry with name NULL). Every bad
 * field is recorded on r with its dotted path (prefix "" at the top); unknown
 * fields are refused. Returns RC_OK when no field failed. */
enum rc validate_object(struct req *r, const json_t *obj, const struct field *spec,
			const char *prefix) MUSTCHECK;

/* Checks the query parameters spec names with the validator, as a flat object
 * of strings; records a field error for each bad one (the caller reports them
 * with problem_fields_done). RC_OK when none was bad. */
enum rc query_validate(struct req *r, const struct field *spec);

/* Records a field error for field naming every allowed value, however many:
 * "must be one of: a, b, c". values is NULL-terminated. */
void problem_enum(struct req *r, const char *field, const char *const *values);

/* Counts the characters (code points) of a valid UTF-8 string. */
size_t utf8_length(const char *s);

#endif
