/*
 * seed.c - `techex seed-demo`: the demo data of data/demo.json (embedded at
 * build time), checked, then loaded in one transaction. Organizations and
 * published listings are inserted as they are; the deals on them are bids,
 * backdated by their days_ago, whose accepted ones are then drafted, signed,
 * reported on, paid and confirmed by the modules' own functions, each party
 * acting as itself (a struct req per demo actor), so that the same rules, the
 * same ledger chain and the same audit rows result as through the API.
 */
#include "seed.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../server/common.h"
#include "../../server/db.h"
#include "../../server/json.h"
#include "../../server/req.h"
#include "../accounts/accounts.h"
#include "../contracts/contracts.h"
#include "../desk/desk.h"
#include "../listings/listings.h"
#include "../listings/patent.h"
#include "../revenue/revenue.h"
#include "platform.h"
#include "seed_teams.h"
#include "seed_waste.h"

/* ---- the data file --------------------------------------------------------- */

struct demo_org {
	const char *key, *name, *kind, *parent, *status, *email, *person;
	json_t *profile;          /* borrowed; NULL without one */
	char id[37], user_id[37]; /* once loaded */
};

/*
 * A deal on a demo listing, as far along as its stage: an offer (open), an
 * offer the owner countered, or one the owner accepted with its contract, a
 * draft or signed by both parties (active). The owner replied 2 days after the
 * offer. An active contract's term starts on deal_terms.active_term_start, so
 * that it has revenue to show: the licensee's reports for the quarters of
 * deal_terms, its upfront payment (confirmed by the licensor, so split into the
 * ledger) and its first quarter's royalty (awaiting the licensor).
 * Optional "desk" items put the deal on the admins' desk: a hold on its
 * contract (placed by no user), the licensor's dispute of that royalty
 * payment, a dispute the licensee opened about the contract.
 */
enum deal_stage { DEAL_OPEN, DEAL_COUNTERED, DEAL_DRAFT, DEAL_ACTIVE };
static const char *const stage_names[] = {"open", "countered", "draft", "active", NULL};

struct demo_deal {
	const char *listing_org, *title, *bidder, *mode, *field_of_use, *message, *stage_name,
	    *reply;
	json_int_t amount, royalty_bp, term_months, counter; /* -1: none */
	int days_ago;
	enum deal_stage stage;
	json_int_t gross[2], tonnes[2]; /* DEAL_ACTIVE */
	const char *upfront_ref, *royalty_ref;
	json_t *upfront_deductions; /* borrowed; the costs its confirmation deducts */
	const char *registration;   /* "submitted": the licensor has filed it */
	const char *hold, *payment_dispute, *dispute_subject, *dispute_message; /* desk */
	/* a draft's public notice, opened when the offer was accepted, with one
	 * objection filed a day ago (notice_days -1: none) */
	json_int_t notice_days;
	const char *procedure, *objector, *grounds;
};

struct demo {
	json_t *root;
	struct demo_org *orgs;
	size_t norgs;
	json_t *listings; /* borrowed from root */
	struct demo_deal *deals;
	size_t ndeals;
	const char *territory, *term_start, *quarters[2][2], *upfront_paid_at, *royalty_paid_at;
};

void seed_demo_free(struct demo *d)
{
	if (d == NULL)
		return;
	json_decref(d->root);
	free(d->orgs);
	free(d->deals);
	free(d);
}

static int org_index(const struct demo *d, const char *key)
{
	for (size_t i = 0; key != NULL && i < d->norgs; i++)
		if (d->orgs[i].key != NULL && strcmp(d->orgs[i].key, key) == 0)
			return (int)i;
	return -1;
}

static bool verified(const struct demo *d, int i)
{
	return i >= 0 && strcmp(d->orgs[i].status, "verified") == 0;
}

/* What is wrong with organization i, or NULL. */
static const char *org_mistake(const struct demo *d, size_t i, const json_error_t *err)
{
	const struct demo_org *o = &d->orgs[i];
	if (err->text[0] != '\0')
		return err->text;
	if (org_index(d, o->key) != (int)i)
		return "a key names one organization";
	if (o->parent != NULL && (org_index(d, o->parent) < 0 || org_index(d, o->parent) >= (int)i))
		return "parent must be the key of an organization listed before";
	if (strcmp(o->status, "verified") != 0 && strcmp(o->status, "unverified") != 0)
		return "status must be verified or unverified";
	if (o->profile == NULL)
		return strcmp(o->status, "verified") == 0
			   ? "a verified organization needs a profile with its credit code"
			   : NULL;
	const char *mistake = accounts_profile_mistake(o->profile);
	if (mistake != NULL)
		return mistake;
	const json_t *code = json_object_get(o->profile, "credit_code");
	for (size_t j = 0; j < i; j++)
		if (d->orgs[j].profile != NULL &&
		    json_equal(json_object_get(d->orgs[j].profile, "credit_code"), code))
			return "profile.credit_code is another organization's";
	return NULL;
}

/* The checks of the patent number that the API leaves to the owner: the
 * normalized number, ZL exactly when granted (then with a grant date not before
 * filing), filed in the year of its application number. */
static const char *patent_mistake(const json_t *patent)
{
	const char *number = json_string_value(json_object_get(patent, "number")),
		   *status = json_string_value(json_object_get(patent, "legal_status")),
		   *filed = json_string_value(json_object_get(patent, "filing_date")),
		   *granted = json_string_value(json_object_get(patent, "grant_date"));
	struct patent_number pn;
	patent_number_parse(number, &pn);
	if (pn.kind == PN_INVALID || strcmp(pn.normalized, number) != 0)
		return "patent.number must be a CN application or ZL number, written normalized "
		       "(ZL2018107342154)";
	bool zl = strncmp(number, "ZL", 2) == 0;
	if (status == NULL || filed == NULL || (strcmp(status, "granted") == 0) != zl ||
	    zl != (granted != NULL) || (granted != NULL && strcmp(granted, filed) < 0))
		return "a granted patent, and only that, has a ZL number and a grant_date (not "
		       "before filing); every patent has legal_status and filing_date";
	if (strncmp(number + (zl ? 2 : 0), filed, 4) != 0)
		return "patent.filing_date must fall in the year of the application number";
	return NULL;
}

