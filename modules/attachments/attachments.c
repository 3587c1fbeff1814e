/*
 * attachments.c - files on listings, organizations and contracts
 * (attachments.h).
 *
 * The upload routes are the only ones that take a body over 1 MiB: their route
 * flag ROUTE_LARGE_BODY lets the connection filter accept up to 10 MiB for
 * them, decided from the request line before a byte of the body is read. The
 * body is the file itself, not JSON; its Content-Type must be one of the three
 * types and its first bytes must agree with it. A worker holds at most one
 * body (10 MiB) and the workers are bounded (TECHEX_WORKERS), so memory is
 * bounded too. The bytes go to PostgreSQL as a binary parameter and come back
 * as a binary result: never hex-encoded, never interpreted.
 *
 * Who sees an attachment is who sees its parent, decided in SQL by one
 * expression (VISIBLE): a listing's attachment, anyone who sees the listing
 * when it is public, and only members of verified organizations (and the
 * listing's own, and admins) when it is verified_orgs; an organization's, its
 * members and platform admins; a contract's, the two parties and platform
 * admins. Anyone else gets 404, as for an unknown id.
 */
#include "attachments.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../server/cursor.h"
#include "../../server/db.h"
#include "../../server/filter.h"
#include "../../server/json.h"
#include "../listings/listings.h"
#include "../platform/platform.h"

#define US(col) "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"

const char *const attachment_types[] = {"application/pdf", "image/png", "image/jpeg", NULL};

static const struct {
	const char *type;
	const char *magic;
	size_t len;
} magics[] = {
    {"application/pdf", "%PDF-", 5},
    {"image/png", "\x89PNG\r\n\x1a\n", 8},
    {"image/jpeg", "\xff\xd8\xff", 3},
};

// clang-format off
/* The API shape of an attachment (jsonb), on attachments a. */
#define ATTACHMENT_OBJ                                                                     \
	"jsonb_build_object('id', a.id, 'filename', a.filename,"                             \
	" 'content_type', a.content_type, 'size', a.size, 'sha256', a.sha256,"               \
	" 'visibility', a.visibility, 'parent_type', a.parent_type, 'parent_id', a.parent_id,"\
	" 'uploader_org_id', a.uploader_org_id, 'created_at', " SQL_RFC3339("a.created_at") ")"

/* Whether the caller sees attachment a: $2 its organization (NULL when none),
 * $3 whether that organization is verified, $4 whether it is a platform admin. */
#define VISIBLE                                                                            \
	"coalesce($4::boolean OR CASE a.parent_type"                                         \
	"  WHEN 'listing' THEN (SELECT l.org_id = $2::uuid OR (" LISTING_VISIBLE_TO_PUBLIC    \
	"    AND (a.visibility = 'public' OR $3::boolean)) FROM listings l"                  \
	"    WHERE l.id = a.listing_id)"                                                     \
	"  WHEN 'org' THEN a.org_id = $2::uuid"                                              \
	"  ELSE (SELECT $2::uuid IN (c.licensor_org_id, c.licensee_org_id) FROM contracts c"  \
	"    WHERE c.id = a.contract_id) END, false)"
// clang-format on

/* Parent $1 of each kind, as the caller ($2, its organization) relates to it:
 * whether it is the caller's (a listing of its organization, its organization,
 * a contract it is party to) and whether the parent is public. */
static const struct stmt st_parent_listing = {
    "attachments_parent_listing",
    "SELECT coalesce(l.org_id = $2::uuid, false), " LISTING_VISIBLE_TO_PUBLIC
    " FROM listings l WHERE l.id = $1",
    2};
static const struct stmt st_parent_org = {
    "attachments_parent_org",
    "SELECT coalesce(o.id = $2::uuid, false), false FROM organizations o WHERE o.id = $1", 2};
static const struct stmt st_parent_contract = {
    "attachments_parent_contract",
    "SELECT coalesce($2::uuid IN (c.licensor_org_id, c.licensee_org_id), false), false"
    " FROM contracts c WHERE c.id = $1",
    2};
