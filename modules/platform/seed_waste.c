/*
 * seed_waste.c - the "waste" part of data/demo.json for `techex seed-demo`:
 * needs posted by the plan's enterprises (published, one in review), the
 * proposals technology owners made on them (one accepted by the needs module
 * itself, which drafts its contract), and two waste streams with a year of
 * monthly entries: 中铝山东's red mud and 金虹钛白's titanium gypsum, handed
 * to receivers who confirmed what they received, partly under the demo's
 * active licences. Runs inside seed-demo's transaction; what exists already
 * (a need, proposal or stream of the same title) is skipped.
 */
#include "seed_waste.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../server/req.h"
#include "../needs/needs.h"

/* The owner of demo organization key (organizations[].email of root): user
 * and organization ids into user and org. */
static bool owner_of(PGconn *conn, const json_t *root, const char *key, char user[37], char org[37])
{
	const json_t *orgs = json_object_get(root, "organizations"), *o;
	size_t i;
	const char *email = NULL;
	json_array_foreach(orgs, i,
			   o) if (strcmp(json_string_value(json_object_get(o, "key")), key) == 0)
	    email = json_string_value(json_object_get(o, "email"));
	enum { OWNER_USER, OWNER_ORG };
	const char *owner_params[1] = {email};
	PGresult *res;
	if (email == NULL ||
	    !db_run(conn, "SELECT u.id, u.org_id FROM users u WHERE u.email = $1::text", 1,
		    owner_params, &res)) {
		fprintf(stderr, "techex: seed-demo: no demo organization %s\n", key);
		return false;
	}
	bool found = PQntuples(res) == 1;
	if (found) {
		snprintf(user, 37, "%s", PQgetvalue(res, 0, OWNER_USER));
		snprintf(org, 37, "%s", PQgetvalue(res, 0, OWNER_ORG));
	}
	PQclear(res);
	return found;
}

/* Runs sql with params; 1 when it returned a row (its first column into id
 * when id is not NULL), 0 when none, -1 on error. */
static int run_one(PGconn *conn, const char *sql, int n, const char *const *params, char id[37])
{
	PGresult *res;
	if (!db_run(conn, sql, n, params, &res))
		return -1;
	enum { RETURNED_ID };
	int rows = PQntuples(res);
	if (rows > 0 && id != NULL)
		snprintf(id, 37, "%s", PQgetvalue(res, 0, RETURNED_ID));
	PQclear(res);
	return rows > 0;
}

static char *dump(const json_t *v)
{
	return v ? json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
}

/* Runs sql as the owner of demo organization key: $1 its organization, $2 its
 * user (both into org and user), $3 obj as JSON; as run_one (id may be NULL). */
static int insert_as_owner(PGconn *conn, const json_t *root, const char *key, const char *sql,
			   const json_t *obj, char user[37], char org[37], char id[37])
{
	if (!owner_of(conn, root, key, user, org))
		return -1;
	char *body = dump(obj);
	const char *owner_params[3] = {org, user, body};
	int rc = run_one(conn, sql, 3, owner_params, id);
	free(body);
	return rc;
}

/* One need as its organization posted it and an admin published (or, for
 * "pending_review", has yet to review). */
