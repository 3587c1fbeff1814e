/*
 * credit_code.h - an organization's identifiers: the unified social credit code
 * (统一社会信用代码, GB 32100-2015, with the organization code it embeds, GB 11714)
 * and the administrative region code (GB/T 2260). Pure functions, no database.
 */
#ifndef TECHEX_CREDIT_CODE_H
#define TECHEX_CREDIT_CODE_H

#include "../../server/common.h"

#define CREDIT_CODE_LEN 18

enum credit_code_verdict {
	CREDIT_CODE_OK = 0,
	CREDIT_CODE_LENGTH,    /* not 18 characters */
	CREDIT_CODE_CHARSET,   /* a character outside 0-9 A-H J-N P-R T U W-Y */
	CREDIT_CODE_REGION,    /* characters 3-8 are not six digits */
	CREDIT_CODE_ORG_CHECK, /* character 17 is not the GB 11714 check of 9-16 */
	CREDIT_CODE_CHECK,     /* character 18 is not the GB 32100 check of 1-17 */
};

/* Checks a credit code as a user typed it: lower case letters are taken as upper
 * case. On CREDIT_CODE_OK out holds the normalized code (NUL-terminated). */
enum credit_code_verdict credit_code_check(const char *input, char out[CREDIT_CODE_LEN + 1]);

/* Why a code was refused, for the problem's field message (static text). */
const char *credit_code_message(enum credit_code_verdict v);

/* The GB 32100 check character of 17 characters of the alphabet; '\0' if one is
 * outside it. */
char credit_code_check_char(const char *first17);

/* The GB 11714 check character ('0'-'9' or 'X') of an organization code's 8
 * characters (digits and upper case letters); '\0' if one is neither. */
char org_code_check_char(const char *first8);

/* Whether s is a GB/T 2260 region code: six digits whose first two name a
 * province-level division (11-15, 21-23, 31-37, 41-46, 50-54, 61-65, 71, 81, 82). */
bool region_code_valid(const char *s);

#endif