enum { P_MINE, P_PUBLIC };

/* What a kind of parent is: its name in the API and in the table, the
 * visibilities its attachments take (the first is the default), its statement. */
struct parent_kind {
	const char *type;
	const char *noun;
	const char *const *visibilities;
	const struct stmt *st;
};

static const char *const listing_vis[] = {"verified_orgs", "public", NULL};
static const char *const org_vis[] = {"org", NULL};
static const char *const contract_vis[] = {"parties", NULL};

static const struct parent_kind kinds[] = {
    {"listing", "listing", listing_vis, &st_parent_listing},
    {"org", "organization", org_vis, &st_parent_org},
    {"contract", "contract", contract_vis, &st_parent_contract},
};

/* The organization locked for its quota, then what it stores. */
static const struct stmt st_quota_lock = {
    "attachments_quota_lock",
    "SELECT attachment_quota_bytes FROM organizations WHERE id = $1 FOR NO KEY UPDATE", 1};
enum { Q_QUOTA };
static const struct stmt st_quota_used = {
    "attachments_quota_used",
    "SELECT coalesce(sum(size), 0) FROM attachments WHERE uploader_org_id = $1", 1};
enum { Q_USED };

static const struct stmt st_insert = {
    "attachments_insert",
    "INSERT INTO attachments AS a (parent_type, parent_id, listing_id, org_id, contract_id,"
    " uploader_org_id, uploaded_by, filename, content_type, visibility, size, sha256, data)"
    " VALUES ($1, $2, CASE $1 WHEN 'listing' THEN $2::uuid END,"
    " CASE $1 WHEN 'org' THEN $2::uuid END, CASE $1 WHEN 'contract' THEN $2::uuid END,"
    " $3, $4, $5, $6, $7, $8, $9, $10)"
    " RETURNING " ATTACHMENT_OBJ "::text, a.id",
    10};
enum { I_JSON, I_ID };

/* A file to download, when the caller may see it (its bytes only then). */
static const struct stmt st_download = {
    "attachments_download",
    "SELECT v.visible::text, a.filename, a.content_type, a.sha256,"
    " CASE WHEN v.visible THEN a.data END"
    " FROM attachments a, LATERAL (SELECT " VISIBLE " AS visible) v WHERE a.id = $1",
    4};
enum { D_VISIBLE, D_FILENAME, D_TYPE, D_SHA256, D_DATA };

/* An attachment to delete, locked, as the caller sees it. */
static const struct stmt st_for_delete = {
    "attachments_for_delete",
    "SELECT " VISIBLE ", a.uploader_org_id, EXISTS (SELECT 1 FROM contract_signatures s"
    "   WHERE s.contract_id = a.contract_id), a.parent_type, a.parent_id, a.sha256"
    " FROM attachments a WHERE a.id = $1 FOR UPDATE",
    4};
enum { X_VISIBLE, X_UPLOADER, X_SIGNED, X_PARENT_TYPE, X_PARENT, X_SHA256 };

static const struct stmt st_delete = {"attachments_delete", "DELETE FROM attachments WHERE id = $1",
				      1};

/* A parent's attachments the caller sees, oldest first; $5 the parent. */
static const struct stmt st_list = {
    "attachments_list",
    "SELECT " ATTACHMENT_OBJ
    "::text, 1, " US("a.created_at") ", a.id FROM attachments a"
				     " WHERE a.parent_id = $5 AND " VISIBLE
				     " AND ($6::timestamptz IS NULL OR (a.created_at, a.id) > "
				     "($6::timestamptz, $7::uuid))"
				     " ORDER BY a.created_at, a.id LIMIT $1",
    7};

static const struct field query_spec[] = {
    {.name = "filename", .type = F_TEXT1, .required = true, .min = 1, .max = 255},
    {.name = "visibility", .type = F_TEXT1, .max = 32},
    {0},
};

const char *attachment_sniff(const unsigned char *data, size_t len)
{
	for (size_t i = 0; i < ARRAY_LEN(magics); i++)
		if (len >= magics[i].len && memcmp(data, magics[i].magic, magics[i].len) == 0)
			return magics[i].type;
	return NULL;
}

