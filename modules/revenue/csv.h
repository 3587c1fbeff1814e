/*
 * csv.h - one field of a CSV file that a spreadsheet opens safely.
 */
#ifndef TECHEX_CSV_H
#define TECHEX_CSV_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

/* Writes s as one CSV field (RFC 4180) followed by "," or, when last, CRLF.
 * A field holding a separator any spreadsheet may use (, ; tab |), a quote, CR
 * or LF is quoted, quotes doubled. Text a spreadsheet would run as a formula is
 * neutralized with a leading ': a field starting with = + - @ tab or CR, and
 * each such character right after a separator inside the field (so splitting
 * on ; or | yields no formula either). A plain integer such as -500 is written
 * as it is. Pure. */
void csv_field(FILE *f, const char *s, bool last);

/* Writes one row: the values of columns in obj, strings as they are, integers
 * in decimal, anything else (null, absent) empty. */
void csv_json_row(FILE *f, const json_t *obj, const char *const *columns, size_t n);

/* Opens a CSV file in memory (*out, *len, as open_memstream) and writes a BOM
 * (so spreadsheets read UTF-8 Chinese right) and the header row of n columns.
 * NULL when it cannot; the caller fcloses, then frees *out. */
FILE *csv_open(char **out, size_t *len, const char *const *columns, size_t n);

#endif
