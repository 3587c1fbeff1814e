/*
 * waste.c - handlers for /v1/waste-streams and /v1/waste-transfers.
 *
 * A producer registers a stream (its 2024 directory code, industry, facility,
 * form, components, annual tonnes) and records one entry per month: what it
 * generated, stored, used itself, disposed of, and handed to receivers. Each
 * handover is a transfer the receiver confirms with what it received (which
 * may differ from what was sent: both are kept and shown). A transfer may name
 * the licence it serves, an active contract whose licensee is the receiver, so
 * that waste used by licensed technology is a confirmed fact.
 *
 * Who sees what: a stream, its entries and trace are seen by its organization
 * and admins, and by everyone when it is public; a transfer also by its
 * receiver. Anyone else gets 404. Quantities are integer kilograms.
 */
#include "waste.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../server/cursor.h"
#include "../../server/db.h"
#include "../../server/json.h"
#include "../accounts/credit_code.h"
#include "../events/events.h"
#include "../platform/platform.h"
#include "waste_code.h"

#define TS(col) SQL_RFC3339(col)
#define US(col) "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"

// clang-format off
/* The API shape of stream s. */
#define STREAM_OBJ                                                                        \
	"jsonb_build_object('id', s.id, 'org_id', s.org_id, 'org', (SELECT"                   \
	"   jsonb_build_object('id', o.id, 'name', o.name) FROM organizations o"              \
	"   WHERE o.id = s.org_id), 'name', s.name, 'waste_code', s.waste_code,"             \
	" 'category', waste_category(s.waste_code),"                                         \
	" 'industrial', waste_category(s.waste_code) <= 'S59',"                              \
	" 'industry_code', s.industry_code, 'facility', s.facility,"                         \
	" 'process_step', s.process_step, 'form', s.form, 'components', to_jsonb(s.components),"\
	" 'annual_tonnes', s.annual_tonnes, 'region_code', s.region_code, 'public', s.public,"\
	" 'created_at', " TS("s.created_at") ", 'updated_at', " TS("s.updated_at") ")"
#define STREAM_COLS STREAM_OBJ "::text, s.version, s.org_id, s.public"
/* An entry e with its transfers, in the order written. */
#define ENTRY_OBJ                                                                         \
	"jsonb_build_object('id', e.id, 'stream_id', e.stream_id, 'period', e.period,"        \
	" 'generated_kg', e.generated_kg, 'stored_kg', e.stored_kg,"                         \
	" 'self_used_kg', e.self_used_kg, 'disposed_kg', e.disposed_kg,"                     \
	" 'transferred_kg', (SELECT coalesce(sum(t.kg), 0) FROM waste_transfers t"           \
	"   WHERE t.entry_id = e.id),"                                                       \
	" 'transfers', coalesce((SELECT jsonb_agg(waste_transfer_json(t) ORDER BY t.line)"  \
	"   FROM waste_transfers t WHERE t.entry_id = e.id), '[]'),"                         \
	" 'created_at', " TS("e.created_at") ")"
// clang-format on
enum { S_JSON, S_VERSION, S_ORG, S_PUBLIC };

static const struct stmt st_insert = {
    "waste_stream_insert",
    "INSERT INTO waste_streams AS s (org_id, created_by, name, waste_code, industry_code,"
    " facility, process_step, form, components, annual_tonnes, region_code, public)"
    " VALUES ($1, $2, $3, $4, $5, coalesce($6, ''), coalesce($7, ''), $8,"
    " coalesce(ARRAY(SELECT jsonb_array_elements_text($9::jsonb)), '{}'), $10, $11,"
    " coalesce($12::boolean, false)) RETURNING " STREAM_COLS,
    12};

#define STREAM_BY_ID "SELECT " STREAM_COLS " FROM waste_streams s WHERE s.id = $1"
static const struct stmt st_get = {"waste_stream_get", STREAM_BY_ID, 1};
static const struct stmt st_lock = {"waste_stream_lock", STREAM_BY_ID " FOR UPDATE", 1};

