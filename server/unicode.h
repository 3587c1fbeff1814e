/*
 * unicode.h - what TechEx needs of Unicode, through libunistring: normalization
 * (NFC, NFKC), full case folding, and the character properties that find
 * invisible and bidirectional controls and look-alike mixes of scripts.
 * Every function takes valid UTF-8 (the body reader has checked it).
 */
#ifndef TECHEX_UNICODE_H
#define TECHEX_UNICODE_H

#include <stdbool.h>
#include <stdint.h>

/* The first character of s that is invisible or reorders text: Bidi_Control
 * (U+202E, U+2066, ...) or Default_Ignorable_Code_Point (U+200B..U+200F,
 * U+2060..U+2064, U+FEFF, U+00AD, ...). Variation selectors (U+FE00..U+FE0F,
 * U+E0100..U+E01EF) pass only with allow_variation. Returns the code point, or
 * 0 when there is none (or s is not valid UTF-8: the caller checked that). */
uint32_t unicode_find_invisible(const char *s, bool allow_variation);

/* True when a label of s (the parts between '@' and '.') mixes scripts so that
 * it can pass for another: letters of more than one script, except Latin with
 * Han, Hiragana, Katakana, Bopomofo or Hangul as Chinese, Japanese and Korean
 * write them (UTS #39, "highly restrictive"). Digits, punctuation and marks
 * (scripts Common and Inherited) go with anything. */
bool unicode_mixed_scripts(const char *s);

/* The form an email is stored and compared in: NFC, fullwidth and halfwidth
 * forms mapped to their ordinary ones, then full case folding (NFC), so that
 * every spelling of one address is one account. Caller frees; NULL when s is not
 * valid UTF-8. */
char *unicode_email_key(const char *s);

/* s in NFKC (NIST SP 800-63B normalizes passwords so). Caller frees; NULL when
 * s is not valid UTF-8. */
char *unicode_nfkc(const char *s);

/* s in NFKC and fully case-folded: for comparing passwords with words. Caller
 * frees; NULL when s is not valid UTF-8. */
char *unicode_fold(const char *s);

/* True when s has no character but White_Space and invisible ones (twelve
 * U+00A0 no-break spaces, say). */
bool unicode_blank(const char *s);

/* True when s is valid UTF-8 without NUL. */
bool unicode_valid(const char *s);

#endif