bool attachment_filename_valid(const char *name)
{
	size_t chars = 0;
	if (name == NULL || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return false;
	size_t bad;
	if (json_check_utf8(name, strlen(name), &bad) != RC_OK)
		return false;
	for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
		if (*p == '/' || *p == '\\' || *p < 0x20 || *p == 0x7f)
			return false;
		if ((*p & 0xc0) != 0x80)
			chars++;
	}
	return chars >= 1 && chars <= 255;
}

void attachment_disposition(const char *name, char *out, size_t len)
{
	static const char attr[] = "!#$&+-.^_`|~";
	char ascii[256], enc[256 * 4 * 3 + 1];
	size_t a = 0, e = 0;
	for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
		bool plain = (*p >= '0' && *p <= '9') ||
			     ((*p | 0x20) >= 'a' && (*p | 0x20) <= 'z') || strchr(attr, *p) != NULL;
		if (a < sizeof ascii - 1 && (*p & 0xc0) != 0x80)
			ascii[a++] = *p < 0x80 && *p != '"' && *p != '\\' ? (char)*p : '_';
		if (e + 4 > sizeof enc)
			break;
		if (plain)
			enc[e++] = (char)*p;
		else
			e += (size_t)snprintf(enc + e, 4, "%%%02X", *p);
	}
	ascii[a] = '\0';
	enc[e] = '\0';
	snprintf(out, len, "attachment; filename=\"%s\"; filename*=UTF-8''%s", ascii, enc);
}

static const struct parent_kind *kind_of(const char *type)
{
	for (size_t i = 0; i < ARRAY_LEN(kinds); i++)
		if (strcmp(kinds[i].type, type) == 0)
			return &kinds[i];
	return NULL;
}

/* Loads the parent: 404 when the caller may not see it; *mine whether it is
 * the caller's (a listing of its organization, its organization, a contract
 * it is party to). */
static enum rc load_parent(struct req *r, const struct parent_kind *k, const char *id, bool *mine)
{
	if (!uuid_valid(id))
		return problem_set(r, 404, "not-found", "no %s has this id", k->noun);
	const char *parent_params[2] = {id, r->auth.org_id[0] ? r->auth.org_id : NULL};
	PGresult *res = db_exec(r, k->st, parent_params);
	if (res == NULL)
		return RC_ERR;
	bool found = PQntuples(res) == 1;
	*mine = found && strcmp(PQgetvalue(res, 0, P_MINE), "t") == 0;
	bool visible = found && (*mine || r->auth.platform_admin ||
				 strcmp(PQgetvalue(res, 0, P_PUBLIC), "t") == 0);
	PQclear(res);
	return visible ? RC_OK : problem_set(r, 404, "not-found", "no %s has this id", k->noun);
}

/* Refuses an upload past the organization's quota (409), under its row lock. */
static enum rc check_quota(struct req *r, size_t len)
{
	const char *org_params[1] = {r->auth.org_id};
	PGresult *res = db_exec(r, &st_quota_lock, org_params);
	if (res == NULL)
		return RC_ERR;
	long long quota = PQntuples(res) == 1 ? strtoll(PQgetvalue(res, 0, Q_QUOTA), NULL, 10) : 0;
	PQclear(res);
	if ((res = db_exec(r, &st_quota_used, org_params)) == NULL)
		return RC_ERR;
	long long used = strtoll(PQgetvalue(res, 0, Q_USED), NULL, 10);
	PQclear(res);
	if (used + (long long)len > quota)
		return problem_set(
		    r, 409, "attachment-quota-exceeded",
		    "your organization stores %lld of its %lld bytes of attachments; "
		    "this file (%zu bytes) does not fit: delete some first",
		    used, quota, len);
	return RC_OK;
}

/* Whether the caller may attach files to the parent: 404 when it may not see
 * it, 403 when it sees it but it is not its own. */
