/*
 * desk_internal.h - the handlers desk.c's route table names. Not for other
 * modules: their interface is desk.h.
 *
 *   desk.c      the route table and GET /v1/admin/deals
 *   disputes.c  disputes and their message thread
 */
#ifndef TECHEX_DESK_INTERNAL_H
#define TECHEX_DESK_INTERNAL_H

#include "../../server/req.h"

enum rc disputes_create(struct req *r);
enum rc disputes_list(struct req *r);
enum rc disputes_get(struct req *r);
enum rc disputes_message(struct req *r);
enum rc disputes_resolve(struct req *r);

#endif