/* What is wrong with listing l (a whole POST /v1/listings body, plus org and
 * pricing.auction_days), or NULL; the first field error of the API's validator
 * goes to why. */
static const char *listing_mistake(const struct demo *d, const json_t *l, char *why, size_t len)
{
	if (!json_is_object(l))
		return "must be an object";
	if (!verified(d, org_index(d, json_string_value(json_object_get(l, "org")))))
		return "org must be the key of a verified demo organization";
	json_t *body = json_deep_copy(l), *pricing = json_object_get(body, "pricing");
	json_object_del(body, "org");
	json_t *days = json_object_get(pricing, "auction_days");
	const char *mode = json_string_value(json_object_get(pricing, "mode"));
	bool auction = mode != NULL && strcmp(mode, "auction") == 0;
	const char *mistake = NULL;
	if (auction != json_is_integer(days) || (days != NULL && json_integer_value(days) < 1))
		mistake = "an auction, and only that, has pricing.auction_days (1 or more)";
	if (json_is_object(pricing)) {
		json_object_del(pricing, "auction_days");
		if (auction) /* any moment to come: the loader sets it */
			json_object_set_new(pricing, "auction_ends_at",
					    json_string("2099-01-01T00:00:00Z"));
	}
	struct req r = {0};
	if (mistake == NULL && listing_validate(&r, body) != RC_OK) {
		const json_t *e = json_array_get(r.problem.errors, 0);
		snprintf(why, len, "%s %s", json_string_value(json_object_get(e, "field")),
			 json_string_value(json_object_get(e, "message")));
		mistake = why;
	}
	problem_clear(&r.problem);
	const json_t *patent = json_object_get(body, "patent");
	if (mistake == NULL && patent != NULL)
		mistake = patent_mistake(patent);
	json_decref(body);
	return mistake;
}

/* What is wrong with deal i, or NULL. */
static const char *deal_mistake(const struct demo *d, size_t i, const json_error_t *err)
{
	const struct demo_deal *e = &d->deals[i];
	if (err->text[0] != '\0')
		return err->text;
	int owner = org_index(d, e->listing_org), bidder = org_index(d, e->bidder);
	if (!verified(d, owner))
		return "listing_org must be the key of a verified demo organization";
	if (bidder == owner || !verified(d, bidder) ||
	    strcmp(d->orgs[bidder].kind, "enterprise") != 0)
		return "bidder must be another verified demo enterprise";
	if (!str_in(stage_names, e->stage_name))
		return "stage must be open, countered, draft or active";
	if ((e->stage == DEAL_COUNTERED) != (e->counter >= 0))
		return "a countered deal, and only that, has counter_fen";
	if ((e->stage == DEAL_OPEN) != (e->reply == NULL))
		return "a deal past open, and only that, has the owner's reply";
	if (e->stage >= DEAL_DRAFT && e->term_months < 1)
		return "an accepted deal needs term_months for its contract";
	if (e->days_ago < (e->stage == DEAL_ACTIVE ? 5 : e->stage == DEAL_OPEN ? 0 : 2))
		return "the offer is too recent for the stage (days_ago)";
	bool active = e->stage == DEAL_ACTIVE;
	if (active != (e->gross[0] >= 0))
		return "an active deal, and only that, has revenue";
	if ((active && e->amount > 0) != (e->upfront_ref != NULL))
		return "an active deal with an upfront fee, and only that, has "
		       "revenue.upfront_reference";
	bool royalty =
	    active && royalty_due(e->gross[0], e->royalty_bp > 0 ? (int)e->royalty_bp : 0) > 0;
	if (royalty != (e->royalty_ref != NULL))
		return "an active deal with royalty due for its first quarter, and only that, has "
		       "revenue.royalty_reference";
	if (e->upfront_deductions != NULL) {
		long long total = 0;
		size_t k;
		const json_t *x;
		if (!json_is_array(e->upfront_deductions) ||
		    json_array_size(e->upfront_deductions) > REVENUE_MAX_DEDUCTIONS ||
		    e->upfront_ref == NULL)
			return "revenue.upfront_deductions must be an array of at most 20, for an "
			       "upfront payment";
		json_array_foreach(e->upfront_deductions, k, x)
		{
			json_int_t fen = json_integer_value(json_object_get(x, "amount_fen"));
			const char *why = json_string_value(json_object_get(x, "reason"));
			if (json_object_size(x) != 2 || why == NULL || *why == '\0' || fen < 1)
				return "each of revenue.upfront_deductions is {reason, amount_fen "
				       "> 0}";
			total += fen;
		}
		if (total >= e->amount)
			return "revenue.upfront_deductions must total less than the upfront fee";
	}
	if (e->registration != NULL && strcmp(e->registration, "submitted") != 0)
		return "revenue.registration can only be submitted";
	if ((e->hold || e->dispute_subject) && e->stage < DEAL_DRAFT)
		return "only a deal with a contract has a desk hold or dispute";
	if (e->payment_dispute && !royalty)
		return "desk.payment_dispute disputes the royalty payment: an active deal with "
		       "revenue.royalty_reference";
	int objector = org_index(d, e->objector);
	if (e->notice_days >= 0 &&
	    (e->stage != DEAL_DRAFT || e->notice_days < 15 || e->notice_days > 90 ||
	     e->days_ago - 2 >= e->notice_days || !verified(d, objector) || objector == owner ||
	     objector == bidder))
		return "only a draft has a notice: 15 to 90 days, still running, and an objector "
		       "that is another verified demo organization";
	for (size_t j = 0; j < i; j++)
		if (strcmp(d->deals[j].listing_org, e->listing_org) == 0 &&
		    strcmp(d->deals[j].title, e->title) == 0)
			return "a listing takes one demo deal";
	return NULL;
}