/* Streams the caller may see ($1 its organization, $2 admin), newest first,
 * optionally of one organization ($3) or code ($4); keyset ($5, $6). */
static const struct stmt st_list = {
    "waste_stream_list",
    "SELECT " STREAM_OBJ "::text, s.version, " US(
	"s.created_at") ", s.id FROM waste_streams s"
			" WHERE (s.public OR $2::boolean OR s.org_id = $1::uuid)"
			" AND ($3::uuid IS NULL OR s.org_id = $3) AND ($4::text IS NULL OR "
			"s.waste_code = $4)"
			" AND ($5::text IS NULL OR (s.created_at, s.id) < ($5::timestamptz, "
			"$6::uuid))"
			" ORDER BY s.created_at DESC, s.id DESC LIMIT $7",
    7};

/* Per transfer of the entry body $1 (a JSON array), whether its receiver is a
 * verified organization other than the producer $2, and whether the contract
 * it names (if any) is an active licence of that receiver. */
static const struct stmt st_check_transfers = {
    "waste_check_transfers",
    "SELECT coalesce(o.status = 'verified' AND o.id <> $2::uuid, false),"
    " x.t->>'contract_id' IS NULL OR c.id IS NOT NULL"
    " FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY x(t, ord)"
    " LEFT JOIN organizations o ON o.id = (x.t->>'receiver_org_id')::uuid"
    " LEFT JOIN contracts c ON c.id = (x.t->>'contract_id')::uuid AND c.status = 'active'"
    "   AND c.licensee_org_id = o.id"
    " ORDER BY x.ord",
    2};
enum { CT_RECEIVER_OK, CT_CONTRACT_OK };

