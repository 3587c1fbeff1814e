/*
 * listing_body.c - the body of a listing (POST /v1/listings, PATCH): the fields,
 * the rules across them, and the statement parameters they become.
 */
#include "listing_body.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../server/db.h"
#include "patent.h"

/* A string member of obj, or NULL. */
static const char *json_text(const json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

const char *const listing_kinds[] = {"patent", "process", NULL};
const char *const listing_domains[] = {"red_mud_building_materials",
				       "red_mud_iron_recovery",
				       "red_mud_modification",
				       "red_mud_harmless_treatment",
				       "red_mud_ecological_restoration",
				       "titanium_gypsum",
				       "foundry_waste",
				       "construction_waste",
				       "industrial_slag",
				       "ceramic_waste",
				       "recycled_resources",
				       "other",
				       NULL};
const char *const listing_modes[] = {"assignment", "exclusive_license", "sole_license",
				     "non_exclusive_license", NULL};
const char *const listing_pricing_modes[] = {"fixed", "negotiable", "auction", NULL};
static const char *const patent_types[] = {"invention", "utility_model", "design", NULL};
static const char *const legal_statuses[] = {"pending", "granted",     "lapsed",
					     "expired", "invalidated", NULL};
static const char *const scales[] = {"lab", "pilot", "industrial", NULL};

static const struct field pricing_spec[] = {
    {.name = "mode", .type = F_ENUM, .required = true, .enum_values = listing_pricing_modes},
    {.name = "asking_price_fen", .type = F_INT, .nullable = true, .min = 0, .max = MAX_FEN},
    {.name = "reserve_price_fen", .type = F_INT, .nullable = true, .min = 0, .max = MAX_FEN},
    {.name = "min_increment_fen", .type = F_INT, .nullable = true, .min = 1, .max = MAX_FEN},
    {.name = "auction_ends_at", .type = F_DATETIME, .nullable = true},
    {0},
};

static const struct field patent_spec[] = {
    {.name = "number", .type = F_TEXT1, .required = true, .min = 1, .max = 40},
    {.name = "type", .type = F_ENUM, .required = true, .enum_values = patent_types},
    {.name = "legal_status", .type = F_ENUM, .enum_values = legal_statuses},
    {.name = "filing_date", .type = F_DATE, .nullable = true},
    {.name = "grant_date", .type = F_DATE, .nullable = true},
    {.name = "expiry_date", .type = F_DATE, .nullable = true},
    {.name = "ipc", .type = F_STRINGS, .max_items = 50, .min = 1, .max = 32},
    {.name = "inventors", .type = F_STRINGS, .max_items = 50, .min = 1, .max = 100},
    {0},
};

static const struct field process_spec[] = {
    {.name = "scale", .type = F_ENUM, .required = true, .enum_values = scales},
    {.name = "inputs", .type = F_STRINGS, .max_items = 20, .min = 1, .max = 200},
    {.name = "outputs", .type = F_STRINGS, .max_items = 20, .min = 1, .max = 200},
    {0},
};

const struct field listing_create_spec[] = {
    {.name = "kind", .type = F_ENUM, .required = true, .enum_values = listing_kinds},
    {.name = "title", .type = F_TEXT1, .required = true, .min = 1, .max = 200},
    {.name = "summary", .type = F_STRING, .max = 1000},
    {.name = "description", .type = F_STRING, .max = 20000},
    {.name = "domain", .type = F_ENUM, .required = true, .enum_values = listing_domains},
    {.name = "tags", .type = F_STRINGS, .max_items = 20, .min = 1, .max = 50},
    {.name = "trl", .type = F_INT, .required = true, .min = 1, .max = 9},
    {.name = "transaction_modes",
     .type = F_STRINGS,
     .required = true,
     .max_items = 4,
     .min = 1,
     .max = 32},
    {.name = "pricing", .type = F_OBJECT, .required = true, .sub = pricing_spec},
    {.name = "patent", .type = F_OBJECT, .sub = patent_spec},
    {.name = "process", .type = F_OBJECT, .sub = process_spec},
    {0},
};

/* The rules across fields, after each field passed on its own. */
static void check_listing(struct req *r, json_t *body, struct patent_number *pn)
{
	const char *kind = json_text(body, "kind");
	json_t *modes_json = json_object_get(body, "transaction_modes");
	json_t *pricing = json_object_get(body, "pricing");
	json_t *patent = json_object_get(body, "patent"),
	       *process = json_object_get(body, "process");
	size_t i, j;
	json_t *m;

	if (json_array_size(modes_json) == 0)
		problem_field(r, "transaction_modes", "must name at least one transaction mode");
	json_array_foreach(modes_json, i, m)
	{
		char path[48];
		snprintf(path, sizeof path, "transaction_modes[%zu]", i);
		if (!str_in(listing_modes, json_string_value(m)))
			problem_field(r, path,
				      "must be one of: assignment, exclusive_license, "
				      "sole_license, non_exclusive_license");
		for (j = 0; j < i; j++)
			if (json_equal(m, json_array_get(modes_json, j)))
				problem_field(r, path, "is listed twice");
	}

	const char *mode = json_text(pricing, "mode");
	json_t *asking = json_object_get(pricing, "asking_price_fen");
	if (mode != NULL && strcmp(mode, "fixed") == 0 && !json_is_integer(asking))
		problem_field(r, "pricing.asking_price_fen", "is required for a fixed price");
	if (mode != NULL && strcmp(mode, "auction") == 0) {
		if (!json_is_integer(json_object_get(pricing, "reserve_price_fen")))
			problem_field(r, "pricing.reserve_price_fen", "is required for an auction");
		if (!json_is_integer(json_object_get(pricing, "min_increment_fen")))
			problem_field(r, "pricing.min_increment_fen", "is required for an auction");
		const char *ends = json_text(pricing, "auction_ends_at");
		if (ends == NULL)
			problem_field(r, "pricing.auction_ends_at", "is required for an auction");
	} else {
		static const char *const auction_only[] = {"reserve_price_fen", "min_increment_fen",
							   "auction_ends_at"};
		for (i = 0; i < ARRAY_LEN(auction_only); i++) {
			json_t *v = json_object_get(pricing, auction_only[i]);
			if (v != NULL && !json_is_null(v)) {
				char path[48];
				snprintf(path, sizeof path, "pricing.%s", auction_only[i]);
				problem_field(r, path, "applies to auctions only");
			}
		}
	}

	if (kind != NULL && strcmp(kind, "patent") == 0) {
		if (patent == NULL)
			problem_field(r, "patent", "is required for a patent listing");
		if (process != NULL)
			problem_field(r, "process", "is for process listings only");
	}
	if (kind != NULL && strcmp(kind, "process") == 0) {
		if (process == NULL)
			problem_field(r, "process", "is required for a process listing");
		if (patent != NULL)
			problem_field(r, "patent", "is for patent listings only");
	}
	if (patent != NULL && json_text(patent, "number") != NULL) {
		patent_number_parse(json_text(patent, "number"), pn);
		if (pn->kind == PN_INVALID) {
			problem_field(r, "patent.number", "%s", problem_tr(r, pn->error));
		} else {
			enum patent_type t = patent_type_from_name(json_text(patent, "type"));
			if (t != PT_UNKNOWN && t != pn->type)
				problem_field(
				    r, "patent.type", "does not match the patent number (%s)",
				    problem_tr(r, pn->type == PT_INVENTION ? N_("an invention")
						  : pn->type == PT_UTILITY_MODEL
						      ? N_("a utility model")
						      : N_("a design")));
		}
		/* dates in order: filing <= grant <= expiry (ISO dates compare as text) */
		const char *filing = json_text(patent, "filing_date"),
			   *grant = json_text(patent, "grant_date"),
			   *expiry = json_text(patent, "expiry_date");
		if (filing && grant && strcmp(filing, grant) > 0)
			problem_field(r, "patent.grant_date", "must not be before the filing date");
		if (grant && expiry && strcmp(grant, expiry) > 0)
			problem_field(r, "patent.expiry_date", "must not be before the grant date");
		if (filing && expiry && strcmp(filing, expiry) > 0)
			problem_field(r, "patent.expiry_date",
				      "must not be before the filing date");
	}
}

static char *dump_or_null(json_t *v)
{
	return v == NULL || json_is_null(v) ? NULL : json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
}

static const char *fen(json_t *pricing, const char *key, char *buf, size_t len)
{
	json_t *v = json_object_get(pricing, key);
	if (!json_is_integer(v))
		return NULL;
	snprintf(buf, len, "%lld", (long long)json_integer_value(v));
	return buf;
}

/* Each field, then the rules across fields (which need each field sound first);
 * the parsed patent number into pn. */
static enum rc validate_listing(struct req *r, json_t *b, struct patent_number *pn)
{
	if (validate_object(r, b, listing_create_spec, "") == RC_OK)
		check_listing(r, b, pn);
	return problem_fields_done(r);
}

enum rc listing_validate(struct req *r, json_t *body)
{
	struct patent_number pn = {0};
	return validate_listing(r, body, &pn);
}

enum rc listing_params(struct req *r, json_t *b, struct listing_params *out)
{
	struct patent_number pn = {0};
	memset(out, 0, sizeof *out);

	if (validate_listing(r, b, &pn) != RC_OK)
		return RC_ERR;

	json_t *pricing = json_object_get(b, "pricing");
	const char *ends = json_text(pricing, "auction_ends_at");
	if (ends != NULL) {
		/* the end of an auction must lie ahead; the database decides "now" */
		static const struct stmt st_future = {"listings_future",
						      "SELECT $1::timestamptz > now()", 1};
		enum { IN_FUTURE };
		const char *future_params[1] = {ends};
		PGresult *res = db_exec(r, &st_future, future_params);
		if (res == NULL)
			return RC_ERR;
		bool future = strcmp(PQgetvalue(res, 0, IN_FUTURE), "t") == 0;
		PQclear(res);
		if (!future) {
			problem_field(r, "pricing.auction_ends_at", "must be in the future");
			return problem_fields_done(r);
		}
	}

	json_t *patent = json_object_get(b, "patent");
	if (patent != NULL && !json_is_null(patent)) {
		json_object_set_new(patent, "number", json_string(pn.normalized));
		out->patent = json_dumps(patent, JSON_COMPACT);
	}
	out->process = dump_or_null(json_object_get(b, "process"));
	out->tags = dump_or_null(json_object_get(b, "tags"));
	out->modes = dump_or_null(json_object_get(b, "transaction_modes"));
	snprintf(out->trl, sizeof out->trl, "%lld",
		 (long long)json_integer_value(json_object_get(b, "trl")));
	const char *v[16] = {
	    json_text(b, "title"),
	    json_text(b, "summary"),
	    json_text(b, "description"),
	    json_text(b, "domain"),
	    out->tags,
	    out->trl,
	    out->modes,
	    json_text(pricing, "mode"),
	    fen(pricing, "asking_price_fen", out->asking, sizeof out->asking),
	    fen(pricing, "reserve_price_fen", out->reserve, sizeof out->reserve),
	    fen(pricing, "min_increment_fen", out->increment, sizeof out->increment),
	    ends,
	    out->patent,
	    out->process,
	    out->patent ? json_string_value(json_object_get(patent, "number")) : NULL,
	    NULL,
	};
	memcpy(out->v, v, sizeof v);
	return RC_OK;
}

void listing_params_free(struct listing_params *out)
{
	free(out->tags);
	free(out->modes);
	free(out->patent);
	free(out->process);
}
