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

FILE *csv_open(char **out, size_t *len, const char *const *columns, size_t n)
{
	*out = NULL;
	FILE *f = open_memstream(out, len);
	if (f == NULL)
		return NULL;
	fputs("\xef\xbb\xbf", f);
	for (size_t k = 0; k < n; k++)
		csv_field(f, columns[k], k + 1 == n);
	return f;
}

void csv_json_row(FILE *f, const json_t *obj, const char *const *columns, size_t n)
{
	for (size_t k = 0; k < n; k++) {
		const json_t *v = json_object_get(obj, columns[k]);
		char num[24];
		const char *text = json_string_value(v);
		if (json_is_integer(v)) {
			snprintf(num, sizeof num, "%lld", (long long)json_integer_value(v));
			text = num;
		}
		csv_field(f, text ? text : "", k + 1 == n);
	}
}
