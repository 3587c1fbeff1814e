/*
 * patent.c - CN application numbers (with their mod-11 check character), ZL
 * patent numbers and CN publication numbers with kind codes.
 */
#include "patent.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "../../server/i18n.h"

/* The check character over the digits: digit i times weight i, summed, mod 11;
 * 10 is written X. */
static char check_char(const char *digits, size_t n, const int *weights)
{
	int sum = 0;
	for (size_t i = 0; i < n; i++)
		sum += (digits[i] - '0') * weights[i];
	int c = sum % 11;
	return c == 10 ? 'X' : (char)('0' + c);
}

static bool all_digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]))
			return false;
	return true;
}

static enum patent_type type_of_digit(char d)
{
	switch (d) {
	case '1':
	case '8': return PT_INVENTION;
	case '2':
	case '9': return PT_UTILITY_MODEL;
	case '3': return PT_DESIGN;
	default: return PT_UNKNOWN;
	}
}

/* Checks an application number (already normalized); sets type and error. */
static bool application_ok(const char *s, struct patent_number *out)
{
	static const int w12[] = {2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5};
	static const int w8[] = {2, 3, 4, 5, 6, 7, 8, 9};
	size_t len = strlen(s);

	if (len == 13 && all_digits(s, 12)) {
		int year =
		    (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + s[3] - '0';
		if (year < 2003 || year > 2099) {
			out->error =
			    N_("the year of a 12-digit application number must be 2003 or later");
			return false;
		}
		out->type = type_of_digit(s[4]);
		if (out->type == PT_UNKNOWN) {
			out->error = N_("the type digit (5th) must be 1, 2, 3, 8 or 9");
			return false;
		}
		if (check_char(s, 12, w12) != s[12]) {
			out->error =
			    N_("the check character does not match the application number");
			return false;
		}
		return true;
	}
	if (len == 9 && all_digits(s, 8)) {
		out->type = type_of_digit(s[2]);
		if (out->type == PT_UNKNOWN) {
			out->error = N_("the type digit (3rd) must be 1, 2, 3, 8 or 9");
			return false;
		}
		if (check_char(s, 8, w8) != s[8]) {
			out->error =
			    N_("the check character does not match the application number");
			return false;
		}
		return true;
	}
	out->error = N_("must be a CN application number (201710601862.3), a ZL patent number or a "
			"CN publication number with its kind code (CN114000001B)");
	return false;
}

void patent_number_parse(const char *input, struct patent_number *out)
{
	char s[sizeof out->normalized];
	size_t n = 0;

	memset(out, 0, sizeof *out);
	for (const char *p = input; *p; p++) {
		if (*p == ' ' || *p == '.')
			continue;
		if ((unsigned char)*p >= 0x80 || !isalnum((unsigned char)*p)) {
			out->error = N_("may contain only letters, digits, spaces and dots");
			return;
		}
		if (n + 1 >= sizeof s) {
			out->error = N_("is too long for a patent number");
			return;
		}
		s[n++] = (char)toupper((unsigned char)*p);
	}
	s[n] = '\0';
	snprintf(out->normalized, sizeof out->normalized, "%s", s);

	if (strncmp(s, "ZL", 2) == 0) {
		if (application_ok(s + 2, out))
			out->kind = PN_PATENT;
		return;
	}
	if (strncmp(s, "CN", 2) == 0) {
		size_t digits = n > 3 ? n - 3 : 0;
		char code = n > 0 ? s[n - 1] : '\0';
		if (digits < 6 || digits > 10 || !all_digits(s + 2, digits)) {
			out->error =
			    N_("a CN publication number is CN, 6 to 10 digits and a kind code");
			return;
		}
		switch (code) {
		case 'A':
		case 'B': out->type = PT_INVENTION; break;
		case 'U': out->type = PT_UTILITY_MODEL; break;
		case 'S': out->type = PT_DESIGN; break;
		default:
			out->error =
			    N_("the kind code of a CN publication number must be A, B, U or S");
			return;
		}
		out->kind = PN_PUBLICATION;
		return;
	}
	if (application_ok(s, out))
		out->kind = PN_APPLICATION;
}

enum patent_type patent_type_from_name(const char *name)
{
	if (name == NULL)
		return PT_UNKNOWN;
	if (strcmp(name, "invention") == 0)
		return PT_INVENTION;
	if (strcmp(name, "utility_model") == 0)
		return PT_UTILITY_MODEL;
	if (strcmp(name, "design") == 0)
		return PT_DESIGN;
	return PT_UNKNOWN;
}
