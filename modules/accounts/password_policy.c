/*
 * password_policy.c - the rules of password_policy.h, over code points.
 */
#include "password_policy.h"

#include <stdlib.h>
#include <string.h>
#include <unictype.h>
#include <unistr.h>

#include "../../server/i18n.h"
#include "../../server/json.h"
#include "../../server/unicode.h"

#define MIN_DISTINCT 5
#define MIN_BASE_CHARS 6 /* a common word under added digits counts from this length */

static int compare(const void *key, const void *item)
{
	return strcmp(key, *(const char *const *)item);
}

bool password_is_common(const char *folded)
{
	return bsearch(folded, common_passwords, common_passwords_count, sizeof common_passwords[0],
		       compare) != NULL;
}

/* The code points of s into a new array (caller frees), their number in *n. */
static ucs4_t *code_points(const char *s, size_t *n)
{
	ucs4_t *out = xmalloc((strlen(s) + 1) * sizeof *out);
	const uint8_t *p = (const uint8_t *)s;
	size_t k = 0;
	while ((p = u8_next(&out[k], p)) != NULL)
		k++;
	*n = k;
	return out;
}

static bool repetitive(const ucs4_t *c, size_t n)
{
	size_t distinct = 0;
	for (size_t i = 0; i < n && distinct < MIN_DISTINCT; i++) {
		size_t j = 0;
		while (j < i && c[j] != c[i])
			j++;
		if (j == i)
			distinct++;
	}
	if (distinct < MIN_DISTINCT)
		return true;
	/* a block repeated to fill the whole: abcdefabcdef */
	for (size_t p = 1; p <= n / 2; p++) {
		size_t i = p;
		while (i < n && c[i] == c[i - p])
			i++;
		if (i == n)
			return true;
	}
	return false;
}

/* The step from a to b in a run: digits wrap around (…8, 9, 0, 1…). */
static long step(ucs4_t a, ucs4_t b)
{
	if (a == '9' && b == '0')
		return 1;
	if (a == '0' && b == '9')
		return -1;
	return (long)b - (long)a;
}

static bool sequential(const ucs4_t *c, size_t n)
{
	if (n < 2)
		return false;
	long first = step(c[0], c[1]);
	if (first != 1 && first != -1)
		return false;
	for (size_t i = 2; i < n; i++)
		if (step(c[i - 1], c[i]) != first)
			return false;
	return true;
}

/* The letters of folded without the digits, symbols and spaces before and after
 * them, as a new string (caller frees with free_secret), its characters in *chars. */
static char *stripped(const char *folded, size_t *chars)
{
	const uint8_t *s = (const uint8_t *)folded, *p = s, *start = NULL, *end = s;
	ucs4_t c;
	size_t n = 0, letters_at_end = 0;
	for (const uint8_t *next; (next = u8_next(&c, p)) != NULL; p = next) {
		bool letter = uc_is_general_category(c, UC_CATEGORY_L) ||
			      uc_is_general_category(c, UC_CATEGORY_M);
		if (letter && start == NULL)
			start = p;
		if (start != NULL)
			n++;
		if (letter) {
			end = next;
			letters_at_end = n;
		}
	}
	*chars = start ? letters_at_end : 0;
	return start ? xstrndup((const char *)start, (size_t)(end - start)) : xstrdup("");
}

enum password_verdict password_policy_check(const char *password, const char *email)
{
	enum password_verdict v = PASSWORD_OK;
	char *folded = NULL, *base = NULL, *mail = NULL, *local = NULL;
	ucs4_t *cps = NULL;
	size_t n, base_chars;

	if (password == NULL || !unicode_valid(password))
		return PASSWORD_INVALID;
	size_t chars = utf8_length(password);
	if (chars < PASSWORD_MIN_CHARS || chars > PASSWORD_MAX_CHARS)
		return PASSWORD_LENGTH;
	if (unicode_blank(password))
		return PASSWORD_BLANK;
	folded = unicode_fold(password);
	base = stripped(folded, &base_chars);
	if (email != NULL && (mail = unicode_fold(email)) != NULL) {
		char *at = strrchr(mail, '@');
		local = xstrndup(mail, at ? (size_t)(at - mail) : strlen(mail));
		/* the address or its local part, with digits or symbols around either */
		size_t local_chars, mail_chars;
		char *local_base = stripped(local, &local_chars),
		     *mail_base = stripped(mail, &mail_chars);
		bool is_the_address =
		    strcmp(folded, mail) == 0 || strcmp(folded, local) == 0 ||
		    (base_chars > 0 && ((local_chars > 0 && strcmp(base, local_base) == 0) ||
					(mail_chars > 0 && strcmp(base, mail_base) == 0)));
		free(local_base);
		free(mail_base);
		if (is_the_address) {
			v = PASSWORD_EMAIL;
			goto out;
		}
	}
	if (password_is_common(folded) ||
	    (base_chars >= MIN_BASE_CHARS && password_is_common(base))) {
		v = PASSWORD_COMMON;
		goto out;
	}
	cps = code_points(folded, &n);
	if (repetitive(cps, n))
		v = PASSWORD_REPETITIVE;
	else if (sequential(cps, n))
		v = PASSWORD_SEQUENTIAL;
out:
	if (cps != NULL)
		explicit_bzero(cps, (strlen(folded) + 1) * sizeof *cps);
	free(cps);
	free_secret(folded);
	free_secret(base);
	free(mail);
	free(local);
	return v;
}

const char *password_policy_message(enum password_verdict v)
{
	switch (v) {
	case PASSWORD_OK: return N_("is acceptable");
	case PASSWORD_INVALID: return N_("must be UTF-8 text");
	case PASSWORD_LENGTH: return N_("must be 12 to 128 characters");
	case PASSWORD_BLANK: return N_("must not be blank (only spaces or invisible characters)");
	case PASSWORD_EMAIL: return N_("must not be the email address or its local part");
	case PASSWORD_COMMON:
		return N_("is too common: it is, or is built on, one of the 10,000 most used "
			  "passwords");
	case PASSWORD_REPETITIVE:
		return N_("is too repetitive: it needs at least 5 different characters and no "
			  "repeated block");
	case PASSWORD_SEQUENTIAL:
		return N_(
		    "is a sequence (like abcdefghijkl or 123456789012): choose something less "
		    "predictable");
	}
	return N_("is refused");
}