static bool parse_orgs(struct demo *d, const json_t *orgs, char *why, size_t len)
{
	d->norgs = json_array_size(orgs);
	d->orgs = xcalloc(d->norgs ? d->norgs : 1, sizeof *d->orgs);
	for (size_t i = 0; i < d->norgs; i++) {
		struct demo_org *o = &d->orgs[i];
		json_error_t err = {0};
		json_unpack_ex(json_array_get(orgs, i), &err, JSON_STRICT,
			       "{s:s, s:s, s:s, s?s, s:s, s:s, s:s, s?o}", "key", &o->key, "name",
			       &o->name, "kind", &o->kind, "parent", &o->parent, "status",
			       &o->status, "email", &o->email, "person", &o->person, "profile",
			       &o->profile);
		const char *mistake = o->key ? org_mistake(d, i, &err) : err.text;
		if (mistake != NULL) {
			snprintf(why, len, "organizations[%zu] (%s): %s", i, o->key ? o->key : "?",
				 mistake);
			return false;
		}
	}
	return true;
}

static bool parse_deals(struct demo *d, const json_t *deals, char *why, size_t len)
{
	d->ndeals = json_array_size(deals);
	d->deals = xcalloc(d->ndeals ? d->ndeals : 1, sizeof *d->deals);
	for (size_t i = 0; i < d->ndeals; i++) {
		struct demo_deal *e = &d->deals[i];
		e->royalty_bp = e->term_months = e->counter = -1;
		e->gross[0] = e->gross[1] = e->tonnes[0] = e->tonnes[1] = -1;
		e->notice_days = -1;
		json_t *revenue = NULL, *desk = NULL, *notice = NULL;
		json_error_t err = {0};
		json_unpack_ex(json_array_get(deals, i), &err, JSON_STRICT,
			       "{s:s, s:s, s:s, s:s, s:I, s?I, s?I, s?s, s:s, s:s, s?I, s?s, s:i, "
			       "s?o, s?o, s?o}",
			       "listing_org", &e->listing_org, "title", &e->title, "bidder",
			       &e->bidder, "mode", &e->mode, "amount_fen", &e->amount, "royalty_bp",
			       &e->royalty_bp, "term_months", &e->term_months, "field_of_use",
			       &e->field_of_use, "message", &e->message, "stage", &e->stage_name,
			       "counter_fen", &e->counter, "reply", &e->reply, "days_ago",
			       &e->days_ago, "revenue", &revenue, "desk", &desk, "notice", &notice);
		if (err.text[0] == '\0' && revenue != NULL)
			json_unpack_ex(
			    revenue, &err, JSON_STRICT, "{s:[II], s:[II], s?s, s?s, s?o, s?s}",
			    "gross_sales_fen", &e->gross[0], &e->gross[1], "waste_utilized_tonnes",
			    &e->tonnes[0], &e->tonnes[1], "upfront_reference", &e->upfront_ref,
			    "royalty_reference", &e->royalty_ref, "upfront_deductions",
			    &e->upfront_deductions, "registration", &e->registration);
		if (err.text[0] == '\0' && desk != NULL)
			json_unpack_ex(desk, &err, JSON_STRICT, "{s?s, s?s, s?{s:s, s:s}}", "hold",
				       &e->hold, "payment_dispute", &e->payment_dispute, "dispute",
				       "subject", &e->dispute_subject, "message",
				       &e->dispute_message);
		if (err.text[0] == '\0' && notice != NULL)
			json_unpack_ex(notice, &err, JSON_STRICT, "{s:I, s:s, s:s, s:s}", "days",
				       &e->notice_days, "objection_procedure", &e->procedure,
				       "objector", &e->objector, "grounds", &e->grounds);
		for (int s = 0; e->stage_name != NULL && stage_names[s] != NULL; s++)
			if (strcmp(stage_names[s], e->stage_name) == 0)
				e->stage = (enum deal_stage)s;
		const char *mistake = deal_mistake(d, i, &err);
		if (mistake != NULL) {
			snprintf(why, len, "deals[%zu] (%s): %s", i, e->title ? e->title : "?",
				 mistake);
			return false;
		}
	}
	return true;
}

