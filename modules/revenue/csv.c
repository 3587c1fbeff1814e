/*
 * csv.c - CSV fields a spreadsheet opens as text, never as a formula.
 */
#include "csv.h"

#include <string.h>

#define SEPARATORS ",;\t|"
#define FORMULA_STARTS "=+-@\t\r"

/* An optional minus and one or more digits, nothing else. */
static bool plain_integer(const char *s)
{
	if (*s == '-')
		s++;
	if (*s == '\0')
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

void csv_field(FILE *f, const char *s, bool last)
{
	bool integer = plain_integer(s);
	bool quote = strpbrk(s, SEPARATORS "\"\r\n") != NULL;
	bool neutralize = !integer && *s && strchr(FORMULA_STARTS, *s) != NULL;
	if (neutralize)
		quote = true;
	if (quote)
		fputc('"', f);
	bool at_start = !integer; /* a formula start here gets a ' first */
	for (; *s; s++) {
		if (at_start && strchr(FORMULA_STARTS, *s) != NULL)
			fputc('\'', f);
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
		at_start = !integer && strchr(SEPARATORS, *s) != NULL;
	}
	if (quote)
		fputc('"', f);
	fputs(last ? "\r\n" : ",", f);
}
