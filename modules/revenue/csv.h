/*
 * csv.h - one field of a CSV file that a spreadsheet opens safely.
 */
#ifndef TECHEX_CSV_H
#define TECHEX_CSV_H

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

#endif
