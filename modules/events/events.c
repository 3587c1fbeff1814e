/*
 * events.c - recording events in the request's transaction.
 */
#include "events.h"

#include <stdlib.h>

#include "../../server/db.h"
#include "../../server/req.h"

static const struct stmt st_event_insert = {
    "events_insert",
    "INSERT INTO events (type, org_id, user_id, data) VALUES ($1, $2, $3, $4::jsonb)", 4};

enum rc event_record(struct req *r, const char *type, const char *org_id, const char *user_id,
		     json_t *data)
{
	char *data_text = data ? json_dumps(data, JSON_COMPACT) : NULL;
	json_decref(data);
	const char *insert_params[4] = {type, org_id, user_id, data_text ? data_text : "{}"};
	/* nobody reads its result: it goes out with the next statement or the COMMIT */
	enum rc rc = db_exec_deferred(r, &st_event_insert, insert_params);
	free(data_text);
	return rc;
}