struct demo *seed_demo_parse(const char *text, char *why, size_t len)
{
	struct demo *d = xcalloc(1, sizeof *d);
	json_error_t err;
	/* teams: seed_teams.c, waste: seed_waste.c, negotiation: seed_negotiation.c */
	json_t *orgs = NULL, *deals = NULL, *teams = NULL, *waste = NULL, *negotiation = NULL;
	if ((d->root = json_loads(text, JSON_REJECT_DUPLICATES, &err)) == NULL) {
		snprintf(why, len, "line %d, column %d: %s", err.line, err.column, err.text);
		goto fail;
	}
	if (json_unpack_ex(d->root, &err, JSON_STRICT,
			   "{s:{s:s, s:s, s:[[ss][ss]], s:s, s:s}, s:o, s:o, s:o, s?o, s?o, s?o}",
			   "deal_terms", "territory", &d->territory, "active_term_start",
			   &d->term_start, "active_report_quarters", &d->quarters[0][0],
			   &d->quarters[0][1], &d->quarters[1][0], &d->quarters[1][1],
			   "upfront_paid_at", &d->upfront_paid_at, "royalty_paid_at",
			   &d->royalty_paid_at, "organizations", &orgs, "listings", &d->listings,
			   "deals", &deals, "teams", &teams, "waste", &waste, "negotiation",
			   &negotiation) != 0 ||
	    !json_is_array(orgs) || !json_is_array(d->listings) || !json_is_array(deals)) {
		snprintf(why, len, "%s",
			 err.text[0] ? err.text
				     : "organizations, listings and deals must be arrays");
		goto fail;
	}
	if (!parse_orgs(d, orgs, why, len))
		goto fail;
	for (size_t i = 0; i < json_array_size(d->listings); i++) {
		const json_t *l = json_array_get(d->listings, i);
		char fields[256];
		const char *mistake = listing_mistake(d, l, fields, sizeof fields);
		for (size_t j = 0; mistake == NULL && j < i; j++)
			if (json_equal(json_object_get(json_array_get(d->listings, j), "org"),
				       json_object_get(l, "org")) &&
			    json_equal(json_object_get(json_array_get(d->listings, j), "title"),
				       json_object_get(l, "title")))
				mistake = "an organization has one demo listing of a title";
		if (mistake != NULL) {
			const char *title = json_string_value(json_object_get(l, "title"));
			snprintf(why, len, "listings[%zu] (%s): %s", i, title ? title : "?",
				 mistake);
			goto fail;
		}
	}
	if (parse_deals(d, deals, why, len))
		return d;
fail:
	seed_demo_free(d);
	return NULL;
}

/* ---- loading --------------------------------------------------------------- */

/* A demo organization's owner acting through the modules, as the API would run
 * a request of theirs (the same code paths, the same audit rows). */
static void actor_init(struct req *r, struct db *db, const struct demo_org *o)
{
	memset(r, 0, sizeof *r);
	r->db = db;
	snprintf(r->request_id, sizeof r->request_id, "seed-demo");
	r->auth.authenticated = true;
	snprintf(r->auth.user_id, sizeof r->auth.user_id, "%s", o->user_id);
	snprintf(r->auth.org_id, sizeof r->auth.org_id, "%s", o->id);
	snprintf(r->auth.org_role, sizeof r->auth.org_role, "owner");
	snprintf(r->auth.org_status, sizeof r->auth.org_status, "%s", o->status);
	snprintf(r->auth.org_kind, sizeof r->auth.org_kind, "%s", o->kind);
	snprintf(r->auth.email, sizeof r->auth.email, "%s", o->email);
}

/* Reports a module's refusal of a demo actor's step; -1. */
static int refused(const struct req *r, const char *what, const char *title)
{
	fprintf(stderr, "techex: seed-demo: deal on %s: %s: %s\n", title, what,
		r->problem.detail[0] ? r->problem.detail : "failed");
	return -1;
}

/* One listing and its audit row, unless the organization already has a demo
 * listing with that title. Returns 1 inserted, 0 skipped, -1 on error. */
static int insert_demo_listing(PGconn *conn, const json_t *l, const char *org_id)
{
	static const char sql[] =
	    "WITH ins AS ("
	    " INSERT INTO listings (org_id, kind, title, summary, description, domain, tags, trl,"
	    "  transaction_modes, pricing_mode, asking_price_fen, reserve_price_fen,"
	    "  min_increment_fen, auction_ends_at, patent, process, patent_number, status,"
	    "  submitted_at, published_at)"
	    " SELECT $1::uuid, $2::text, $3::text, $4::text, $5::text, $6::text,"
	    "  ARRAY(SELECT jsonb_array_elements_text($7::jsonb)) || '{演示数据}'::text[],"
	    "  $8::smallint, ARRAY(SELECT jsonb_array_elements_text($9::jsonb)),"
	    "  x.p->>'mode', (x.p->>'asking_price_fen')::bigint,"
	    "  (x.p->>'reserve_price_fen')::bigint, (x.p->>'min_increment_fen')::bigint,"
	    "  now() + make_interval(days => (x.p->>'auction_days')::int),"
	    "  x.pt || jsonb_strip_nulls(jsonb_build_object('expiry_date',"
	    "   CASE WHEN x.pt ? 'grant_date' THEN to_char(((x.pt->>'filing_date')::date"
	    "    + make_interval(years => CASE x.pt->>'type' WHEN 'invention' THEN 20"
	    "    WHEN 'utility_model' THEN 10 ELSE 15 END))::date - 1, 'YYYY-MM-DD') END)),"
	    "  $12::jsonb, x.pt->>'number', 'published', now(), now()"
	    " FROM (SELECT $10::jsonb AS p, $11::jsonb AS pt) x"
	    " WHERE NOT EXISTS (SELECT 1 FROM listings WHERE org_id = $1::uuid AND title = $3::text"
	    "  AND tags @> '{演示数据}')"
	    " RETURNING id, org_id, title)"
	    " INSERT INTO audit_log (org_id, action, object_type, object_id, detail)"
	    " SELECT org_id, 'listing.seed', 'listing', id::text,"
	    "  jsonb_build_object('title', title, 'demo', true) FROM ins"
	    " RETURNING object_id";
	static const char *const text_keys[] = {"kind", "title", "summary", "description",
						"domain"};
	static const char *const json_keys[] = {"tags",    "trl",    "transaction_modes",
						"pricing", "patent", "process"};
	/* $1 the organization, then the text keys, then the JSON ones */
	const char *listing_params[1 + ARRAY_LEN(text_keys) + ARRAY_LEN(json_keys)] = {org_id};
	const char **text_params = listing_params + 1,
		   **json_params = text_params + ARRAY_LEN(text_keys);
	char *dumped[ARRAY_LEN(json_keys)] = {NULL};
	for (size_t i = 0; i < ARRAY_LEN(text_keys); i++)
		text_params[i] = json_string_value(json_object_get(l, text_keys[i]));
	for (size_t i = 0; i < ARRAY_LEN(json_keys); i++) {
		json_t *v = json_object_get(l, json_keys[i]);
		json_params[i] = dumped[i] =
		    v ? json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
	}
	PGresult *res;
	int inserted = -1;
	if (db_run(conn, sql, (int)ARRAY_LEN(listing_params), listing_params, &res)) {
		inserted = PQntuples(res);
		PQclear(res);
	} else {
		fprintf(stderr, "techex: seed-demo: listing %s failed\n",
			json_string_value(json_object_get(l, "title")));
	}
	for (size_t i = 0; i < ARRAY_LEN(dumped); i++)
		free(dumped[i]);
	return inserted;
}

