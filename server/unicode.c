/*
 * unicode.c - normalization, case folding and character properties through
 * libunistring (hand-written Unicode tables would be wrong and stale).
 */
#include "unicode.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unicase.h>
#include <unictype.h>
#include <uninorm.h>
#include <unistr.h>

#include "common.h"

bool unicode_valid(const char *s)
{
	return u8_check((const uint8_t *)s, strlen(s)) == NULL;
}

uint32_t unicode_find_invisible(const char *s, bool allow_variation)
{
	const uint8_t *p = (const uint8_t *)s;
	ucs4_t c;
	if (!unicode_valid(s))
		return 0;
	while ((p = u8_next(&c, p)) != NULL) {
		if (allow_variation && uc_is_property_variation_selector(c))
			continue;
		if (uc_is_property_bidi_control(c) ||
		    uc_is_property_default_ignorable_code_point(c) ||
		    uc_is_property_variation_selector(c))
			return c;
	}
	return 0;
}

enum {
	S_LATIN = 1,
	S_HAN = 2,
	S_HIRAGANA = 4,
	S_KATAKANA = 8,
	S_BOPOMOFO = 16,
	S_HANGUL = 32,
};

struct scripts {
	const uc_script_t *common, *inherited, *named[6];
};

static struct scripts known_scripts;
static pthread_once_t scripts_once = PTHREAD_ONCE_INIT;

static void scripts_find(void)
{
	static const char *const names[6] = {"Latin",    "Han",      "Hiragana",
					     "Katakana", "Bopomofo", "Hangul"};
	for (int i = 0; i < 6; i++)
		known_scripts.named[i] = uc_script_byname(names[i]);
	known_scripts.common = uc_script_byname("Common");
	known_scripts.inherited = uc_script_byname("Inherited");
}

static const struct scripts *scripts(void)
{
	pthread_once(&scripts_once, scripts_find);
	return &known_scripts;
}

/* True when the label s[0..n) mixes scripts as unicode_mixed_scripts says. */
static bool label_mixed(const uint8_t *s, size_t n)
{
	const struct scripts *known = scripts();
	const uc_script_t *other = NULL;
	unsigned cjk = 0;
	size_t i = 0;
	while (i < n) {
		ucs4_t c;
		int len = u8_mbtouc(&c, s + i, n - i);
		i += len > 0 ? (size_t)len : 1;
		const uc_script_t *sc = uc_script(c);
		if (sc == NULL || sc == known->common || sc == known->inherited)
			continue;
		unsigned bit = 0;
		for (int k = 0; k < 6; k++)
			if (sc == known->named[k])
				bit = 1u << k;
		if (bit != 0)
			cjk |= bit;
		else if (other != NULL && other != sc)
			return true; /* two scripts neither of which is Latin or East Asian */
		else
			other = sc;
	}
	if (other != NULL)
		return cjk != 0; /* Cyrillic or Greek beside Latin (or beside Han) */
	bool japanese = cjk & (S_HIRAGANA | S_KATAKANA);
	return (japanese && (cjk & (S_BOPOMOFO | S_HANGUL))) ||
	       ((cjk & S_BOPOMOFO) && (cjk & S_HANGUL));
}

bool unicode_mixed_scripts(const char *s)
{
	const uint8_t *p = (const uint8_t *)s;
	size_t start = 0, n = strlen(s);
	for (size_t i = 0; i <= n; i++) {
		if (i < n && p[i] != '@' && p[i] != '.')
			continue;
		if (label_mixed(p + start, i - start))
			return true;
		start = i + 1;
	}
	return false;
}

/* A NUL-terminated copy of libunistring's result p[0..n), which it frees. */
static char *terminated(uint8_t *p, size_t n, bool secret)
{
	char *out = xmalloc(n + 1);
	memcpy(out, p, n);
	out[n] = '\0';
	if (secret)
		explicit_bzero(p, n);
	free(p);
	return out;
}

static char *normalized(uninorm_t nf, const char *s, bool secret)
{
	size_t n = strlen(s), len = 0;
	if (!unicode_valid(s))
		return NULL;
	if (n == 0)
		return xstrdup("");
	uint8_t *out = u8_normalize(nf, (const uint8_t *)s, n, NULL, &len);
	if (out == NULL)
		abort(); /* out of memory: the input is valid */
	return terminated(out, len, secret);
}

char *unicode_nfkc(const char *s)
{
	return normalized(UNINORM_NFKC, s, true);
}

char *unicode_fold(const char *s)
{
	size_t n = strlen(s), len = 0;
	if (!unicode_valid(s))
		return NULL;
	if (n == 0)
		return xstrdup("");
	uint8_t *out = u8_casefold((const uint8_t *)s, n, NULL, UNINORM_NFKC, NULL, &len);
	if (out == NULL)
		abort();
	return terminated(out, len, true);
}

char *unicode_email_key(const char *s)
{
	char *nfc = normalized(UNINORM_NFC, s, false);
	if (nfc == NULL)
		return NULL;
	/* PRECIS (RFC 8265) width mapping: a fullwidth or halfwidth form is its
	 * ordinary character; the mapped text is never longer */
	size_t n = strlen(nfc), o = 0;
	uint8_t *mapped = xmalloc(n + 1);
	const uint8_t *p = (const uint8_t *)nfc;
	for (size_t i = 0; i < n;) {
		ucs4_t c, d[UC_DECOMPOSITION_MAX_LENGTH];
		uint8_t enc[6];
		int len = u8_mbtouc(&c, p + i, n - i), tag, elen;
		if (uc_decomposition(c, &tag, d) == 1 &&
		    (tag == UC_DECOMP_WIDE || tag == UC_DECOMP_NARROW) &&
		    (elen = u8_uctomb(enc, d[0], sizeof enc)) > 0 && elen <= len) {
			memcpy(mapped + o, enc, (size_t)elen);
			o += (size_t)elen;
		} else {
			memcpy(mapped + o, p + i, (size_t)len);
			o += (size_t)len;
		}
		i += (size_t)len;
	}
	free(nfc);
	size_t flen = 0;
	uint8_t *folded = o == 0 ? NULL : u8_casefold(mapped, o, NULL, UNINORM_NFC, NULL, &flen);
	free(mapped);
	if (o == 0)
		return xstrdup("");
	if (folded == NULL)
		abort();
	return terminated(folded, flen, false);
}

bool unicode_blank(const char *s)
{
	const uint8_t *p = (const uint8_t *)s;
	ucs4_t c;
	while ((p = u8_next(&c, p)) != NULL)
		if (!uc_is_property_white_space(c) &&
		    !uc_is_property_default_ignorable_code_point(c))
			return false;
	return true;
}
