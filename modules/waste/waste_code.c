/*
 * waste_code.c - checks of the 2024 solid waste directory's codes and of
 * GB/T 4754 industry codes (DOMAIN.md, "Solid waste and its trail").
 */
#include "waste_code.h"

#include <string.h>

#include "../../server/i18n.h"

static bool digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

const char *waste_code_problem(const char *s)
{
	if (s == NULL || strlen(s) != 9 || !digits(s, 6) || s[6] != 'S' || !digits(s + 7, 2))
		return N_("must be a 2024 directory code: three digits of industry, three of "
			  "sequence, then S and two digits of category (321001S09)");
	if (memcmp(s, "000", 3) == 0)
		return N_("names no producing industry (000)");
	if (s[3] != '0' || memcmp(s + 3, "000", 3) == 0)
		return N_("must have a sequence number from 001 to 099");
	if (memcmp(s + 7, "00", 2) == 0 || memcmp(s + 7, "08", 2) == 0)
		return N_("names no category of the directory (S01-S99, there is no S08)");
	return NULL;
}

bool waste_code_industrial(const char *code)
{
	return code != NULL && strlen(code) == 9 && code[7] <= '5';
}

const char *industry_code_problem(const char *s, const char *waste_code)
{
	size_t n = s ? strlen(s) : 0;
	if (n < 3 || n > 5 || s[0] < 'A' || s[0] > 'T' || !digits(s + 1, n - 1))
		return N_("must be a GB/T 4754 code: a section letter A-T and two to four digits "
			  "(C3216)");
	if (n >= 4 && waste_code != NULL && waste_code_problem(waste_code) == NULL &&
	    memcmp(s + 1, waste_code, 3) != 0)
		return N_("must be the industry the waste code names (its first three digits)");
	return NULL;
}