/* The owner accounts_seed_org made for demo organization o, into o->user_id. */
static bool demo_user_of(PGconn *conn, struct demo_org *o)
{
	const char *user_params[2] = {o->email, o->id};
	enum { USER_ID };
	PGresult *res;
	if (!db_run(conn, "SELECT id FROM users WHERE email = $1::text AND org_id = $2::uuid", 2,
		    user_params, &res))
		return false;
	bool found = PQntuples(res) == 1;
	if (found)
		snprintf(o->user_id, sizeof o->user_id, "%s", PQgetvalue(res, 0, USER_ID));
	else
		fprintf(stderr, "techex: seed-demo: %s has no user %s\n", o->name, o->email);
	PQclear(res);
	return found;
}

/* What add_revenue added to one contract, for the summary. */
struct demo_revenue {
	int reports, payments, entries;
};

/*
 * Revenue on the active demo contract id, entered by its parties as through
 * the API: the licensee reports its sales for the quarters of deal_terms and
 * records its upfront payment and the royalty due for the first quarter; the
 * licensor confirms the upfront payment, which books its split into the ledger.
 * Nothing is added to a contract that has a report or a payment already, or
 * that is not active over those quarters. Returns 1 added, 0 skipped, -1 on
 * error.
 */
static int add_revenue(const struct demo *demo, const struct demo_deal *d, const char *id,
		       struct req *licensor, struct req *licensee, struct demo_revenue *added)
{
	/* columns: upfront, royalty_bp, plan entries, whether the quarters are in an
	 * active term, whether it has revenue already */
	static const char facts_sql[] =
	    "SELECT c.upfront_fee_fen, c.royalty_bp, jsonb_array_length(c.revenue_share),"
	    " c.status = 'active' AND c.term_start <= $2::date"
	    "  AND (c.term_end IS NULL OR c.term_end >= $3::date),"
	    " EXISTS (SELECT 1 FROM royalty_reports r WHERE r.contract_id = c.id)"
	    "  OR EXISTS (SELECT 1 FROM payments p WHERE p.contract_id = c.id)"
	    " FROM contracts c WHERE c.id = $1::uuid FOR UPDATE";
	enum { F_UPFRONT, F_ROYALTY, F_ENTRIES, F_IN_TERM, F_HAS_REVENUE };
	const char *facts_params[3] = {id, demo->quarters[0][0], demo->quarters[1][1]};
	PGresult *c;
	if (!db_run(licensor->db->conn, facts_sql, 3, facts_params, &c))
		return -1;
	bool skip = PQntuples(c) != 1 || strcmp(PQgetvalue(c, 0, F_IN_TERM), "t") != 0 ||
		    strcmp(PQgetvalue(c, 0, F_HAS_REVENUE), "t") == 0;
	long long upfront = skip ? 0 : strtoll(PQgetvalue(c, 0, F_UPFRONT), NULL, 10);
	int bp = skip ? 0 : atoi(PQgetvalue(c, 0, F_ROYALTY));
	int entries = skip ? 0 : atoi(PQgetvalue(c, 0, F_ENTRIES));
	PQclear(c);
	if (skip)
		return 0;

	for (int q = 0; q < 2; q++) {
		if (revenue_report_add(licensee, id, demo->quarters[q][0], demo->quarters[q][1],
				       d->gross[q], d->tonnes[q]) != RC_OK)
			return refused(licensee, "royalty report", d->title);
		added->reports++;
	}
	char payment_id[37];
	if (upfront > 0) {
		if (revenue_payment_record(licensee, id, "upfront", upfront, demo->upfront_paid_at,
					   d->upfront_ref, payment_id) != RC_OK)
			return refused(licensee, "upfront payment", d->title);
		if (revenue_payment_confirm(licensor, payment_id, d->upfront_deductions) != RC_OK)
			return refused(licensor, "confirmation", d->title);
		added->payments++;
		added->entries += entries + (int)json_array_size(d->upfront_deductions);
	}
	long long first_due = royalty_due(d->gross[0], bp);
	if (first_due > 0) {
		if (revenue_payment_record(licensee, id, "royalty", first_due,
					   demo->royalty_paid_at, d->royalty_ref,
					   payment_id) != RC_OK)
			return refused(licensee, "royalty payment", d->title);
		added->payments++;
		if (d->payment_dispute != NULL &&
		    revenue_payment_dispute(licensor, payment_id, d->payment_dispute) != RC_OK)
			return refused(licensor, "payment dispute", d->title);
	}
	if (d->registration != NULL && contract_registration_submit(licensor, id) != RC_OK)
		return refused(licensor, "registration", d->title);
	return 1;
}

/* The public notice (协议定价公示) of contract id, drafted as accepting drafts it,
 * when it needs one: an active deal's closed clean before it was signed (a day
 * ago, after the 15 days the law asks); a draft's as d->notice says, open since
 * the offer was accepted, with the objector's objection filed a day ago. */