static int add_need(PGconn *conn, const json_t *root, const json_t *n)
{
	static const char sql[] =
	    "WITH ins AS (INSERT INTO needs (org_id, created_by, title, description, domain,"
	    "  waste_codes, annual_tonnes, target_trl, budget_min_fen, budget_max_fen, deadline,"
	    "  region_code, status, submitted_at, published_at)"
	    " SELECT $1::uuid, $2::uuid, x.n->>'title', x.n->>'description', x.n->>'domain',"
	    "  ARRAY(SELECT jsonb_array_elements_text(x.n->'waste_codes')),"
	    "  (x.n->>'annual_tonnes')::bigint, (x.n->>'target_trl')::int,"
	    "  (x.n->>'budget_min_fen')::bigint, (x.n->>'budget_max_fen')::bigint,"
	    "  (x.n->>'deadline')::date, x.n->>'region_code', x.n->>'status', now(),"
	    "  CASE WHEN x.n->>'status' = 'published' THEN now() END"
	    " FROM (SELECT $3::jsonb AS n) x WHERE NOT EXISTS (SELECT 1 FROM needs"
	    "  WHERE org_id = $1::uuid AND title = x.n->>'title') RETURNING id, org_id, title)"
	    " INSERT INTO audit_log (org_id, action, object_type, object_id, detail)"
	    " SELECT org_id, 'need.seed', 'need', id::text, jsonb_build_object('title', title,"
	    "  'demo', true) FROM ins RETURNING object_id";
	char user[37], org[37];
	return insert_as_owner(conn, root, json_string_value(json_object_get(n, "org")), sql, n,
			       user, org, NULL);
}

/* One proposal by the owner of listing_org's listing on the need of that
 * title; an accepted one is accepted by the need's owner through the needs
 * module (its contract drafted as the API drafts it). */
static int add_proposal(struct db *db, const json_t *root, const json_t *p)
{
	static const char sql[] =
	    "WITH ins AS (INSERT INTO proposals (need_id, listing_id, org_id, need_org_id,"
	    "  created_by, amount_fen, transaction_mode, message, royalty_bp, term_months,"
	    "  territory, field_of_use)"
	    " SELECT n.id, l.id, l.org_id, n.org_id, $2::uuid, (x.p->>'amount_fen')::bigint,"
	    "  x.p->>'mode', x.p->>'message', (x.p->'terms'->>'royalty_bp')::int,"
	    "  (x.p->'terms'->>'term_months')::int, x.p->'terms'->>'territory',"
	    "  x.p->'terms'->>'field_of_use'"
	    " FROM (SELECT $3::jsonb AS p) x JOIN needs n ON n.title = x.p->>'need'"
	    "  AND n.status = 'published'"
	    " JOIN listings l ON l.org_id = $1::uuid AND l.title = x.p->>'listing'"
	    "  AND l.status = 'published'"
	    " WHERE NOT EXISTS (SELECT 1 FROM proposals q WHERE q.need_id = n.id"
	    "  AND q.listing_id = l.id) RETURNING id, org_id, need_org_id)"
	    " INSERT INTO audit_log (org_id, action, object_type, object_id, detail)"
	    " SELECT org_id, 'proposal.seed', 'proposal', id::text,"
	    "  jsonb_build_object('demo', true, 'need_org_id', need_org_id) FROM ins"
	    " RETURNING object_id";
	char user[37], org[37], id[37];
	int rc =
	    insert_as_owner(db->conn, root, json_string_value(json_object_get(p, "listing_org")),
			    sql, p, user, org, id);
	if (rc != 1 || !json_is_true(json_object_get(p, "accepted")))
		return rc;
	/* the need's owner accepts it */
	static const char need_sql[] =
	    "SELECT u.id, u.org_id, o.status, o.kind, u.email FROM proposals p"
	    " JOIN users u ON u.org_id = p.need_org_id AND u.org_role = 'owner'"
	    " JOIN organizations o ON o.id = p.need_org_id WHERE p.id = $1::uuid";
	enum { NEED_USER, NEED_ORG, NEED_STATUS, NEED_KIND, NEED_EMAIL };
	const char *need_params[1] = {id};
	PGresult *res;
	if (!db_run(db->conn, need_sql, 1, need_params, &res))
		return -1;
	if (PQntuples(res) != 1) {
		PQclear(res);
		return -1;
	}
	struct req r;
	memset(&r, 0, sizeof r);
	r.db = db;
	snprintf(r.request_id, sizeof r.request_id, "seed-demo");
	r.auth.authenticated = true;
	snprintf(r.auth.user_id, sizeof r.auth.user_id, "%s", PQgetvalue(res, 0, NEED_USER));
	snprintf(r.auth.org_id, sizeof r.auth.org_id, "%s", PQgetvalue(res, 0, NEED_ORG));
	snprintf(r.auth.org_role, sizeof r.auth.org_role, "owner");
	snprintf(r.auth.org_status, sizeof r.auth.org_status, "%s",
		 PQgetvalue(res, 0, NEED_STATUS));
	snprintf(r.auth.org_kind, sizeof r.auth.org_kind, "%s", PQgetvalue(res, 0, NEED_KIND));
	snprintf(r.auth.email, sizeof r.auth.email, "%s", PQgetvalue(res, 0, NEED_EMAIL));
	PQclear(res);
	if (proposal_accept(&r, id) != RC_OK) {
		fprintf(stderr, "techex: seed-demo: proposal on %s: accept: %s\n",
			json_string_value(json_object_get(p, "need")),
			r.problem.detail[0] ? r.problem.detail : "failed");
		rc = -1;
	}
	resp_reset(&r.resp);
	problem_clear(&r.problem);
	json_decref(r.json);
	return rc;
}

