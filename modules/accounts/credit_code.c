/*
 * credit_code.c - the unified social credit code (GB 32100-2015) and region codes
 * (GB/T 2260).
 *
 * A credit code is 18 characters of a 31-symbol alphabet (no I, O, S, V, Z):
 * registration authority (1), category (2), the registering authority's region
 * (3-8), the organization's code (9-17, GB 11714: eight characters and their own
 * check character) and the check character (18). Example from the standard:
 * 91350100M000100Y43.
 */
#include "credit_code.h"

#include <string.h>

#include "../../server/i18n.h"

static const char alphabet[] = "0123456789ABCDEFGHJKLMNPQRTUWXY"; /* value = index */

/* W_i = 3^(i-1) mod 31 */
static const int cc_weights[17] = {1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28};
static const int org_weights[8] = {3, 7, 9, 10, 5, 8, 4, 2};

static int alphabet_value(char c)
{
	const char *p = c ? strchr(alphabet, c) : NULL;
	return p ? (int)(p - alphabet) : -1;
}

char credit_code_check_char(const char *first17)
{
	int sum = 0;
	for (int i = 0; i < 17; i++) {
		int v = alphabet_value(first17[i]);
		if (v < 0)
			return '\0';
		sum += v * cc_weights[i];
	}
	int c = 31 - sum % 31;
	return alphabet[c == 31 ? 0 : c];
}

char org_code_check_char(const char *first8)
{
	int sum = 0;
	for (int i = 0; i < 8; i++) {
		char c = first8[i];
		int v;
		if (c >= '0' && c <= '9')
			v = c - '0';
		else if (c >= 'A' && c <= 'Z')
			v = c - 'A' + 10; /* GB 11714: A = 10 ... Z = 35 */
		else
			return '\0';
		sum += v * org_weights[i];
	}
	int c = 11 - sum % 11;
	return c == 10 ? 'X' : c == 11 ? '0' : (char)('0' + c);
}

enum credit_code_verdict credit_code_check(const char *input, char out[CREDIT_CODE_LEN + 1])
{
	out[0] = '\0';
	if (input == NULL || strlen(input) != CREDIT_CODE_LEN)
		return CREDIT_CODE_LENGTH;
	char code[CREDIT_CODE_LEN + 1];
	for (int i = 0; i < CREDIT_CODE_LEN; i++) {
		char c = input[i];
		if (c >= 'a' && c <= 'z')
			c = (char)(c - 'a' + 'A');
		if (alphabet_value(c) < 0)
			return CREDIT_CODE_CHARSET;
		code[i] = c;
	}
	code[CREDIT_CODE_LEN] = '\0';
	for (int i = 2; i < 8; i++)
		if (code[i] < '0' || code[i] > '9')
			return CREDIT_CODE_REGION;
	if (org_code_check_char(code + 8) != code[16])
		return CREDIT_CODE_ORG_CHECK;
	if (credit_code_check_char(code) != code[17])
		return CREDIT_CODE_CHECK;
	memcpy(out, code, sizeof code);
	return CREDIT_CODE_OK;
}

const char *credit_code_message(enum credit_code_verdict v)
{
	switch (v) {
	case CREDIT_CODE_OK: return N_("is valid");
	case CREDIT_CODE_LENGTH:
		return N_("must be 18 characters (统一社会信用代码, GB 32100-2015)");
	case CREDIT_CODE_CHARSET:
		return N_("may hold only digits and the letters A-H, J-N, P-R, T, U, W-Y");
	case CREDIT_CODE_REGION:
		return N_("characters 3 to 8 must be the six digits of a region code");
	case CREDIT_CODE_ORG_CHECK:
		return N_("the organization code check (GB 11714, character 17) does not match: "
			  "mistyped?");
	case CREDIT_CODE_CHECK:
		return N_(
		    "the credit code check (GB 32100, character 18) does not match: mistyped?");
	}
	return N_("is not a credit code");
}

bool region_code_valid(const char *s)
{
	/* GB/T 2260 province-level divisions */
	static const int provinces[] = {11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34,
					35, 36, 37, 41, 42, 43, 44, 45, 46, 50, 51, 52,
					53, 54, 61, 62, 63, 64, 65, 71, 81, 82};
	if (s == NULL || strlen(s) != 6)
		return false;
	for (int i = 0; i < 6; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	int p = (s[0] - '0') * 10 + (s[1] - '0');
	for (size_t i = 0; i < ARRAY_LEN(provinces); i++)
		if (provinces[i] == p)
			return true;
	return false;
}
