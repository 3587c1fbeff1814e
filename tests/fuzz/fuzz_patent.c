/*
 * fuzz_patent.c - Chinese patent numbers as users type them.
 *
 * The input (up to a NUL) is parsed with patent_number_parse.
 * Invariants (abort on violation):
 *  - a refusal says why (and blames the characters only when one is not a
 *    letter, digit, space or dot); an acceptance names a kind and a type and no error;
 *  - a normalized number is upper-case letters and digits only, and parses
 *    again to itself with the same kind and type;
 *  - spaces and dots anywhere do not change the outcome.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../modules/listings/patent.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char allowed[] = " .0123456789"
			      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

static void same(const struct patent_number *a, const struct patent_number *b)
{
	if (a->kind != b->kind || a->type != b->type || strcmp(a->normalized, b->normalized) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *input = xstrndup((const char *)data, size);
	struct patent_number pn, again;

	patent_number_parse(input, &pn);
	if (memchr(pn.normalized, '\0', sizeof pn.normalized) == NULL)
		abort();
	if (pn.kind == PN_INVALID) {
		if (pn.error == NULL) /* type means nothing then: it may be half-filled */
			abort();
		/* blaming the characters is right only when one is not allowed */
		if (strstr(pn.error, "may contain only") != NULL &&
		    strspn(input, allowed) == strlen(input))
			abort();
	} else {
		if (pn.error != NULL || pn.type == PT_UNKNOWN)
			abort();
		for (const char *p = pn.normalized; *p; p++)
			if (!isdigit((unsigned char)*p) && !isupper((unsigned char)*p))
				abort();
		patent_number_parse(pn.normalized, &again);
		same(&pn, &again);

		/* "ZL 2017 1060 1862.3" as typed with more spaces and dots */
		size_t n = strlen(input);
		char *spaced = xmalloc(2 * n + 2);
		size_t m = 0;
		for (size_t i = 0; i < n; i++) {
			spaced[m++] = input[i];
			if (i % 3 == 1)
				spaced[m++] = i % 2 ? ' ' : '.';
		}
		spaced[m] = '\0';
		patent_number_parse(spaced, &again);
		same(&pn, &again);
		free(spaced);
	}
	free(input);
	return 0;
}
