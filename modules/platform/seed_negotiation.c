/*
 * seed_negotiation.c - the demo of negotiation both ways, conversations and
 * attachments (data/demo.json "negotiation"): a bid on which the bidder, the
 * owner and the bidder again made an offer (the third on the table, the owner's
 * turn), a conversation between an interested enterprise and a listing's
 * owner, and a public PDF brochure on a listing. The conversation and the
 * brochure go through the modules' own functions, each party acting as
 * itself; the bid is backdated in SQL like the other demo bids (seed.c).
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../server/db.h"
#include "../../server/req.h"
#include "../attachments/attachments.h"
#include "../conversations/conversations.h"
#include "platform.h"
#include "seed.h"

/* A demo organization's owner (by its key in "organizations") as a caller. */
static bool as_owner_of(struct db *db, const json_t *root, const char *key, struct req *r)
{
	static const char who_sql[] =
	    "SELECT u.id, o.id, o.status, o.kind, u.email FROM users u"
	    " JOIN organizations o ON o.id = u.org_id WHERE u.email = $1::text";
	enum { W_USER, W_ORG, W_STATUS, W_KIND, W_EMAIL };
	const char *email = NULL;
	size_t i;
	json_t *o;
	json_array_foreach(json_object_get(root, "organizations"), i, o)
	{
		if (key != NULL && strcmp(json_string_value(json_object_get(o, "key")), key) == 0)
			email = json_string_value(json_object_get(o, "email"));
	}
	const char *params[1] = {email};
	PGresult *res = NULL;
	if (email == NULL || !db_run(db->conn, who_sql, 1, params, &res) || PQntuples(res) != 1) {
		fprintf(stderr, "techex: seed-demo: negotiation: no demo organization %s\n",
			key ? key : "(none)");
		PQclear(res);
		return false;
	}
	memset(r, 0, sizeof *r);
	r->db = db;
	snprintf(r->request_id, sizeof r->request_id, "seed-demo");
	r->auth.authenticated = true;
	struct {
		char *out;
		size_t len;
		int col;
	} fill[] = {{r->auth.user_id, sizeof r->auth.user_id, W_USER},
		    {r->auth.org_id, sizeof r->auth.org_id, W_ORG},
		    {r->auth.org_status, sizeof r->auth.org_status, W_STATUS},
		    {r->auth.org_kind, sizeof r->auth.org_kind, W_KIND},
		    {r->auth.email, sizeof r->auth.email, W_EMAIL}};
	for (size_t k = 0; k < ARRAY_LEN(fill); k++)
		snprintf(fill[k].out, fill[k].len, "%s", PQgetvalue(res, 0, fill[k].col));
	snprintf(r->auth.org_role, sizeof r->auth.org_role, "owner");
	PQclear(res);
	return true;
}

/* The id of the demo listing of org_id titled title into id; false when none. */
static bool listing_of(struct db *db, const char *org_id, const char *title, char id[37])
{
	static const char sql[] = "SELECT id FROM listings WHERE org_id = $1::uuid"
				  " AND title = $2::text AND tags @> '{演示数据}'";
	enum { LISTING_ID };
	const char *params[2] = {org_id, title};
	PGresult *res = NULL;
	bool ok = db_run(db->conn, sql, 2, params, &res) && PQntuples(res) == 1;
	if (ok)
		snprintf(id, 37, "%s", PQgetvalue(res, 0, LISTING_ID));
	else
		fprintf(stderr, "techex: seed-demo: negotiation: no demo listing %s\n", title);
	PQclear(res);
	return ok;
}

/* The actors and the listing of a demo item (its "listing_org", "title", and
 * the organization under other_key, unless NULL), then whether there_sql ($1
 * the listing, $2 the other organization or the item's "filename") finds it
 * loaded already: -1 on failure, 1 there already, 0 to load. */
static int prepare(struct db *db, const json_t *root, const json_t *item, const char *other_key,
		   struct req *owner, struct req *other, char listing[37], const char *there_sql)
{
	if (!as_owner_of(db, root, json_string_value(json_object_get(item, "listing_org")),
			 owner) ||
	    (other_key != NULL &&
	     !as_owner_of(db, root, json_string_value(json_object_get(item, other_key)), other)) ||
	    !listing_of(db, owner->auth.org_id, json_string_value(json_object_get(item, "title")),
			listing))
		return -1;
	const char *params[2] = {
	    listing, other_key != NULL ? other->auth.org_id
				       : json_string_value(json_object_get(item, "filename"))};
	PGresult *res = NULL;
	if (!db_run(db->conn, there_sql, 2, params, &res))
		return -1;
	int n = PQntuples(res);
	PQclear(res);
	return n > 0;
}

