/*
 * router.c - matching paths against the joined route tables.
 */
#include "router.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void router_add(struct router *rt, const struct route *table, size_t n)
{
	if (rt->n + n > rt->cap) {
		rt->cap = (rt->n + n) * 2;
		rt->routes = xrealloc(rt->routes, rt->cap * sizeof *rt->routes);
	}
	for (size_t i = 0; i < n; i++)
		rt->routes[rt->n++] = &table[i];
}

/* Matches one pattern; on success fills params. Segments are compared one by one;
 * "{name}" matches any non-empty segment. */
static bool match_pattern(const char *pattern, const char *path, struct kv *params, int *nparams)
{
	const char *p = pattern, *s = path;
	int n = 0;

	while (*p && *s) {
		if (*p == '{') {
			const char *pend = strchr(p, '}');
			const char *send = strchr(s, '/');
			if (send == NULL)
				send = s + strlen(s);
			if (pend == NULL || send == s || n >= MAX_PARAMS)
				goto fail;
			if (params != NULL) {
				params[n].key = xstrndup(p + 1, (size_t)(pend - p - 1));
				params[n].value = xstrndup(s, (size_t)(send - s));
				/* ids are UUIDs, case-insensitive on input: one spelling
				 * everywhere after this (hashes, audit rows, comparisons) */
				if (uuid_valid(params[n].value))
					for (char *c = params[n].value; *c; c++)
						*c = (char)tolower((unsigned char)*c);
			}
			n++;
			p = pend + 1;
			s = send;
			continue;
		}
		if (*p != *s)
			goto fail;
		p++;
		s++;
	}
	if (*p != '\0' || *s != '\0')
		goto fail;
	if (nparams != NULL)
		*nparams = n;
	return true;
fail:
	if (params != NULL)
		for (int i = 0; i < n; i++) {
			free(params[i].key);
			free(params[i].value);
			params[i].key = params[i].value = NULL;
		}
	return false;
}

const struct route *router_match(const struct router *rt, enum method method, const char *path,
				 struct kv *params, int *nparams, int *status, unsigned *allow)
{
	unsigned allowed = 0;
	enum method want = method == M_HEAD ? M_GET : method;

	for (size_t i = 0; i < rt->n; i++) {
		const struct route *r = rt->routes[i];
		if (r->method != want)
			continue;
		if (match_pattern(r->pattern, path, params, nparams))
			return r;
	}
	for (size_t i = 0; i < rt->n; i++)
		if (match_pattern(rt->routes[i]->pattern, path, NULL, NULL))
			allowed |= rt->routes[i]->method;
	if (allowed & M_GET)
		allowed |= M_HEAD;
	*allow = allowed;
	*status = allowed ? 405 : 404;
	return NULL;
}

static const struct {
	enum method m;
	const char *name;
} method_names[] = {
    {M_GET, "GET"},     {M_HEAD, "HEAD"},     {M_POST, "POST"},       {M_PUT, "PUT"},
    {M_PATCH, "PATCH"}, {M_DELETE, "DELETE"}, {M_OPTIONS, "OPTIONS"},
};

void router_allow_header(unsigned allow, char *buf, size_t len)
{
	size_t used = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < ARRAY_LEN(method_names); i++)
		if (allow & method_names[i].m)
			used += (size_t)snprintf(buf + used, used < len ? len - used : 0, "%s%s",
						 used ? ", " : "", method_names[i].name);
}

const char *method_name(enum method m)
{
	for (size_t i = 0; i < ARRAY_LEN(method_names); i++)
		if (method_names[i].m == m)
			return method_names[i].name;
	return "OTHER";
}

enum method method_from_name(const char *name)
{
	for (size_t i = 0; i < ARRAY_LEN(method_names); i++)
		if (strcmp(method_names[i].name, name) == 0)
			return method_names[i].m;
	return M_OTHER;
}

void router_free(struct router *rt)
{
	free(rt->routes);
	rt->routes = NULL;
	rt->n = rt->cap = 0;
}