static enum rc may_attach(struct req *r, const struct parent_kind *k, const char *parent_id)
{
	bool mine = false;
	if (load_parent(r, k, parent_id, &mine) != RC_OK)
		return RC_ERR;
	if (!mine)
		return problem_set(r, 403, "forbidden",
				   "only members of the %s's own organization (or of a party) can "
				   "attach files to it",
				   k->noun);
	return RC_OK;
}

enum rc attachment_store(struct req *r, const char *parent_type, const char *parent_id,
			 const char *filename, const char *content_type, const char *visibility,
			 const unsigned char *data, size_t len, char id[37])
{
	const struct parent_kind *k = kind_of(parent_type);
	if (k == NULL)
		return problem_set(r, 500, "internal", "no parent kind %s", parent_type);
	if (may_attach(r, k, parent_id) != RC_OK)
		return RC_ERR;
	if (!attachment_filename_valid(filename))
		problem_field(r, "filename",
			      "must be 1 to 255 characters without '/', '\\' or control "
			      "characters, and not . or ..");
	if (visibility != NULL && !str_in(k->visibilities, visibility))
		problem_field(r, "visibility", "is not a visibility of a %s's attachment", k->noun);
	if (len == 0)
		problem_field(r, "body", "is empty: send the file as the body");
	else if (len > HTTP_MAX_LARGE_BODY)
		return problem_set(r, 413, "body-too-large", "a file is at most %d bytes",
				   HTTP_MAX_LARGE_BODY);
	const char *sniffed = attachment_sniff(data, len);
	if (len > 0 && (sniffed == NULL || strcmp(sniffed, content_type) != 0))
		problem_field(r, "body",
			      "does not start as a %s file does: its first bytes must match its "
			      "Content-Type",
			      content_type);
	if (problem_fields_done(r) != RC_OK || check_quota(r, len) != RC_OK)
		return RC_ERR;

	unsigned char md[32];
	char sha[65], size[24];
	EVP_Digest(data, len, md, NULL, EVP_sha256(), NULL);
	hex_encode(md, sizeof md, sha);
	snprintf(size, sizeof size, "%zu", len);
	const char *insert_params[10] = {parent_type,
					 parent_id,
					 r->auth.org_id,
					 r->auth.user_id,
					 filename,
					 content_type,
					 visibility ? visibility : k->visibilities[0],
					 size,
					 sha,
					 (const char *)data};
	const int lengths[10] = {-1, -1, -1, -1, -1, -1, -1, -1, -1, (int)len};
	PGresult *res = db_exec_binary(r, &st_insert, insert_params, lengths, false);
	if (res == NULL)
		return RC_ERR;
	snprintf(id, 37, "%s", PQgetvalue(res, 0, I_ID));
	json_t *created = json_loads(PQgetvalue(res, 0, I_JSON), 0, NULL);
	PQclear(res);
	json_decref(created);
	return audit_write(r, "attachment.create", "attachment", id, NULL,
			   json_pack("{s:s, s:s, s:s, s:s, s:I}", "parent_type", parent_type,
				     "parent_id", parent_id, "filename", filename, "sha256", sha,
				     "size", (json_int_t)len));
}

/* The Content-Type of the request when it is one of attachment_types
 * (parameters after ';' ignored), as its static string; NULL otherwise. */
static const char *upload_type(const struct req *r)
{
	const char *ct = req_header(r, "Content-Type");
	if (ct == NULL)
		return NULL;
	size_t n = strcspn(ct, "; \t");
	for (const char *const *t = attachment_types; *t; t++)
		if (strlen(*t) == n && strncasecmp(ct, *t, n) == 0)
			return *t;
	return NULL;
}

/* POST /v1/{listings,orgs,contracts}/{id}/attachments?filename=&visibility=:
 * who may attach first (nothing about a parent the caller may not see comes
 * back), then the request. */
