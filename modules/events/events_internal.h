/*
 * events_internal.h - what the events module's files share.
 */
#ifndef TECHEX_EVENTS_INTERNAL_H
#define TECHEX_EVENTS_INTERNAL_H

#include "../../server/common.h"

struct req;
struct stmt;

/* Runs list statement st (planned for these values) with params, whose last
 * one (params[nparams - 1]) it sets to limit + 1, and replies the page of
 * limit rows with nparts cursor columns (reply_page). */
enum rc events_reply_page(struct req *r, const struct stmt *st, const char **params, int nparams,
			  int limit, int nparts) MUSTCHECK;

#endif