/* The bid and its three offers; each offer's terms replace those it names. */
static bool seed_bid(struct db *db, const json_t *root, const json_t *b)
{
	static const char bid_sql[] =
	    "INSERT INTO bids (listing_id, owner_org_id, bidder_org_id, created_by, amount_fen,"
	    " transaction_mode, message, royalty_bp, term_months, territory, field_of_use, status,"
	    " counter_amount_fen, counter_message, counters, created_at, updated_at, version)"
	    " SELECT $1::uuid, $2::uuid, $3::uuid, $4::uuid, $5::bigint, $6::text, $7::text,"
	    " ($8::jsonb ->> 'royalty_bp')::integer, ($8::jsonb ->> 'term_months')::integer,"
	    " $8::jsonb ->> 'territory', $8::jsonb ->> 'field_of_use', 'open', NULL, NULL, 0,"
	    " now() - make_interval(days => $9::int), now() - make_interval(days => $9::int), 1"
	    " RETURNING id";
	enum { BID_ID };
	/* one offer on the table: $2 'bid' or 'counter', its terms merged over the bid's */
	static const char offer_sql[] =
	    "WITH b AS (UPDATE bids SET amount_fen = $3::bigint,"
	    "   royalty_bp = coalesce(($6::jsonb ->> 'royalty_bp')::integer, royalty_bp),"
	    "   term_months = coalesce(($6::jsonb ->> 'term_months')::integer, term_months),"
	    "   territory = coalesce($6::jsonb ->> 'territory', territory),"
	    "   field_of_use = coalesce($6::jsonb ->> 'field_of_use', field_of_use),"
	    "   status = CASE $2::text WHEN 'counter' THEN"
	    "     CASE WHEN status = 'open' THEN 'countered' ELSE 'open' END ELSE status END,"
	    "   counter_amount_fen = CASE $2::text WHEN 'counter' THEN $3::bigint END,"
	    "   counter_message = CASE $2::text WHEN 'counter' THEN $7::text END,"
	    "   counters = counters + CASE $2::text WHEN 'counter' THEN 1 ELSE 0 END,"
	    "   updated_at = now() - make_interval(days => $8::int),"
	    "   version = version + CASE $2::text WHEN 'counter' THEN 1 ELSE 0 END"
	    "   WHERE id = $1::uuid RETURNING *)"
	    " INSERT INTO bid_events (bid_id, kind, actor_org_id, actor_user_id, amount_fen,"
	    " message, terms, at) SELECT b.id, CASE $2::text WHEN 'bid' THEN 'offer' ELSE 'counter'"
	    " END, $4::uuid, $5::uuid, $3::bigint, $7::text, jsonb_build_object('royalty_bp',"
	    " b.royalty_bp, 'term_months', b.term_months, 'territory', b.territory,"
	    " 'field_of_use', b.field_of_use), now() - make_interval(days => $8::int) FROM b";
	struct req owner, bidder;
	char listing[37], bid_id[37], days[12];
	const json_t *offers = json_object_get(b, "offers");
	const json_t *first = json_array_get(offers, 0);
	int days_ago = (int)json_integer_value(json_object_get(b, "days_ago"));
	int there = prepare(db, root, b, "bidder", &owner, &bidder, listing,
			    "SELECT 1 FROM bids WHERE listing_id = $1::uuid"
			    " AND bidder_org_id = $2::uuid");
	if (there != 0)
		return there == 1;
	char amount[24], *terms = json_dumps(json_object_get(first, "terms"), JSON_COMPACT);
	snprintf(amount, sizeof amount, "%lld",
		 (long long)json_integer_value(json_object_get(first, "amount_fen")));
	snprintf(days, sizeof days, "%d", days_ago);
	const char *bid_params[9] = {listing,
				     owner.auth.org_id,
				     bidder.auth.org_id,
				     bidder.auth.user_id,
				     amount,
				     json_string_value(json_object_get(b, "mode")),
				     json_string_value(json_object_get(first, "message")),
				     terms,
				     days};
	PGresult *res = NULL;
	bool ok = db_run(db->conn, bid_sql, 9, bid_params, &res);
	free(terms);
	if (!ok)
		return false;
	snprintf(bid_id, sizeof bid_id, "%s", PQgetvalue(res, 0, BID_ID));
	PQclear(res);
	size_t i;
	const json_t *o;
	json_array_foreach(offers, i, o)
	{
		const struct req *by =
		    strcmp(json_string_value(json_object_get(o, "by")), "owner") == 0 ? &owner
										      : &bidder;
		char *t = json_dumps(json_object_get(o, "terms"), JSON_COMPACT);
		snprintf(amount, sizeof amount, "%lld",
			 (long long)json_integer_value(json_object_get(o, "amount_fen")));
		snprintf(days, sizeof days, "%d", days_ago - 2 * (int)i);
		const char *offer_params[8] = {bid_id,
					       i == 0 ? "bid" : "counter",
					       amount,
					       by->auth.org_id,
					       by->auth.user_id,
					       t,
					       json_string_value(json_object_get(o, "message")),
					       days};
		ok = db_run(db->conn, offer_sql, 8, offer_params, NULL);
		free(t);
		if (!ok)
			return false;
	}
	if (audit_write(&bidder, "bid.seed", "bid", bid_id, NULL,
			json_pack("{s:s, s:I, s:b}", "listing_id", listing, "offers",
				  (json_int_t)json_array_size(offers), "demo", true)) != RC_OK)
		return false;
	printf("demo negotiation: a bid with %zu offers on %s\n", json_array_size(offers),
	       json_string_value(json_object_get(b, "title")));
	return true;
}