static bool add_notice(const struct demo *demo, const struct demo_deal *d, const char *id,
		       struct req *licensor)
{
	static const char backdate_sql[] =
	    "UPDATE notices SET opens_at = now() - make_interval(days => $2::int),"
	    " closes_at = now() - make_interval(days => $2::int) + make_interval(days => $3::int),"
	    " created_at = now() - make_interval(days => $2::int) WHERE id = $1::uuid";
	static const char filed_sql[] =
	    "UPDATE notice_objections SET filed_at = now() - interval '1 day' WHERE id = $1::uuid";
	bool active = d->stage == DEAL_ACTIVE;
	char notice[37], objection[37], ago[16], days[16];
	snprintf(days, sizeof days, "%lld", (long long)(active ? 15 : d->notice_days));
	snprintf(ago, sizeof ago, "%d", active ? 16 : d->days_ago - 2);
	const char *procedure = active ? "（演示）公示期内对成交价格有异议的，可向本单位技术转移"
					 "机构实名书面提出，本单位在公示期满后十个工作日内作出处理"
					 "决定并公布。"
				       : d->procedure;
	if (notice_publish(licensor, id, active ? 15 : (int)d->notice_days, procedure, notice) !=
	    RC_OK) {
		refused(licensor, "notice", d->title);
		return false;
	}
	const char *backdate_params[3] = {notice, ago, days};
	if (!db_run(licensor->db->conn, backdate_sql, 3, backdate_params, NULL))
		return false;
	if (active)
		return true;
	struct req objector;
	actor_init(&objector, licensor->db, &demo->orgs[org_index(demo, d->objector)]);
	bool ok = notice_object(&objector, notice, d->grounds, objection) == RC_OK;
	if (!ok)
		refused(&objector, "objection", d->title);
	const char *filed_params[1] = {objection};
	ok = ok && db_run(licensor->db->conn, filed_sql, 1, filed_params, NULL);
	req_free(&objector);
	return ok;
}

/* The accepted bid bid_id's contract, drafted by the licensor as accepting
 * drafts it (its term starting the day the offer was accepted, or for an
 * active deal on deal_terms.active_term_start, so that its reports fall in
 * it), with its public notice when it needs one (add_notice), then for an
 * active deal signed by both parties. A deal with a notice makes its licensor
 * government-established first (the profile data may say so already). Its id
 * into id. */
static bool add_contract(const struct demo *demo, const struct demo_deal *d, const char *bid_id,
			 const char *listing_id, struct req *licensor, struct req *licensee,
			 char id[37])
{
	static const char accepted_sql[] =
	    "SELECT to_char(((now() - make_interval(days => $1::int))"
	    " AT TIME ZONE 'Asia/Shanghai')::date, 'YYYY-MM-DD')";
	char days[16], start[16], amount[24];
	snprintf(days, sizeof days, "%d", d->days_ago - 2);
	snprintf(amount, sizeof amount, "%lld", (long long)d->amount);
	enum { ACCEPTED_ON };
	const char *accepted_params[1] = {days};
	PGresult *res;
	if (!db_run(licensor->db->conn, accepted_sql, 1, accepted_params, &res))
		return false;
	snprintf(start, sizeof start, "%s",
		 d->stage == DEAL_ACTIVE ? demo->term_start : PQgetvalue(res, 0, ACCEPTED_ON));
	PQclear(res);
	static const char government_sql[] =
	    "UPDATE organizations SET government_established = true WHERE id = $1::uuid";
	const char *government_params[1] = {licensor->auth.org_id};
	if (d->notice_days >= 0 &&
	    !db_run(licensor->db->conn, government_sql, 1, government_params, NULL))
		return false;
	json_t *contract = NULL;
	if (contract_draft_from(licensor, bid_id, amount, start, &contract) != RC_OK) {
		refused(licensor, "contract", d->title);
		return false;
	}
	snprintf(id, 37, "%s", json_string_value(json_object_get(contract, "id")));
	if (!seed_teams_plan(json_object_get(demo->root, "teams"), licensor, contract)) {
		json_decref(contract);
		return false;
	}
	bool needs_notice = json_is_true(json_object_get(contract, "needs_notice"));
	char digest[65];
	snprintf(digest, sizeof digest, "%s",
		 json_string_value(json_object_get(contract, "digest")));
	json_decref(contract);
	if (deal_is_exclusive(d->mode) &&
	    listing_move(licensor, listing_id, "published", "under_contract",
			 "listing.under_contract", "an exclusive deal was accepted") != RC_OK) {
		refused(licensor, "listing", d->title);
		return false;
	}
	if (needs_notice && !add_notice(demo, d, id, licensor))
		return false;
	if (d->stage == DEAL_ACTIVE && (contract_sign(licensor, id, digest) != RC_OK ||
					contract_sign(licensee, id, digest) != RC_OK)) {
		refused(licensor->problem.status ? licensor : licensee, "signature", d->title);
		return false;
	}
	return true;
}

/* The bid of deal d on listing_id with its history (the offer, and the owner's
 * counter or acceptance), backdated by days_ago, and its audit row. */
