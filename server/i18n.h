/*
 * i18n.h - the language of what a client reads in a problem: English, or Chinese
 * (simplified) through GNU gettext and the catalogue compiled from po/zh_CN.po.
 *
 * The English text is the msgid: a message is written in English at its call
 * (problem_set, problem_field, or N_() where it is kept in a table) and
 * translated when it is formatted, in the language the request asked for.
 */
#ifndef TECHEX_I18N_H
#define TECHEX_I18N_H

#include <stddef.h>

#include "common.h"

/* Marks a string for extraction (xgettext) without translating it: titles and
 * messages kept in tables, translated where they are used. */
#define N_(s) s

/* The gettext text domain: <localedir>/zh_CN/LC_MESSAGES/techex.mo */
#define I18N_DOMAIN "techex"

enum lang {
	LANG_EN = 0, /* the default: the msgids themselves */
	LANG_ZH,     /* zh_CN */
};

/* Start-up, before any thread: binds the text domain to localedir (NULL or "":
 * <directory of the executable>/../share/locale) and prepares the per-call locale
 * under which gettext translates. RC_ERR, with the reason in err, when the
 * Chinese catalogue cannot be loaded from there. */
enum rc i18n_init(const char *localedir, char *err, size_t errlen) MUSTCHECK;

/* The language an Accept-Language value asks for (RFC 9110 12.5.4): the supported
 * range with the highest q-value, the first on a tie; zh and every zh-* range
 * (zh-CN, zh-Hans, zh-TW, ...) is Chinese, en, en-* and * are English. NULL, an
 * empty value or one naming no supported language: English. */
enum lang i18n_negotiate(const char *accept_language);

/* msgid in lang: for LANG_ZH its translation from the catalogue (msgid itself
 * when it has none, or before i18n_init). Borrowed: msgid or the catalogue's. */
const char *i18n_text(enum lang lang, const char *msgid);

/* The Content-Language tag of lang: "en" or "zh-CN". Static. */
const char *i18n_tag(enum lang lang);

#endif