/* The conversation, its messages written by each side in turn. */
static bool seed_conversation(struct db *db, const json_t *root, const json_t *c)
{
	struct req owner, org;
	char listing[37], id[37];
	int there = prepare(db, root, c, "org", &owner, &org, listing,
			    "SELECT 1 FROM conversations WHERE listing_id = $1::uuid"
			    " AND org_id = $2::uuid");
	if (there != 0)
		return there == 1;
	size_t i;
	const json_t *m;
	json_array_foreach(json_object_get(c, "messages"), i, m)
	{
		const char *body = json_string_value(json_object_get(m, "body"));
		bool by_owner = strcmp(json_string_value(json_object_get(m, "by")), "owner") == 0;
		struct req *r = by_owner ? &owner : &org;
		bool opened;
		enum rc rc;
		if (i == 0) {
			rc = conversation_open(r, listing, body, id, &opened);
		} else {
			static char name[] = "id";
			r->params[0] = (struct kv){name, id};
			r->nparams = 1;
			rc = conversation_post(r, body, NULL);
		}
		if (rc != RC_OK) {
			fprintf(stderr, "techex: seed-demo: conversation: %s\n", r->problem.detail);
			return false;
		}
	}
	printf("demo conversation on %s\n", json_string_value(json_object_get(c, "title")));
	return true;
}

/* A one-page PDF saying text (ASCII), with a correct cross-reference table. */
static size_t brochure_pdf(const char *text, char *out, size_t len)
{
	char stream[512];
	int sn = snprintf(stream, sizeof stream, "BT /F1 14 Tf 72 720 Td (%s) Tj ET", text);
	const char *objs[5];
	char o4[600];
	objs[0] = "<< /Type /Catalog /Pages 2 0 R >>";
	objs[1] = "<< /Type /Pages /Kids [3 0 R] /Count 1 >>";
	objs[2] = "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R"
		  " /Resources << /Font << /F1 5 0 R >> >> >>";
	snprintf(o4, sizeof o4, "<< /Length %d >>\nstream\n%s\nendstream", sn, stream);
	objs[3] = o4;
	objs[4] = "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>";
	size_t n = (size_t)snprintf(out, len, "%%PDF-1.4\n");
	size_t offsets[5];
	for (int i = 0; i < 5; i++) {
		offsets[i] = n;
		n += (size_t)snprintf(out + n, len - n, "%d 0 obj\n%s\nendobj\n", i + 1, objs[i]);
	}
	size_t xref = n;
	n += (size_t)snprintf(out + n, len - n, "xref\n0 6\n0000000000 65535 f \n");
	for (int i = 0; i < 5; i++)
		n += (size_t)snprintf(out + n, len - n, "%010zu 00000 n \n", offsets[i]);
	n +=
	    (size_t)snprintf(out + n, len - n,
			     "trailer\n<< /Size 6 /Root 1 0 R >>\nstartxref\n%zu\n%%%%EOF\n", xref);
	return n;
}

/* The brochure, uploaded by the listing's owner. */
static bool seed_brochure(struct db *db, const json_t *root, const json_t *b)
{
	struct req owner;
	char listing[37], id[37], pdf[2048];
	const char *filename = json_string_value(json_object_get(b, "filename"));
	int there = prepare(db, root, b, NULL, &owner, NULL, listing,
			    "SELECT 1 FROM attachments WHERE listing_id = $1::uuid"
			    " AND filename = $2::text");
	if (there != 0)
		return there == 1;
	size_t n = brochure_pdf(json_string_value(json_object_get(b, "text")), pdf, sizeof pdf);
	if (attachment_store(&owner, "listing", listing, filename, "application/pdf",
			     json_string_value(json_object_get(b, "visibility")),
			     (const unsigned char *)pdf, n, id) != RC_OK) {
		fprintf(stderr, "techex: seed-demo: brochure: %s\n", owner.problem.detail);
		return false;
	}
	printf("demo brochure %s (%zu bytes) on %s\n", filename, n,
	       json_string_value(json_object_get(b, "title")));
	return true;
}

bool seed_negotiation(struct db *db, const char *json_text)
{
	json_t *root = json_loads(json_text, 0, NULL);
	const json_t *n = json_object_get(root, "negotiation");
	bool ok = n == NULL || (seed_bid(db, root, json_object_get(n, "bid")) &&
				seed_conversation(db, root, json_object_get(n, "conversation")) &&
				seed_brochure(db, root, json_object_get(n, "brochure")));
	json_decref(root);
	return ok;
}