static bool add_bid(const struct demo *demo, const struct demo_deal *d, const char *listing_id,
		    struct req *owner, struct req *bidder, char bid_id[37])
{
	static const char bid_sql[] =
	    "INSERT INTO bids (listing_id, owner_org_id, bidder_org_id, created_by, amount_fen,"
	    " transaction_mode, message, royalty_bp, term_months, territory, field_of_use, status,"
	    " counter_amount_fen, counter_message, counters, decided_at, created_at, updated_at,"
	    " version)"
	    " SELECT $1::uuid, $2::uuid, $3::uuid, $4::uuid, $5::bigint, $6::text, $7::text,"
	    "  $8::integer, $9::integer, $10::text, $11::text, $12::text, $13::bigint, $14::text,"
	    "  CASE WHEN $12::text = 'countered' THEN 1 ELSE 0 END,"
	    "  CASE WHEN $12::text = 'accepted' THEN t.reply END, t.offer,"
	    "  coalesce(t.reply, t.offer), CASE WHEN t.reply IS NULL THEN 1 ELSE 2 END"
	    " FROM (SELECT now() - make_interval(days => $15::int) AS offer,"
	    "  now() - make_interval(days => $16::int) AS reply) t"
	    " RETURNING id";
	static const char event_sql[] =
	    "INSERT INTO bid_events (bid_id, kind, actor_org_id, actor_user_id, amount_fen,"
	    " message, at) VALUES ($1::uuid, $2::text, $3::uuid, $4::uuid, $5::bigint, $6::text,"
	    " now() - make_interval(days => $7::int))";
	bool accepted = d->stage >= DEAL_DRAFT;
	const char *status = accepted ? "accepted" : d->stage_name;
	char amount[24], royalty[24], term[24], counter[24], offered[12], replied[12];
	snprintf(amount, sizeof amount, "%lld", (long long)d->amount);
	snprintf(royalty, sizeof royalty, "%lld", (long long)d->royalty_bp);
	snprintf(term, sizeof term, "%lld", (long long)d->term_months);
	snprintf(counter, sizeof counter, "%lld", (long long)d->counter);
	snprintf(offered, sizeof offered, "%d", d->days_ago);
	snprintf(replied, sizeof replied, "%d", d->days_ago - 2);
	enum { BID_ID };
	const char *bid_params[16] = {listing_id,
				      owner->auth.org_id,
				      bidder->auth.org_id,
				      bidder->auth.user_id,
				      amount,
				      d->mode,
				      d->message,
				      d->royalty_bp >= 0 ? royalty : NULL,
				      d->term_months >= 0 ? term : NULL,
				      demo->territory,
				      d->field_of_use,
				      status,
				      d->counter >= 0 ? counter : NULL,
				      d->stage == DEAL_COUNTERED ? d->reply : NULL,
				      offered,
				      d->stage == DEAL_OPEN ? NULL : replied};
	PGresult *res;
	if (!db_run(owner->db->conn, bid_sql, 16, bid_params, &res))
		return false;
	snprintf(bid_id, 37, "%s", PQgetvalue(res, 0, BID_ID));
	PQclear(res);
	const char *offer[7] = {
	    bid_id,     "offer", bidder->auth.org_id, bidder->auth.user_id, amount,
	    d->message, offered};
	const char *reply[7] = {bid_id,
				accepted ? "accept" : "counter",
				owner->auth.org_id,
				owner->auth.user_id,
				accepted ? amount : counter,
				d->reply,
				replied};
	if (!db_run(owner->db->conn, event_sql, 7, offer, NULL) ||
	    (d->stage != DEAL_OPEN && !db_run(owner->db->conn, event_sql, 7, reply, NULL)))
		return false;
	if (audit_write(bidder, "bid.seed", "bid", bid_id, NULL,
			json_pack("{s:s, s:s, s:s, s:s, s:b}", "listing_id", listing_id,
				  "amount_fen", amount, "transaction_mode", d->mode, "status",
				  status, "demo", true)) != RC_OK) {
		refused(bidder, "audit", d->title);
		return false;
	}
	return true;
}

/* The deal's items on the admins' desk (its "desk" in demo.json): the
 * licensee's dispute about contract id, and a hold on it, placed as a platform
 * admin with no user would place it. */
static bool add_desk(const struct demo_deal *d, const char *id, struct req *licensee, struct db *db)
{
	char dispute_id[37];
	if (d->dispute_subject != NULL &&
	    dispute_open(licensee, id, d->dispute_subject, d->dispute_message, dispute_id) != RC_OK)
		return refused(licensee, "dispute", d->title) == 0;
	if (d->hold == NULL)
		goto done;
	struct req admin;
	memset(&admin, 0, sizeof admin);
	admin.db = db;
	snprintf(admin.request_id, sizeof admin.request_id, "seed-demo");
	admin.auth.authenticated = true;
	admin.auth.platform_admin = true;
	bool ok = contract_hold(&admin, id, d->hold) == RC_OK;
	if (!ok)
		refused(&admin, "hold", d->title);
	req_free(&admin);
	if (!ok)
		return false;
done:
	if (d->hold || d->dispute_subject || d->payment_dispute)
		printf("  on the admins' desk:%s%s%s\n", d->hold ? " contract on hold" : "",
		       d->dispute_subject ? " dispute open" : "",
		       d->payment_dispute ? " royalty payment disputed" : "");
	return true;
}

/* One demo deal, unless its listing has a bid already or is no longer
 * published. Returns 1 inserted, 0 skipped, -1 on error. */