static enum rc upload(struct req *r, const char *parent_type)
{
	static const char *const known[] = {"filename", "visibility", NULL};
	if (may_attach(r, kind_of(parent_type), req_param(r, "id")) != RC_OK)
		return RC_ERR;
	req_query_check(r, known);
	(void)query_validate(r, query_spec);
	if (problem_fields_done(r) != RC_OK)
		return RC_ERR;
	const char *type = upload_type(r);
	if (type == NULL)
		return problem_set(r, 415, "unsupported-media-type",
				   "send the file with Content-Type application/pdf, image/png or "
				   "image/jpeg");
	char id[37];
	if (attachment_store(r, parent_type, req_param(r, "id"), req_query(r, "filename"), type,
			     req_query(r, "visibility"), (const unsigned char *)r->body,
			     r->body_len, id) != RC_OK)
		return RC_ERR;
	static const struct stmt st_get = {
	    "attachments_get", "SELECT " ATTACHMENT_OBJ "::text FROM attachments a WHERE a.id = $1",
	    1};
	enum { GET_JSON };
	const char *get_params[1] = {id};
	PGresult *res = db_exec(r, &st_get, get_params);
	if (res == NULL)
		return RC_ERR;
	reply_location(r, "/v1/attachments/{id}", id);
	enum rc rc = reply_stored(r, 201, PQgetvalue(res, 0, GET_JSON), NULL);
	PQclear(res);
	return rc;
}

/* The caller as VISIBLE's parameters $2..$4. */
static void caller_params(const struct req *r, const char **params)
{
	params[0] = r->auth.org_id[0] ? r->auth.org_id : NULL;
	params[1] = strcmp(r->auth.org_status, "verified") == 0 ? "true" : "false";
	params[2] = r->auth.platform_admin ? "true" : "false";
}

/* Runs st (VISIBLE's statements) on attachment {id} for the caller; 404 for an
 * id that is not one. */
static PGresult *as_caller(struct req *r, const struct stmt *st, bool binary)
{
	const char *params[4] = {req_param(r, "id")};
	if (!uuid_valid(params[0])) {
		(void)db_not_found(r, "attachment");
		return NULL;
	}
	caller_params(r, params + 1);
	return db_exec_binary(r, st, params, NULL, binary);
}

/* GET /v1/{listings,orgs,contracts}/{id}/attachments */
static enum rc list(struct req *r, const char *parent_type)
{
	int limit;
	struct cursor c;
	char lim[16];
	bool mine;
	if (page_only(r, "tu", &limit, &c, lim) != RC_OK ||
	    load_parent(r, kind_of(parent_type), req_param(r, "id"), &mine) != RC_OK)
		return RC_ERR;
	const char *list_params[7] = {lim,
				      NULL,
				      NULL,
				      NULL,
				      req_param(r, "id"),
				      c.nparts ? c.parts[0] : NULL,
				      c.nparts ? c.parts[1] : NULL};
	caller_params(r, list_params + 1);
	return reply_page_of(r, db_exec(r, &st_list, list_params), limit, 2);
}

/* GET (and HEAD) /v1/attachments/{id}: the file, as an attachment, never to be
 * sniffed or shown inline. */
static enum rc attachments_download(struct req *r)
{
	PGresult *res = as_caller(r, &st_download, true);
	if (res == NULL)
		return RC_ERR;
	if (PQntuples(res) != 1 || strcmp(PQgetvalue(res, 0, D_VISIBLE), "true") != 0) {
		PQclear(res);
		return db_not_found(r, "attachment");
	}
	const char *type = NULL;
	for (const char *const *t = attachment_types; *t; t++)
		if (strcmp(*t, PQgetvalue(res, 0, D_TYPE)) == 0)
			type = *t;
	char disposition[1200], etag[70];
	attachment_disposition(PQgetvalue(res, 0, D_FILENAME), disposition, sizeof disposition);
	snprintf(etag, sizeof etag, "\"%s\"", PQgetvalue(res, 0, D_SHA256));
	reply_raw(r, 200, type ? type : "application/octet-stream", PQgetvalue(res, 0, D_DATA),
		  (size_t)PQgetlength(res, 0, D_DATA));
	reply_header(r, "Content-Disposition", disposition);
	reply_header(r, "ETag", etag);
	reply_header(r, "Content-Security-Policy", "default-src 'none'; sandbox");
	PQclear(res);
	return RC_OK;
}

