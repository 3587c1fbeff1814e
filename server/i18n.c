/*
 * i18n.c - Chinese messages through glibc's gettext, chosen per request.
 *
 * A server thread answers requests in both languages, so the process locale
 * (setlocale, LC_MESSAGES, the environment) cannot say which one a message is
 * wanted in. glibc's gettext looks at the calling thread's locale: under the
 * "C" locale it translates nothing, under any other it takes the language
 * from LANGUAGE first. So i18n_init sets LANGUAGE=zh_CN once, before any
 * thread, and a Chinese lookup runs under uselocale() of a C.UTF-8 LC_MESSAGES
 * locale for the duration of one dgettext call; every other thread, and every
 * other library (libpq's and libc's own messages), stays in the "C" locale and
 * untranslated. C.UTF-8 ships with glibc on Debian (libc-bin), so no zh_CN
 * locale has to be generated; English is the msgid and needs no lookup.
 */
#include "i18n.h"

#include <errno.h>
#include <libintl.h>
#include <limits.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

/* Set once by i18n_init before any thread starts; read-only afterwards. */
static locale_t messages_locale = (locale_t)0;

/* <directory of the executable>/../share/locale: bin/techex in the source tree
 * finds share/locale beside bin/, /usr/local/bin/techex finds
 * /usr/local/share/locale. */
static void default_localedir(char *out, size_t len)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (n <= 0) {
		snprintf(out, len, "share/locale");
		return;
	}
	exe[n] = '\0';
	char *slash = strrchr(exe, '/');
	if (slash != NULL)
		*slash = '\0';
	snprintf(out, len, "%s/../share/locale", exe);
}

enum rc i18n_init(const char *localedir, char *err, size_t errlen)
{
	char dir[PATH_MAX + 32];
	if (localedir != NULL && *localedir != '\0')
		snprintf(dir, sizeof dir, "%s", localedir);
	else
		default_localedir(dir, sizeof dir);
	/* LANGUAGE outranks the locale's name for gettext once the locale is not
	 * "C": fixing it here also keeps an operator's LANGUAGE from changing the
	 * answer */
	if (setenv("LANGUAGE", "zh_CN", 1) != 0) {
		snprintf(err, errlen, "cannot set LANGUAGE: %s", strerror(errno));
		return RC_ERR;
	}
	if (messages_locale == (locale_t)0)
		messages_locale = newlocale(LC_MESSAGES_MASK, "C.UTF-8", (locale_t)0);
	if (messages_locale == (locale_t)0) {
		snprintf(err, errlen, "the C.UTF-8 locale is not installed (glibc's libc-bin)");
		return RC_ERR;
	}
	if (bindtextdomain(I18N_DOMAIN, dir) == NULL ||
	    bind_textdomain_codeset(I18N_DOMAIN, "UTF-8") == NULL) {
		snprintf(err, errlen, "cannot bind the text domain: %s", strerror(errno));
		return RC_ERR;
	}
	/* the empty msgid gives the catalogue's header: proof that it was found */
	locale_t old = uselocale(messages_locale);
	const char *header = dgettext(I18N_DOMAIN, "");
	uselocale(old);
	if (header == NULL || strstr(header, "Language: zh_CN") == NULL) {
		snprintf(err, errlen,
			 "no Chinese message catalogue at %s/zh_CN/LC_MESSAGES/%s.mo "
			 "(TECHEX_LOCALEDIR)",
			 dir, I18N_DOMAIN);
		return RC_ERR;
	}
	return RC_OK;
}

const char *i18n_text(enum lang lang, const char *msgid)
{
	if (lang != LANG_ZH || messages_locale == (locale_t)0 || msgid[0] == '\0')
		return msgid;
	locale_t old = uselocale(messages_locale);
	const char *text = dgettext(I18N_DOMAIN, msgid);
	uselocale(old);
	return text;
}

const char *i18n_tag(enum lang lang)
{
	return lang == LANG_ZH ? "zh-CN" : "en";
}

/* The language of one language-range, or -1 for one this server does not speak. */
static int range_lang(const char *range, size_t n)
{
	if (n == 1 && range[0] == '*')
		return LANG_EN;
	if (n >= 2 && strncasecmp(range, "zh", 2) == 0 && (n == 2 || range[2] == '-'))
		return LANG_ZH;
	if (n >= 2 && strncasecmp(range, "en", 2) == 0 && (n == 2 || range[2] == '-'))
		return LANG_EN;
	return -1;
}

/* A qvalue ("1", "0.8", "1.000") in thousandths; -1 when malformed. */
static int qvalue(const char *s, size_t n)
{
	if (n == 0 || n > 5 || (s[0] != '0' && s[0] != '1'))
		return -1;
	int q = (s[0] - '0') * 1000;
	if (n == 1)
		return q;
	if (s[1] != '.')
		return -1;
	int scale = 100;
	for (size_t i = 2; i < n; i++, scale /= 10) {
		if (s[i] < '0' || s[i] > '9' || (q == 1000 && s[i] != '0'))
			return -1;
		q += (s[i] - '0') * scale;
	}
	return q;
}

static size_t trim(const char **s, size_t n)
{
	while (n > 0 && (**s == ' ' || **s == '\t'))
		(*s)++, n--;
	while (n > 0 && ((*s)[n - 1] == ' ' || (*s)[n - 1] == '\t'))
		n--;
	return n;
}

enum lang i18n_negotiate(const char *accept_language)
{
	enum lang best = LANG_EN;
	int best_q = 0; /* q=0 is "not acceptable" */
	if (accept_language == NULL)
		return best;
	for (const char *p = accept_language; *p != '\0';) {
		size_t item = strcspn(p, ",");
		const char *range = p;
		size_t range_len = trim(&range, strcspn(p, ";,"));
		int q = 1000;
		/* parameters: only q counts */
		for (const char *par = p + strcspn(p, ";,"); par < p + item && *par == ';';) {
			par++;
			size_t plen = strcspn(par, ";,");
			const char *v = par;
			size_t vlen = trim(&v, plen);
			if (vlen >= 2 && (v[0] == 'q' || v[0] == 'Q') && v[1] == '=') {
				const char *num = v + 2;
				q = qvalue(num, trim(&num, vlen - 2));
			}
			par += plen;
		}
		int lang = range_lang(range, range_len);
		if (lang >= 0 && q > best_q) {
			best = (enum lang)lang;
			best_q = q;
		}
		p += item;
		if (*p == ',')
			p++;
	}
	return best;
}