static int add_deal(struct demo *demo, const struct demo_deal *d, struct db *db)
{
	/* columns: id, status, pricing_mode, bids on it, whether it offers the mode */
	static const char listing_sql[] =
	    "SELECT l.id, l.status, l.pricing_mode,"
	    " (SELECT count(*) FROM bids b WHERE b.listing_id = l.id),"
	    " $3::text = ANY (l.transaction_modes)"
	    " FROM listings l"
	    " WHERE l.org_id = $1::uuid AND l.title = $2::text AND l.tags @> '{演示数据}'"
	    " FOR UPDATE OF l";
	enum { L_ID, L_STATUS, L_PRICING, L_BIDS, L_OFFERS_MODE };
	struct demo_org *owner_org = &demo->orgs[org_index(demo, d->listing_org)],
			*bidder_org = &demo->orgs[org_index(demo, d->bidder)];
	struct req owner, bidder;
	actor_init(&owner, db, owner_org);
	actor_init(&bidder, db, bidder_org);
	PGresult *l = NULL;
	int rc = -1;

	const char *listing_params[3] = {owner_org->id, d->title, d->mode};
	if (!db_run(db->conn, listing_sql, 3, listing_params, &l))
		goto out;
	if (PQntuples(l) != 1) {
		fprintf(stderr, "techex: seed-demo: deal on %s: no such demo listing\n", d->title);
		goto out;
	}
	if (strcmp(PQgetvalue(l, 0, L_PRICING), "negotiable") != 0 ||
	    strcmp(PQgetvalue(l, 0, L_OFFERS_MODE), "t") != 0) {
		fprintf(stderr,
			"techex: seed-demo: deal on %s: the listing must be negotiable and offer "
			"%s\n",
			d->title, d->mode);
		goto out;
	}
	/* run before, or the listing has moved on through the API: leave it be */
	if (strcmp(PQgetvalue(l, 0, L_STATUS), "published") != 0 ||
	    strcmp(PQgetvalue(l, 0, L_BIDS), "0") != 0) {
		rc = 0;
		goto out;
	}
	const char *listing_id = PQgetvalue(l, 0, L_ID);
	char bid_id[37], contract_id[37];
	struct demo_revenue added = {0};
	int revenue = 0;
	if (!add_bid(demo, d, listing_id, &owner, &bidder, bid_id) ||
	    (d->stage >= DEAL_DRAFT &&
	     !add_contract(demo, d, bid_id, listing_id, &owner, &bidder, contract_id)) ||
	    (d->stage == DEAL_ACTIVE &&
	     (revenue = add_revenue(demo, d, contract_id, &owner, &bidder, &added)) < 0) ||
	    !add_desk(d, contract_id, &bidder, db))
		goto out;
	static const char *const stage_lines[] = {"open bid", "countered bid", "draft contract",
						  "active contract"};
	printf("deal %-34s %s -> %s: %s\n", d->title, bidder_org->name, owner_org->name,
	       stage_lines[d->stage]);
	if (revenue > 0)
		printf("  revenue: %d royalty report%s, %d payment%s, %d ledger entr%s\n",
		       added.reports, added.reports == 1 ? "" : "s", added.payments,
		       added.payments == 1 ? "" : "s", added.entries,
		       added.entries == 1 ? "y" : "ies");
	rc = 1;
out:
	if (rc < 0)
		fprintf(stderr, "techex: seed-demo: deal on %s failed\n", d->title);
	PQclear(l);
	req_free(&owner);
	req_free(&bidder);
	return rc;
}

/* Organizations, listings and deals, in the transaction the caller opened. */
static bool load_all(struct demo *demo, struct db *db, const char *password)
{
	for (size_t i = 0; i < demo->norgs; i++) {
		struct demo_org *o = &demo->orgs[i];
		int parent = org_index(demo, o->parent);
		if (accounts_seed_org(db->conn, o->name, o->kind,
				      parent >= 0 ? demo->orgs[parent].id : NULL, o->status,
				      o->email, o->person, password, o->id) != RC_OK ||
		    (o->profile != NULL &&
		     accounts_seed_profile(db->conn, o->id, o->profile) != RC_OK) ||
		    !demo_user_of(db->conn, o)) {
			fprintf(stderr, "techex: seeding %s failed\n", o->name);
			return false;
		}
		printf("organization %-28s %s  owner %s\n", o->name, o->status, o->email);
	}
	if (!seed_teams_members(db->conn, json_object_get(demo->root, "teams"), password))
		return false;
	int inserted = 0, patents = 0;
	size_t nlistings = json_array_size(demo->listings);
	for (size_t i = 0; i < nlistings; i++) {
		const json_t *l = json_array_get(demo->listings, i);
		const char *org = json_string_value(json_object_get(l, "org"));
		int rc = insert_demo_listing(db->conn, l, demo->orgs[org_index(demo, org)].id);
		if (rc < 0)
			return false;
		inserted += rc;
		patents += rc && json_object_get(l, "patent") != NULL;
	}
	if (!seed_negotiation(db, seed_demo_json))
		return false;
	int deals = 0;
	for (size_t i = 0; i < demo->ndeals; i++) {
		int rc = add_deal(demo, &demo->deals[i], db);
		if (rc < 0)
			return false;
		deals += rc;
	}
	if (!seed_teams_invitations(db, json_object_get(demo->root, "teams")) ||
	    seed_demo_waste(db, demo->root) < 0)
		return false;
	printf(
	    "demo listings: %d inserted (%d patents), %zu already present; all tagged 演示数据\n",
	    inserted, patents, nlistings - (size_t)inserted);
	printf("demo deals (bids, and contracts for the accepted ones): %d inserted, %zu already "
	       "present or moved on\n",
	       deals, demo->ndeals - (size_t)deals);
	return true;
}

int seed_demo(PGconn *conn)
{
	const char *password = getenv("TECHEX_DEMO_PASSWORD");
	if (password == NULL || *password == '\0')
		password = "techex-demo-2026";
	if (strlen(password) < 12) {
		fprintf(stderr, "techex: TECHEX_DEMO_PASSWORD: must be at least 12 characters\n");
		return 2;
	}
	char why[512];
	struct demo *demo = seed_demo_parse(seed_demo_json, why, sizeof why);
	if (demo == NULL) {
		fprintf(stderr, "techex: seed-demo: data/demo.json: %s\n", why);
		return 1;
	}
	struct db db = {.conn = conn};
	/* one transaction; the lock makes a concurrent second run wait, then skip */
	bool ok = db_run(conn, "BEGIN", 0, NULL, NULL) &&
		  db_run(conn, "SELECT pg_advisory_xact_lock(hashtext('techex seed-demo'))", 0,
			 NULL, NULL) &&
		  load_all(demo, &db, password) && db_run(conn, "COMMIT", 0, NULL, NULL);
	if (!ok)
		PQclear(PQexec(conn, "ROLLBACK"));
	free(db.prepared);
	seed_demo_free(demo);
	if (ok)
		printf("demo password for every owner: %s\n",
		       getenv("TECHEX_DEMO_PASSWORD") ? "(from TECHEX_DEMO_PASSWORD)" : password);
	return ok ? 0 : 1;
}