static const struct stmt st_entry_insert = {
    "waste_entry_insert",
    "INSERT INTO waste_entries (stream_id, period, generated_kg, stored_kg, self_used_kg,"
    " disposed_kg, created_by) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    7};
enum { E_ID };

static const struct stmt st_transfers_insert = {
    "waste_transfers_insert",
    "INSERT INTO waste_transfers (entry_id, stream_id, producer_org_id, receiver_org_id, line,"
    " kg, contract_id)"
    " SELECT $1, $2, $3, (x.t->>'receiver_org_id')::uuid, x.ord, (x.t->>'kg')::bigint,"
    " (x.t->>'contract_id')::uuid FROM jsonb_array_elements($4::jsonb) WITH ORDINALITY x(t, ord)"
    " RETURNING id, receiver_org_id",
    4};

static const struct stmt st_entry_get = {
    "waste_entry_get", "SELECT " ENTRY_OBJ "::text FROM waste_entries e WHERE e.id = $1", 1};

/* The trace of stream $1: the stream, every entry with its transfers (oldest
 * month first) and the totals. */
static const struct stmt st_trace = {
    "waste_trace",
    "SELECT jsonb_build_object('stream', " STREAM_OBJ ","
    " 'entries', coalesce((SELECT jsonb_agg(" ENTRY_OBJ " ORDER BY e.period)"
    "   FROM waste_entries e WHERE e.stream_id = s.id), '[]'),"
    " 'totals', (SELECT jsonb_build_object('generated_kg', coalesce(sum(e.generated_kg), 0),"
    "   'stored_kg', coalesce(sum(e.stored_kg), 0),"
    "   'self_used_kg', coalesce(sum(e.self_used_kg), 0),"
    "   'disposed_kg', coalesce(sum(e.disposed_kg), 0)) FROM waste_entries e"
    "   WHERE e.stream_id = s.id)"
    " || (SELECT jsonb_build_object('transferred_kg', coalesce(sum(t.kg), 0),"
    "   'confirmed_kg', coalesce(sum(t.received_kg), 0),"
    "   'pending_kg', coalesce(sum(t.kg) FILTER (WHERE t.status = 'pending'), 0),"
    "   'licensed_utilized_kg', coalesce(sum(t.received_kg)"
    "     FILTER (WHERE t.contract_id IS NOT NULL), 0))"
    "   FROM waste_transfers t WHERE t.stream_id = s.id))::text"
    " FROM waste_streams s WHERE s.id = $1",
    1};

/* Transfer {id} with who may see and confirm it, locked. */
static const struct stmt st_transfer_lock = {
    "waste_transfer_lock",
    "SELECT waste_transfer_json(t)::text, 1, t.producer_org_id, t.receiver_org_id, t.status,"
    " t.stream_id, t.kg, t.contract_id FROM waste_transfers t WHERE t.id = $1 FOR UPDATE",
    1};
enum { T_JSON, T_VERSION, T_PRODUCER, T_RECEIVER, T_STATUS, T_STREAM, T_KG, T_CONTRACT };

static const struct stmt st_confirm = {
    "waste_transfer_confirm",
    "UPDATE waste_transfers t SET status = 'confirmed', received_kg = $2, confirmed_at = now(),"
    " confirmed_by = $3 WHERE t.id = $1 RETURNING waste_transfer_json(t)::text",
    3};
enum { CONFIRMED_JSON };

/* The caller's organization's transfers ($1; NULL with $2 true: every one, for
 * admins), sent or received ($3 role or NULL), newest first. */
static const struct stmt st_transfers = {
    "waste_transfers_list",
    "SELECT waste_transfer_json(t)::text, 1, " US(
	"t.created_at") ", t.id FROM waste_transfers t"
			" WHERE ($2::boolean AND $1::uuid IS NULL"
			"   OR ($3::text IS DISTINCT FROM 'received' AND t.producer_org_id = "
			"$1::uuid)"
			"   OR ($3::text IS DISTINCT FROM 'sent' AND t.receiver_org_id = $1::uuid))"
			" AND ($4::text IS NULL OR (t.created_at, t.id) < ($4::timestamptz, "
			"$5::uuid))"
			" ORDER BY t.created_at DESC, t.id DESC LIMIT $6",
    6};

const char *const waste_forms[] = {"solid",  "semi_solid", "sludge", "slurry",
				   "powder", "granular",   "liquid", NULL};

#define KG_MAX MAX_FEN /* 10^15 kg a figure: a bound, not money */

static const struct field stream_spec[] = {
    {.name = "name", .type = F_TEXT1, .required = true, .min = 1, .max = 200},
    {.name = "waste_code", .type = F_TEXT1, .required = true, .min = 1, .max = 20},
    {.name = "industry_code", .type = F_TEXT1, .required = true, .min = 1, .max = 10},
    {.name = "facility", .type = F_TEXT1, .nullable = true, .max = 200},
    {.name = "process_step", .type = F_TEXT1, .nullable = true, .max = 200},
    {.name = "form", .type = F_ENUM, .required = true, .enum_values = waste_forms},
    {.name = "components",
     .type = F_STRINGS,
     .nullable = true,
     .min = 1,
     .max = 100,
     .max_items = 20},
    {.name = "annual_tonnes", .type = F_INT, .nullable = true, .min = 0, .max = 1000000000000LL},
    {.name = "region_code", .type = F_TEXT1, .nullable = true, .min = 1, .max = 6},
    {.name = "public", .type = F_BOOL, .nullable = true},
    {0},
};

static const struct field transfer_spec[] = {
    {.name = "receiver_org_id", .type = F_UUID, .required = true},
    {.name = "kg", .type = F_INT, .required = true, .min = 1, .max = KG_MAX},
    {.name = "contract_id", .type = F_UUID, .nullable = true},
    {0},
};

static const struct field entry_spec[] = {
    {.name = "period", .type = F_TEXT1, .required = true, .min = 1, .max = 7},
    {.name = "generated_kg", .type = F_INT, .required = true, .min = 0, .max = KG_MAX},
    {.name = "stored_kg", .type = F_INT, .min = 0, .max = KG_MAX},
    {.name = "self_used_kg", .type = F_INT, .min = 0, .max = KG_MAX},
    {.name = "disposed_kg", .type = F_INT, .min = 0, .max = KG_MAX},
    {.name = "transfers", .type = F_OBJECTS, .sub = transfer_spec, .max_items = 20},
    {0},
};

static const struct field confirm_spec[] = {
    {.name = "received_kg", .type = F_INT, .required = true, .min = 0, .max = KG_MAX},
    {0},
};

const char *waste_balance_problem(long long generated, long long stored, long long self_used,
				  long long disposed, long long transferred)
{
	if (stored + self_used + disposed + transferred != generated)
		return N_("must equal stored_kg + self_used_kg + disposed_kg + the kg of the "
			  "transfers: every kilogram generated is accounted for");
	return NULL;
}

const char *waste_period_problem(const char *period, const char *current)
{
	if (period == NULL || strlen(period) != 7 || period[4] != '-')
		return N_("must be a month YYYY-MM");
	for (int i = 0; i < 7; i++)
		if (i != 4 && (period[i] < '0' || period[i] > '9'))
			return N_("must be a month YYYY-MM");
	int month = atoi(period + 5);
	if (month < 1 || month > 12)
		return N_("must be a month YYYY-MM");
	if (strcmp(period, "2000-01") < 0)
		return N_("must be 2000-01 or later");
	if (strcmp(period, current) > 0)
		return N_("must not be in the future");
	return NULL;
}

static const char *str_at(const json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

static long long int_at(const json_t *obj, const char *key)
{
	return (long long)json_integer_value(json_object_get(obj, key));
}

static bool member_of(const struct req *r, const char *org_id)
{
	return r->auth.org_id[0] && strcmp(r->auth.org_id, org_id) == 0;
}

static bool may_see_stream(const struct req *r, const PGresult *row)
{
	return strcmp(PQgetvalue(row, 0, S_PUBLIC), "t") == 0 || r->auth.platform_admin ||
	       member_of(r, PQgetvalue(row, 0, S_ORG));
}

/* POST /v1/waste-streams */
static enum rc waste_stream_create(struct req *r)
{
	if (!r->auth.org_id[0] || strcmp(r->auth.org_status, "verified") != 0)
		return problem_set(r, 403, "organization-not-verified",
				   "only members of a verified organization can register waste "
				   "streams");
	if (body_read_valid(r, stream_spec) != RC_OK)
		return RC_ERR;
	const char *code = str_at(r->json, "waste_code"), *region = str_at(r->json, "region_code");
	const char *why = waste_code_problem(code);
	if (why != NULL)
		problem_field(r, "waste_code", "%s", problem_tr(r, why));
	if ((why = industry_code_problem(str_at(r->json, "industry_code"), code)) != NULL)
		problem_field(r, "industry_code", "%s", problem_tr(r, why));
	if (region != NULL && !region_code_valid(region))
		problem_field(r, "region_code",
			      "must be a GB/T 2260 region code: six digits (370303)");
	if (problem_fields_done(r) != RC_OK)
		return RC_ERR;
	const json_t *comps = json_object_get(r->json, "components"),
		     *pub = json_object_get(r->json, "public");
	char *components = json_is_array(comps) ? json_dumps(comps, JSON_COMPACT) : NULL;
	char tonnes[24];
	const json_t *t = json_object_get(r->json, "annual_tonnes");
	snprintf(tonnes, sizeof tonnes, "%lld", (long long)json_integer_value(t));
	const char *insert_params[12] = {r->auth.org_id,
					 r->auth.user_id,
					 str_at(r->json, "name"),
					 code,
					 str_at(r->json, "industry_code"),
					 str_at(r->json, "facility"),
					 str_at(r->json, "process_step"),
					 str_at(r->json, "form"),
					 components,
					 json_is_integer(t) ? tonnes : NULL,
					 region,
					 json_is_true(pub) ? "true" : "false"};
	PGresult *res = db_exec(r, &st_insert, insert_params);
	free(components);
	if (res == NULL)
		return RC_ERR;
	json_t *created = json_loads(PQgetvalue(res, 0, S_JSON), 0, NULL);
	const char *id = str_at(created, "id");
	enum rc rc = audit_write(r, "waste_stream.create", "waste_stream", id, NULL,
				 json_pack("{s:s, s:s, s:b}", "name", str_at(r->json, "name"),
					   "waste_code", code, "public", json_is_true(pub)));
	if (rc == RC_OK) {
		reply_location(r, "/v1/waste-streams/{id}", id);
		rc =
		    reply_stored(r, 201, PQgetvalue(res, 0, S_JSON), PQgetvalue(res, 0, S_VERSION));
	}
	json_decref(created);
	PQclear(res);
	return rc;
}

/* GET /v1/waste-streams/{id} */
static enum rc waste_stream_get(struct req *r)
{
	return db_reply_visible(r, &st_get, "waste stream", may_see_stream);
}

/* GET /v1/waste-streams: the streams the caller may see. */
static enum rc waste_stream_list(struct req *r)
{
	static const char *const known[] = {"org_id", "waste_code", "limit", "cursor", NULL};
	int limit;
	struct cursor c;
	char lim[16];
	req_query_check(r, known);
	const char *org = req_query(r, "org_id"), *code = req_query(r, "waste_code");
	if (org && !uuid_valid(org))
		problem_field(r, "org_id", "must be an organization id");
	const char *why = code ? waste_code_problem(code) : NULL;
	if (why != NULL)
		problem_field(r, "waste_code", "%s", problem_tr(r, why));
	if (page_params(r, "tu", &limit, &c) != RC_OK)
		return RC_ERR;
	snprintf(lim, sizeof lim, "%d", limit + 1);
	const char *list_params[7] = {r->auth.org_id[0] ? r->auth.org_id : NULL,
				      r->auth.platform_admin ? "true" : "false",
				      org,
				      code,
				      c.nparts ? c.parts[0] : NULL,
				      c.nparts ? c.parts[1] : NULL,
				      lim};
	return db_reply_page(r, &st_list, list_params, limit, 2);
}

/* The month now in China, "YYYY-MM". */
static void current_month(char out[8])
{
	time_t t = time(NULL) + 8 * 3600;
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, 8, "%Y-%m", &tm);
}

/* Checks an entry body against the ledger's rules and, in the database, its
 * receivers and licences; every bad field recorded on r. */
static enum rc check_entry(struct req *r, const json_t *b, const char *producer, char **transfers)
{
	char month[8];
	current_month(month);
	const char *why = waste_period_problem(str_at(b, "period"), month);
	if (why != NULL)
		problem_field(r, "period", "%s", problem_tr(r, why));
	const json_t *list = json_object_get(b, "transfers"), *t;
	size_t i;
	long long transferred = 0;
	json_array_foreach(list, i, t) transferred += int_at(t, "kg");
	why =
	    waste_balance_problem(int_at(b, "generated_kg"), int_at(b, "stored_kg"),
				  int_at(b, "self_used_kg"), int_at(b, "disposed_kg"), transferred);
	if (why != NULL)
		problem_field(r, "generated_kg", "%s (they sum to %lld)", problem_tr(r, why),
			      transferred + int_at(b, "stored_kg") + int_at(b, "self_used_kg") +
				  int_at(b, "disposed_kg"));
	*transfers = list ? json_dumps(list, JSON_COMPACT) : xstrdup("[]");
	const char *check_params[2] = {*transfers, producer};
	PGresult *res = db_exec(r, &st_check_transfers, check_params);
	if (res == NULL)
		return RC_ERR;
	for (int k = 0; k < PQntuples(res); k++) {
		char path[64];
		if (strcmp(PQgetvalue(res, k, CT_RECEIVER_OK), "t") != 0) {
			snprintf(path, sizeof path, "transfers[%d].receiver_org_id", k);
			problem_field(r, path,
				      "must be a verified organization other than the "
				      "producer");
		} else if (strcmp(PQgetvalue(res, k, CT_CONTRACT_OK), "t") != 0) {
			snprintf(path, sizeof path, "transfers[%d].contract_id", k);
			problem_field(r, path,
				      "must be an active contract whose licensee is the "
				      "receiver");
		}
	}
	PQclear(res);
	return problem_fields_done(r);
}

/* POST /v1/waste-streams/{id}/entries: one month of the stream's ledger with
 * its transfers; a second entry for the month is a 409. */
static enum rc waste_entry_create(struct req *r)
{
	if (body_read_valid(r, entry_spec) != RC_OK)
		return RC_ERR;
	PGresult *stream = db_load_visible(r, &st_lock, "waste stream", may_see_stream),
		 *entry = NULL, *moved = NULL;
	if (stream == NULL)
		return RC_ERR;
	enum rc rc = RC_ERR;
	char *transfers = NULL;
	const char *producer = PQgetvalue(stream, 0, S_ORG), *id = req_param(r, "id");
	if (!member_of(r, producer)) {
		problem_set(r, 403, "forbidden", "only the stream's organization keeps its ledger");
		goto out;
	}
	if (check_entry(r, r->json, producer, &transfers) != RC_OK)
		goto out;
	char kg[4][24];
	static const char *const names[] = {"generated_kg", "stored_kg", "self_used_kg",
					    "disposed_kg"};
	for (int k = 0; k < 4; k++)
		snprintf(kg[k], sizeof kg[k], "%lld", int_at(r->json, names[k]));
	const char *entry_params[7] = {
	    id, str_at(r->json, "period"), kg[0], kg[1], kg[2], kg[3], r->auth.user_id};
	if ((entry = db_exec(r, &st_entry_insert, entry_params)) == NULL) {
		if (r->problem.status == 409)
			problem_set(r, 409, "entry-exists",
				    "the stream already has an entry for %s; entries are not "
				    "rewritten",
				    str_at(r->json, "period"));
		goto out;
	}
	const char *entry_id = PQgetvalue(entry, 0, E_ID);
	const char *moved_params[4] = {entry_id, id, producer, transfers};
	if ((moved = db_exec(r, &st_transfers_insert, moved_params)) == NULL)
		goto out;
	if (audit_write(r, "waste_entry.create", "waste_stream", id, producer,
			json_pack("{s:s, s:s, s:I, s:i}", "entry_id", entry_id, "period",
				  str_at(r->json, "period"), "generated_kg",
				  (json_int_t)int_at(r->json, "generated_kg"), "transfers",
				  PQntuples(moved))) != RC_OK)
		goto out;
	const char *get_params[1] = {entry_id};
	rc = db_reply_json(r, 201, &st_entry_get, get_params);
out:
	free(transfers);
	PQclear(stream);
	PQclear(entry);
	PQclear(moved);
	return rc;
}

/* GET /v1/waste-streams/{id}/trace */
static enum rc waste_trace(struct req *r)
{
	static const char *const known[] = {NULL};
	req_query_check(r, known);
	if (problem_fields_done(r) != RC_OK)
		return RC_ERR;
	PGresult *stream = db_load_visible(r, &st_get, "waste stream", may_see_stream);
	if (stream == NULL)
		return RC_ERR;
	PQclear(stream);
	const char *trace_params[1] = {req_param(r, "id")};
	return db_reply_json(r, 200, &st_trace, trace_params);
}

static bool may_see_transfer(const struct req *r, const PGresult *row)
{
	return r->auth.platform_admin || member_of(r, PQgetvalue(row, 0, T_PRODUCER)) ||
	       member_of(r, PQgetvalue(row, 0, T_RECEIVER));
}

/* POST /v1/waste-transfers/{id}/confirm {received_kg}: the receiver states
 * what it received, once. */
static enum rc waste_transfer_confirm(struct req *r)
{
	if (body_read_valid(r, confirm_spec) != RC_OK)
		return RC_ERR;
	PGresult *t = db_load_visible(r, &st_transfer_lock, "waste transfer", may_see_transfer),
		 *upd = NULL;
	if (t == NULL)
		return RC_ERR;
	enum rc rc = RC_ERR;
	if (!member_of(r, PQgetvalue(t, 0, T_RECEIVER))) {
		problem_set(r, 403, "forbidden", "only the receiver confirms a transfer");
		goto out;
	}
	if (strcmp(PQgetvalue(t, 0, T_STATUS), "pending") != 0) {
		problem_set(r, 409, "already-confirmed",
			    "the transfer was confirmed already; a confirmation is final");
		goto out;
	}
	char received[24];
	json_int_t got = json_integer_value(json_object_get(r->json, "received_kg"));
	snprintf(received, sizeof received, "%lld", (long long)got);
	const char *id = req_param(r, "id"), *producer = PQgetvalue(t, 0, T_PRODUCER);
	const char *confirm_params[3] = {id, received, r->auth.user_id};
	if ((upd = db_exec(r, &st_confirm, confirm_params)) == NULL)
		goto out;
	json_int_t kg = strtoll(PQgetvalue(t, 0, T_KG), NULL, 10);
	json_t *data = json_pack("{s:s, s:s, s:I, s:I}", "transfer_id", id, "stream_id",
				 PQgetvalue(t, 0, T_STREAM), "kg", kg, "received_kg", got);
	const char *contract = db_value(t, 0, T_CONTRACT);
	json_object_set_new(data, "contract_id", contract ? json_string(contract) : json_null());
	if (audit_write(r, "waste_transfer.confirm", "waste_transfer", id, producer,
			json_deep_copy(data)) != RC_OK ||
	    event_record(r, "waste_transfer.confirmed", producer, NULL, data) != RC_OK)
		goto out;
	rc = reply_stored(r, 200, PQgetvalue(upd, 0, CONFIRMED_JSON), NULL);
out:
	PQclear(t);
	PQclear(upd);
	return rc;
}

/* GET /v1/waste-transfers?role=sent|received: the caller's organization's
 * transfers (admins without one: every transfer). */
static enum rc waste_transfer_list(struct req *r)
{
	static const char *const roles[] = {"sent", "received", NULL};
	const char *role;
	struct page p;
	if (page_filtered(r, "role", roles, N_("must be sent or received"), &role, "tu", &p) !=
	    RC_OK)
		return RC_ERR;
	const char *org = r->auth.org_id[0] ? r->auth.org_id : NULL;
	if (org == NULL && !r->auth.platform_admin) {
		reply_json(r, 200, json_pack("{s:[], s:n}", "data", "next_cursor"));
		return RC_OK;
	}
	const char *list_params[6] = {org,
				      r->auth.platform_admin ? "true" : "false",
				      role,
				      p.cur.nparts ? p.cur.parts[0] : NULL,
				      p.cur.nparts ? p.cur.parts[1] : NULL,
				      p.lim};
	return db_reply_page(r, &st_transfers, list_params, p.limit, 2);
}

const struct route waste_routes[] = {
    {M_POST, "/v1/waste-streams", waste_stream_create, ROUTE_TX | ROUTE_AUTH | ROUTE_IDEMPOTENT,
     "createWasteStream", NULL},
    {M_GET, "/v1/waste-streams", waste_stream_list, ROUTE_OPTIONAL_AUTH, "listWasteStreams", NULL},
    {M_GET, "/v1/waste-streams/{id}", waste_stream_get, ROUTE_OPTIONAL_AUTH, "getWasteStream",
     NULL},
    {M_POST, "/v1/waste-streams/{id}/entries", waste_entry_create,
     ROUTE_TX | ROUTE_AUTH | ROUTE_IDEMPOTENT, "createWasteEntry", NULL},
    {M_GET, "/v1/waste-streams/{id}/trace", waste_trace, ROUTE_OPTIONAL_AUTH, "traceWasteStream",
     NULL},
    {M_POST, "/v1/waste-transfers/{id}/confirm", waste_transfer_confirm, ROUTE_TX | ROUTE_AUTH,
     "confirmWasteTransfer", NULL},
    {M_GET, "/v1/waste-transfers", waste_transfer_list, ROUTE_AUTH, "listWasteTransfers", NULL},
};
const size_t waste_routes_count = ARRAY_LEN(waste_routes);
