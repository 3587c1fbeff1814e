/*
 * json.c - reading request bodies and validating their fields.
 */
#include "json.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "req.h"
#include "unicode.h"

enum rc json_check_utf8(const char *s, size_t len, size_t *bad_offset)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;
	while (i < len) {
		unsigned char c = p[i];
		size_t n;
		uint32_t cp;
		if (c < 0x80) {
			if (c == 0)
				goto bad;
			i++;
			continue;
		} else if ((c & 0xe0) == 0xc0) {
			n = 1;
			cp = c & 0x1f;
		} else if ((c & 0xf0) == 0xe0) {
			n = 2;
			cp = c & 0x0f;
		} else if ((c & 0xf8) == 0xf0) {
			n = 3;
			cp = c & 0x07;
		} else {
			goto bad;
		}
		for (size_t k = 1; k <= n; k++) {
			if (i + k >= len || (p[i + k] & 0xc0) != 0x80)
				goto bad;
			cp = (cp << 6) | (p[i + k] & 0x3f);
		}
		/* overlong forms, surrogates and values past U+10FFFF */
		if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
		    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
			goto bad;
		i += n + 1;
	}
	return RC_OK;
bad:
	if (bad_offset != NULL)
		*bad_offset = i;
	return RC_ERR;
}

enum rc json_check_depth(const char *s, size_t len, int max_depth)
{
	int depth = 0;
	bool in_string = false;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		if (in_string) {
			if (c == '\\')
				i++;
			else if (c == '"')
				in_string = false;
			continue;
		}
		if (c == '"') {
			in_string = true;
		} else if (c == '{' || c == '[') {
			if (++depth > max_depth)
				return RC_ERR;
		} else if (c == '}' || c == ']') {
			depth--;
		}
	}
	return RC_OK;
}

static bool content_type_is_json(const char *ct)
{
	if (ct == NULL)
		return false;
	while (*ct == ' ')
		ct++;
	size_t n = strlen("application/json");
	if (strncasecmp(ct, "application/json", n) != 0)
		return false;
	ct += n;
	while (*ct == ' ')
		ct++;
	if (*ct == '\0')
		return true;
	if (*ct != ';')
		return false;
	ct++;
	while (*ct == ' ')
		ct++;
	/* the only parameter JSON has is a charset, and it must be UTF-8 (all of it:
	 * not "utf-8x", not "utf-8, text/html") */
	if (strncasecmp(ct, "charset=utf-8", 13) == 0)
		ct += 13;
	else if (strncasecmp(ct, "charset=\"utf-8\"", 15) == 0)
		ct += 15;
	else
		return false;
	while (*ct == ' ')
		ct++;
	return *ct == '\0';
}

/* Formats a field's dotted path into path. A path too long for it is cut before
 * a partial character: it stays UTF-8, so the problem can still name the field. */
PRINTF_LIKE(3, 4) static void path_format(char *path, size_t len, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(path, len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n < len)
		return;
	size_t end = strlen(path), lead = end;
	while (lead > 0 && ((unsigned char)path[lead - 1] & 0xc0) == 0x80)
		lead--;
	if (lead == 0)
		return;
	unsigned char c = (unsigned char)path[--lead];
	size_t need = c < 0x80 ? 1 : c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;
	if (lead + need > end)
		path[lead] = '\0';
}

/* Records every number in v at or beyond 2^63 in magnitude as a field error. */
static void find_huge_numbers(struct req *r, const json_t *v, const char *path)
{
	char sub[256];
	double d = json_is_real(v) ? json_real_value(v) : 0;
	if (d >= 9223372036854775808.0 || d <= -9223372036854775808.0) {
		problem_field(r, *path ? path : "(body)",
			      "is out of range: integers here fit in 64 bits");
	} else if (json_is_object(v)) {
		const char *key;
		const json_t *item;
		json_object_foreach((json_t *)v, key, item)
		{
			path_format(sub, sizeof sub, "%s%s%s", path, *path ? "." : "", key);
			find_huge_numbers(r, item, sub);
		}
	} else if (json_is_array(v)) {
		size_t i;
		const json_t *item;
		json_array_foreach(v, i, item)
		{
			path_format(sub, sizeof sub, "%s[%zu]", path, i);
			find_huge_numbers(r, item, sub);
		}
	}
}

