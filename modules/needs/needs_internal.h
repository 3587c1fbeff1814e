/*
 * needs_internal.h - what the files of modules/needs share: the handlers of
 * proposals.c and matching.c for needs.c's route table.
 */
#ifndef TECHEX_NEEDS_INTERNAL_H
#define TECHEX_NEEDS_INTERNAL_H

#include "needs.h"

/* The columns of NEED_COLS (needs.c): the API JSON, version, org, status and
 * whether anyone may see it. */
enum { N_JSON, N_VERSION, N_ORG, N_STATUS, N_PUBLIC };

/* Loads need {id} (row lock when lock) if the caller may see it: anyone once
 * published or withdrawn from publication... see needs.c; 404 otherwise.
 * Caller PQclears. */
struct pg_result *need_load(struct req *r, bool lock);

enum rc proposals_create(struct req *r);
enum rc proposals_list(struct req *r);
enum rc proposals_accept(struct req *r);

enum rc matching_for_need(struct req *r);
enum rc matching_for_stream(struct req *r);
enum rc matching_for_listing(struct req *r);
enum rc domains_list(struct req *r);

#endif