/* DELETE /v1/attachments/{id}: by the organization that uploaded it; a signed
 * contract's attachments stay (409). */
static enum rc attachments_delete(struct req *r)
{
	const char *id = req_param(r, "id");
	PGresult *res = as_caller(r, &st_for_delete, false);
	if (res == NULL)
		return RC_ERR;
	enum rc rc = RC_ERR;
	if (PQntuples(res) != 1 || strcmp(PQgetvalue(res, 0, X_VISIBLE), "t") != 0) {
		db_not_found(r, "attachment");
		goto out;
	}
	if (!r->auth.org_id[0] || strcmp(r->auth.org_id, PQgetvalue(res, 0, X_UPLOADER)) != 0) {
		problem_set(r, 403, "forbidden",
			    "only the organization that uploaded a file can delete it");
		goto out;
	}
	if (strcmp(PQgetvalue(res, 0, X_SIGNED), "t") == 0) {
		problem_set(r, 409, "contract-signed",
			    "the contract has been signed: its attachments are its record and "
			    "stay");
		goto out;
	}
	const char *delete_params[1] = {id};
	PGresult *del = db_exec(r, &st_delete, delete_params);
	if (del == NULL)
		goto out;
	PQclear(del);
	if (audit_write(r, "attachment.delete", "attachment", id, NULL,
			json_pack("{s:s, s:s, s:s}", "parent_type",
				  PQgetvalue(res, 0, X_PARENT_TYPE), "parent_id",
				  PQgetvalue(res, 0, X_PARENT), "sha256",
				  PQgetvalue(res, 0, X_SHA256))) != RC_OK)
		goto out;
	reply_empty(r, 204);
	rc = RC_OK;
out:
	PQclear(res);
	return rc;
}

/* The upload and list handlers of each parent: attachments_upload_listing, ... */
#define PARENT_HANDLERS(kind)                                   \
	static enum rc attachments_upload_##kind(struct req *r) \
	{                                                       \
		return upload(r, #kind);                        \
	}                                                       \
	static enum rc attachments_list_##kind(struct req *r)   \
	{                                                       \
		return list(r, #kind);                          \
	}
PARENT_HANDLERS(listing)
PARENT_HANDLERS(org)
PARENT_HANDLERS(contract)

#define UPLOAD_FLAGS (ROUTE_TX | ROUTE_AUTH | ROUTE_IDEMPOTENT | ROUTE_LARGE_BODY)

const struct route attachments_routes[] = {
    {M_POST, "/v1/listings/{id}/attachments", attachments_upload_listing, UPLOAD_FLAGS,
     "uploadListingAttachment", NULL},
    {M_GET, "/v1/listings/{id}/attachments", attachments_list_listing, ROUTE_OPTIONAL_AUTH,
     "listListingAttachments", NULL},
    {M_POST, "/v1/orgs/{id}/attachments", attachments_upload_org, UPLOAD_FLAGS,
     "uploadOrgAttachment", NULL},
    {M_GET, "/v1/orgs/{id}/attachments", attachments_list_org, ROUTE_AUTH, "listOrgAttachments",
     NULL},
    {M_POST, "/v1/contracts/{id}/attachments", attachments_upload_contract, UPLOAD_FLAGS,
     "uploadContractAttachment", NULL},
    {M_GET, "/v1/contracts/{id}/attachments", attachments_list_contract, ROUTE_AUTH,
     "listContractAttachments", NULL},
    {M_GET, "/v1/attachments/{id}", attachments_download, ROUTE_OPTIONAL_AUTH, "downloadAttachment",
     NULL},
    {M_DELETE, "/v1/attachments/{id}", attachments_delete, ROUTE_TX | ROUTE_AUTH,
     "deleteAttachment", NULL},
};
const size_t attachments_routes_count = ARRAY_LEN(attachments_routes);