/* A copy of the JSON text s in which every number token too large even for a
 * double (400 digits, 1e400) is 1e300 and every one too small is 0.0, so that the
 * copy parses and the numbers can be found by their place. Strings are copied as
 * they are. Caller frees. */
static char *tame_numbers(const char *s, size_t len, size_t *out_len)
{
	char *out = xmalloc(len + 1), tok[64];
	size_t o = 0;
	bool in_string = false;
	for (size_t i = 0; i < len;) {
		char c = s[i];
		if (in_string) {
			out[o++] = c;
			i++;
			if (c == '\\' && i < len)
				out[o++] = s[i++];
			else if (c == '"')
				in_string = false;
			continue;
		}
		if (c == '"') {
			in_string = true;
			out[o++] = s[i++];
			continue;
		}
		if (c != '-' && (c < '0' || c > '9')) {
			out[o++] = s[i++];
			continue;
		}
		size_t j = i;
		while (j < len && (strchr("+-.eE", s[j]) != NULL || (s[j] >= '0' && s[j] <= '9')))
			j++;
		size_t n = j - i;
		const char *rep = NULL;
		if (n >= sizeof tok) {
			rep = "1e300"; /* far beyond any range a field allows */
		} else {
			memcpy(tok, s + i, n);
			tok[n] = '\0';
			errno = 0;
			double d = strtod(tok, NULL);
			if (errno == ERANGE)
				rep = d == 0 ? "0.0" : "1e300";
		}
		if (rep != NULL && o + strlen(rep) + 1 <= len + 1 && strlen(rep) <= n) {
			if (s[i] == '-' && rep[0] == '1')
				out[o++] = '-';
			memcpy(out + o, rep, strlen(rep));
			o += strlen(rep);
		} else {
			memcpy(out + o, s + i, n);
			o += n;
		}
		i = j;
	}
	out[o] = '\0';
	*out_len = o;
	return out;
}

/* Valid JSON with an integer beyond 64 bits is a range error on a field (422),
 * not a malformed body: name the fields. RC_OK when there were such fields. */
static enum rc huge_integers(struct req *r)
{
	json_t *all = json_loadb(r->body, r->body_len,
				 JSON_REJECT_DUPLICATES | JSON_DECODE_INT_AS_REAL, NULL);
	if (all == NULL) {
		/* beyond a double too: parse a copy with those numbers tamed */
		size_t n;
		char *tamed = tame_numbers(r->body, r->body_len, &n);
		all = json_loadb(tamed, n, JSON_REJECT_DUPLICATES | JSON_DECODE_INT_AS_REAL, NULL);
		free(tamed);
	}
	if (all == NULL)
		return RC_ERR;
	find_huge_numbers(r, all, "");
	json_decref(all);
	return problem_fields_done(r) == RC_ERR ? RC_OK : RC_ERR;
}

enum rc body_read(struct req *r)
{
	json_error_t jerr;
	size_t bad;

	if (!content_type_is_json(req_header(r, "Content-Type")))
		return problem_set(r, 400, "unsupported-media-type",
				   "the body must be sent with Content-Type: application/json");
	if (r->body_len == 0)
		return problem_set(r, 400, "malformed-body",
				   "the request body is empty; a JSON object is expected");
	if (json_check_utf8(r->body, r->body_len, &bad) != RC_OK)
		return problem_set(
		    r, 400, "malformed-body",
		    "the body is not valid UTF-8 (or contains a NUL byte) at byte %zu", bad);
	if (json_check_depth(r->body, r->body_len, JSON_MAX_DEPTH) != RC_OK)
		return problem_set(r, 400, "malformed-body", "the JSON nests deeper than %d levels",
				   JSON_MAX_DEPTH);
	r->json = json_loadb(r->body, r->body_len, JSON_REJECT_DUPLICATES, &jerr);
	if (r->json == NULL && json_error_code(&jerr) == json_error_numeric_overflow &&
	    huge_integers(r) == RC_OK)
		return RC_ERR; /* 422 naming the fields */
	if (r->json == NULL)
		return problem_set(r, 400, "malformed-body",
				   "the body is not valid JSON: %s (line %d, column %d)", jerr.text,
				   jerr.line, jerr.column);
	if (!json_is_object(r->json))
		return problem_set(r, 400, "malformed-body", "the body must be a JSON object");
	return RC_OK;
}