/* A stream and its year of entries, each transfer confirmed by its receiver
 * as received_kg (still pending when null), naming the active licence of the
 * receiver on licence.listing_org's listing of licence.title when given. */
static int add_stream(PGconn *conn, const json_t *root, const json_t *s)
{
	static const char stream_sql[] =
	    "WITH ins AS (INSERT INTO waste_streams (org_id, created_by, name, waste_code,"
	    "  industry_code, facility, process_step, form, components, annual_tonnes,"
	    "  region_code, public)"
	    " SELECT $1::uuid, $2::uuid, x.s->>'name', x.s->>'waste_code', x.s->>'industry_code',"
	    "  x.s->>'facility', x.s->>'process_step', x.s->>'form',"
	    "  ARRAY(SELECT jsonb_array_elements_text(x.s->'components')),"
	    "  (x.s->>'annual_tonnes')::bigint, x.s->>'region_code', (x.s->>'public')::boolean"
	    " FROM (SELECT $3::jsonb AS s) x WHERE NOT EXISTS (SELECT 1 FROM waste_streams"
	    "  WHERE org_id = $1::uuid AND name = x.s->>'name') RETURNING id, org_id, name),"
	    " a AS (INSERT INTO audit_log (org_id, action, object_type, object_id, detail)"
	    "  SELECT org_id, 'waste_stream.seed', 'waste_stream', id::text,"
	    "  jsonb_build_object('name', name, 'demo', true) FROM ins)"
	    " SELECT id FROM ins";
	static const char entry_sql[] =
	    "INSERT INTO waste_entries (stream_id, period, generated_kg, stored_kg, self_used_kg,"
	    " disposed_kg, created_by, created_at)"
	    " SELECT $1::uuid, x.e->>'period', (x.e->>'generated_kg')::bigint,"
	    " (x.e->>'stored_kg')::bigint, (x.e->>'self_used_kg')::bigint,"
	    " (x.e->>'disposed_kg')::bigint, $2::uuid,"
	    " ((x.e->>'period') || '-01')::date + interval '1 month 2 days'"
	    " FROM (SELECT $3::jsonb AS e) x RETURNING id";
	/* $4 the receiver's key resolved: org and owner; the licence by its listing */
	static const char transfer_sql[] =
	    "INSERT INTO waste_transfers (entry_id, stream_id, producer_org_id, receiver_org_id,"
	    " line, kg, contract_id, status, received_kg, confirmed_at, confirmed_by, created_at)"
	    " SELECT e.id, e.stream_id, $2::uuid, $4::uuid, $6::int, (x.t->>'kg')::bigint,"
	    " (SELECT c.id FROM contracts c JOIN listings l ON l.id = c.listing_id"
	    "   WHERE l.org_id = $7::uuid AND l.title = x.t->'licence'->>'title' AND "
	    "c.licensee_org_id = $4::uuid"
	    "   AND c.status = 'active'),"
	    " CASE WHEN x.t->>'received_kg' IS NULL THEN 'pending' ELSE 'confirmed' END,"
	    " (x.t->>'received_kg')::bigint,"
	    " CASE WHEN x.t->>'received_kg' IS NOT NULL THEN e.created_at + interval '3 days' END,"
	    " CASE WHEN x.t->>'received_kg' IS NOT NULL THEN $5::uuid END, e.created_at"
	    " FROM waste_entries e, (SELECT $3::jsonb AS t) x WHERE e.id = $1::uuid"
	    " RETURNING id, contract_id IS NOT NULL OR $3::jsonb->'licence' IS NULL";
	enum { TRANSFER_ID, TRANSFER_LICENCE_FOUND };
	char user[37], org[37], stream[37];
	json_t *head = json_deep_copy(s);
	json_object_del(head, "entries");
	int rc = insert_as_owner(conn, root, json_string_value(json_object_get(s, "org")),
				 stream_sql, head, user, org, stream);
	json_decref(head);
	if (rc != 1)
		return rc;
	const json_t *e, *t;
	size_t i, k;
	json_array_foreach(json_object_get(s, "entries"), i, e)
	{
		char entry[37];
		char *text = dump(e);
		const char *entry_params[3] = {stream, user, text};
		rc = run_one(conn, entry_sql, 3, entry_params, entry);
		free(text);
		if (rc != 1)
			return -1;
		json_array_foreach(json_object_get(e, "transfers"), k, t)
		{
			char ruser[37], rorg[37], line[24];
			const json_t *licence = json_object_get(t, "licence");
			char luser[37] = "", lorg[37] = "";
			if (!owner_of(conn, root, json_string_value(json_object_get(t, "receiver")),
				      ruser, rorg) ||
			    (licence != NULL &&
			     !owner_of(conn, root,
				       json_string_value(json_object_get(licence, "listing_org")),
				       luser, lorg)))
				return -1;
			snprintf(line, sizeof line, "%zu", k + 1);
			text = dump(t);
			const char *transfer_params[7] = {
			    entry, org, text, rorg, ruser, line, licence ? lorg : NULL};
			PGresult *res;
			bool ok = db_run(conn, transfer_sql, 7, transfer_params, &res);
			free(text);
			if (!ok)
				return -1;
			bool licensed =
			    strcmp(PQgetvalue(res, 0, TRANSFER_LICENCE_FOUND), "t") == 0;
			PQclear(res);
			if (!licensed) {
				fprintf(stderr,
					"techex: seed-demo: no active licence for a transfer "
					"of %s\n",
					json_string_value(json_object_get(s, "name")));
				return -1;
			}
		}
	}
	return 1;
}

int seed_demo_waste(struct db *db, const json_t *root)
{
	const json_t *waste = json_object_get(root, "waste"), *x;
	size_t i;
	int needs = 0, proposals = 0, streams = 0, rc;
	json_array_foreach(json_object_get(waste, "needs"), i, x)
	{
		if ((rc = add_need(db->conn, root, x)) < 0)
			return -1;
		needs += rc;
	}
	json_array_foreach(json_object_get(waste, "proposals"), i, x)
	{
		if ((rc = add_proposal(db, root, x)) < 0)
			return -1;
		proposals += rc;
	}
	json_array_foreach(json_object_get(waste, "streams"), i, x)
	{
		if ((rc = add_stream(db->conn, root, x)) < 0)
			return -1;
		streams += rc;
	}
	printf("demo needs: %d inserted, proposals: %d (one accepted, its contract drafted), waste "
	       "streams with a year of entries and confirmed transfers: %d\n",
	       needs, proposals, streams);
	return needs + proposals + streams;
}