enum rc body_read_valid(struct req *r, const struct field *spec)
{
	if (body_read(r) != RC_OK)
		return RC_ERR;
	if (validate_object(r, r->json, spec, "") != RC_OK)
		return problem_fields_done(r);
	return RC_OK;
}

size_t utf8_length(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	return n;
}

static const char *type_name(enum field_type t)
{
	switch (t) {
	case F_INT: return N_("an integer");
	case F_BOOL: return N_("a boolean");
	case F_OBJECT: return N_("an object");
	case F_STRINGS: return N_("an array of strings");
	case F_OBJECTS: return N_("an array of objects");
	default: return N_("a string");
	}
}

static bool valid_email(const char *s)
{
	const char *at = strchr(s, '@');
	if (at == NULL || at == s || strchr(at + 1, '@') != NULL)
		return false;
	const char *dot = strrchr(at, '.');
	if (dot == NULL || dot == at + 1 || dot[1] == '\0')
		return false;
	for (const char *p = s; *p; p++)
		if ((unsigned char)*p <= ' ' || *p == '"' || *p == ',' || *p == '<' || *p == '>' ||
		    *p == '(' || *p == ')' || *p == ';' || *p == '\\')
			return false;
	return strlen(s) <= 254;
}

static bool valid_date(const char *s)
{
	int y, m, d;
	char tail;
	static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return false;
	for (int i = 0; i < 10; i++)
		if (i != 4 && i != 7 && !isdigit((unsigned char)s[i]))
			return false;
	if (sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3)
		return false;
	if (y < 1900 || m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
		return false;
	if (m == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return false;
	return true;
}

static bool valid_datetime(const char *s)
{
	/* YYYY-MM-DDTHH:MM:SS[.fraction](Z|+hh:mm|-hh:mm) */
	char date[11];
	if (strlen(s) < 20)
		return false;
	memcpy(date, s, 10);
	date[10] = '\0';
	if (!valid_date(date) || (s[10] != 'T' && s[10] != 't'))
		return false;
	const char *p = s + 11;
	if (!isdigit((unsigned char)p[0]) || !isdigit((unsigned char)p[1]) || p[2] != ':' ||
	    !isdigit((unsigned char)p[3]) || !isdigit((unsigned char)p[4]) || p[5] != ':' ||
	    !isdigit((unsigned char)p[6]) || !isdigit((unsigned char)p[7]))
		return false;
	int hh = (p[0] - '0') * 10 + p[1] - '0', mm = (p[3] - '0') * 10 + p[4] - '0',
	    ss = (p[6] - '0') * 10 + p[7] - '0';
	if (hh > 23 || mm > 59 || ss > 60)
		return false;
	p += 8;
	if (*p == '.') {
		p++;
		if (!isdigit((unsigned char)*p))
			return false;
		while (isdigit((unsigned char)*p))
			p++;
	}
	if ((*p == 'Z' || *p == 'z') && p[1] == '\0')
		return true;
	if ((*p == '+' || *p == '-') && strlen(p) == 6 && isdigit((unsigned char)p[1]) &&
	    isdigit((unsigned char)p[2]) && p[3] == ':' && isdigit((unsigned char)p[4]) &&
	    isdigit((unsigned char)p[5]))
		/* offsets run from -12:00 to +14:00 on Earth; allow any hour up to 23 */
		return (p[1] - '0') * 10 + p[2] - '0' <= 23 && (p[4] - '0') * 10 + p[5] - '0' <= 59;
	return false;
}

/* Checks a string's characters and length; records a field error and returns false
 * on failure. */
static bool check_text(struct req *r, const char *path, const struct field *f, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		bool c1 = p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f; /* U+0080..U+009F */
		if (*p >= 0x20 && *p != 0x7f && !c1)
			continue;
		if (f->type == F_STRING && (*p == '\n' || *p == '\t'))
			continue;
		problem_field(r, path, "must not contain control characters%s",
			      f->type == F_STRING ? problem_tr(r, N_(" other than newline and tab"))
						  : "");
		return false;
	}
	uint32_t invisible = f->type == F_SECRET ? 0 : unicode_find_invisible(s, f->type != F_NAME);
	if (invisible != 0) {
		problem_field(r, path,
			      "must not contain invisible or bidirectional control characters "
			      "(U+%04X)",
			      (unsigned)invisible);
		return false;
	}
	size_t chars = utf8_length(s);
	if (f->min > 0 && f->type != F_SECRET && unicode_blank(s)) {
		problem_field(r, path, "must not be blank");
		return false;
	}
	if (f->min > 0 && chars < (size_t)f->min) {
		problem_field(r, path, "must be at least %lld characters", f->min);
		return false;
	}
	if (f->max > 0 && chars > (size_t)f->max) {
		problem_field(r, path, "must be at most %lld characters", f->max);
		return false;
	}
	return true;
}

static void validate_value(struct req *r, const char *path, const struct field *f, const json_t *v)
{
	if (json_is_null(v)) {
		if (!f->nullable)
			problem_field(r, path, "must not be null");
		return;
	}
	switch (f->type) {
	case F_INT: {
		if (!json_is_integer(v)) {
			problem_field(r, path, "must be an integer");
			return;
		}
		json_int_t n = json_integer_value(v);
		if (n < f->min || n > f->max)
			problem_field(r, path, "must be from %lld to %lld", f->min, f->max);
		return;
	}
	case F_BOOL:
		if (!json_is_boolean(v))
			problem_field(r, path, "must be a boolean");
		return;
	case F_OBJECT: {
		if (!json_is_object(v)) {
			problem_field(r, path, "must be an object");
			return;
		}
		if (validate_object(r, v, f->sub, path) != RC_OK)
			return; /* the nested errors are recorded */
		return;
	}
	case F_STRINGS:
	case F_OBJECTS: {
		if (!json_is_array(v)) {
			problem_field(r, path, "must be %s", problem_tr(r, type_name(f->type)));
			return;
		}
		if (f->max_items > 0 && json_array_size(v) > (size_t)f->max_items) {
			problem_field(r, path, "must have at most %d items", f->max_items);
			return;
		}
		struct field each = *f; /* a string item: single-line text, min..max chars */
		each.type = F_TEXT1;
		size_t i;
		const json_t *item;
		char ipath[256];
		json_array_foreach(v, i, item)
		{
			path_format(ipath, sizeof ipath, "%s[%zu]", path, i);
			if (f->type == F_OBJECTS && !json_is_object(item))
				problem_field(r, ipath, "must be an object");
			else if (f->type == F_OBJECTS) {
				if (validate_object(r, item, f->sub, ipath) != RC_OK)
					continue; /* its errors are recorded */
			} else if (!json_is_string(item))
				problem_field(r, ipath, "must be a string");
			else
				(void)check_text(r, ipath, &each, json_string_value(item));
		}
		return;
	}
	default: break;
	}

	/* every remaining type is a string */
	if (!json_is_string(v)) {
		problem_field(r, path, "must be %s", problem_tr(r, type_name(f->type)));
		return;
	}
	const char *s = json_string_value(v);
	switch (f->type) {
	case F_STRING:
	case F_TEXT1:
	case F_NAME: (void)check_text(r, path, f, s); return;
	case F_SECRET: (void)check_text(r, path, f, s); return;
	case F_EMAIL: {
		if (!valid_email(s)) {
			problem_field(r, path, "must be an email address");
			return;
		}
		uint32_t invisible = unicode_find_invisible(s, false);
		if (invisible != 0) {
			problem_field(r, path,
				      "must not contain invisible, bidirectional or variation "
				      "characters (U+%04X)",
				      (unsigned)invisible);
			return;
		}
		char *key = unicode_email_key(s);
		if (key == NULL || unicode_mixed_scripts(key))
			problem_field(
			    r, path,
			    "must not mix scripts within a part that can pass for another "
			    "address (a Latin letter beside Cyrillic or Greek ones)");
		free(key);
		return;
	}
	case F_ENUM:
		for (const char *const *e = f->enum_values; *e; e++)
			if (strcmp(*e, s) == 0)
				return;
		problem_enum(r, path, f->enum_values);
		return;
	case F_UUID:
		if (!uuid_valid(s))
			problem_field(r, path, "must be an id (UUID)");
		return;
	case F_DATE:
		if (!valid_date(s))
			problem_field(r, path, "must be a date YYYY-MM-DD");
		return;
	case F_DATETIME:
	case F_MOMENT:
		if (!valid_datetime(s) && !(f->type == F_MOMENT && valid_date(s)))
			problem_field(
			    r, path, "must be an RFC 3339 date-time such as 2026-03-01T00:00:00Z%s",
			    f->type == F_MOMENT ? problem_tr(r, N_(" (or a date, 2026-03-01)"))
						: "");
		return;
	default: return;
	}
}

enum rc validate_object(struct req *r, const json_t *obj, const struct field *spec,
			const char *prefix)
{
	size_t before = r->problem.errors ? json_array_size(r->problem.errors) : 0;
	char path[256];
	const char *key;
	const json_t *value;

	json_object_foreach((json_t *)obj, key, value)
	{
		const struct field *f = spec;
		while (f->name != NULL && strcmp(f->name, key) != 0)
			f++;
		if (f->name == NULL) {
			path_format(path, sizeof path, "%s%s%s", prefix, *prefix ? "." : "", key);
			problem_field(r, path, "is not a known field");
		}
	}
	for (const struct field *f = spec; f->name != NULL; f++) {
		path_format(path, sizeof path, "%s%s%s", prefix, *prefix ? "." : "", f->name);
		value = json_object_get(obj, f->name);
		if (value == NULL) {
			if (f->required)
				problem_field(r, path, "is required");
			continue;
		}
		validate_value(r, path, f, value);
	}
	size_t after = r->problem.errors ? json_array_size(r->problem.errors) : 0;
	return after == before ? RC_OK : RC_ERR;
}

enum rc query_validate(struct req *r, const struct field *spec)
{
	size_t before = r->problem.errors ? json_array_size(r->problem.errors) : 0;
	json_t *q = json_object();
	for (const struct field *f = spec; f->name; f++) {
		const char *v = req_query(r, f->name);
		json_t *s = v ? json_string(v) : NULL; /* NULL for invalid UTF-8 */
		if (v && s == NULL)
			problem_field(r, f->name, "must be UTF-8 text");
		else if (s)
			json_object_set_new(q, f->name, s);
	}
	(void)!validate_object(r, q, spec, "");
	json_decref(q);
	size_t after = r->problem.errors ? json_array_size(r->problem.errors) : 0;
	return after == before ? RC_OK : RC_ERR;
}

void problem_enum(struct req *r, const char *field, const char *const *values)
{
	size_t len = 1;
	for (const char *const *e = values; *e; e++)
		len += strlen(*e) + 2;
	char *allowed = xmalloc(len), *at = allowed;
	*at = '\0';
	for (const char *const *e = values; *e; e++)
		at = stpcpy(stpcpy(at, e == values ? "" : ", "), *e);
	problem_field(r, field, "must be one of: %s", allowed);
	free(allowed);
}
