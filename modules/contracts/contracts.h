/*
 * contracts.h - licensing contracts: terms and revenue-share plan, a digest
 * both parties sign, termination, and the printable document.
 */
#ifndef TECHEX_CONTRACTS_H
#define TECHEX_CONTRACTS_H

#include <jansson.h>
#include <libpq-fe.h>
#include <stdio.h>

#include "../../server/router.h"
#include "../../server/transition.h"

extern const struct route contracts_routes[];
extern const size_t contracts_routes_count;

/* Who may act on a contract: the caller's relations to it, as a mask. */
enum {
	CONTRACT_LICENSOR = 1,         /* a member of the licensor organization */
	CONTRACT_LICENSEE = 2,         /* a member of the licensee organization */
	CONTRACT_LICENSOR_OFFICER = 4, /* an owner or admin of the licensor */
	CONTRACT_LICENSEE_OFFICER = 8, /* an owner or admin of the licensee */
	CONTRACT_PLATFORM_ADMIN = 16,  /* a platform admin */
};

/* The contract's state machine (transition.h): "edit" (PATCH) a draft, "sign"
 * it (each party's officers once; the second signature makes it active),
 * "terminate" it from any live status; a platform admin's "hold" (of a live
 * contract) and "release" leave the status as it is (to NULL). The handlers
 * consult it. */
extern const struct transition contract_transitions[];

/* The conditions beside its status that refuse a contract's actions for a
 * while (transition_guard): an admin's hold refuses "sign", "report" (royalty
 * reports), "pay" (recording payments) and a second "hold"; "release" is
 * refused while it is not held. */
enum { CONTRACT_HELD = 1, CONTRACT_NOT_HELD = 2 };
extern const struct transition_guard contract_guards[];

/* Refuses action on contract contract_id with contract_guards' 409 when a guard
 * refuses it under the contract's conditions as they are now (the caller holds
 * the contract's row lock, so that a hold and the action are ordered). */
enum rc contract_guard(struct req *r, const char *contract_id, const char *action) MUSTCHECK;

/* Drafts the contract of the accepted bid bid_id in the request's transaction:
 * the upfront fee is price_fen, royalty, term and scope come from the bid, the
 * revenue share is the licensor's default plan. Audited. On success *out is the
 * contract's API JSON (caller decrefs). A second live exclusive deal on the
 * listing is refused by the database (409). */
enum rc contract_draft(struct req *r, const char *bid_id, const char *price_fen,
		       json_t **out) MUSTCHECK;

/* contract_draft with the term starting on term_start (YYYY-MM-DD) instead of
 * today in China (NULL: today); for `techex seed-demo`, whose deals are older. */
enum rc contract_draft_from(struct req *r, const char *bid_id, const char *price_fen,
			    const char *term_start, json_t **out) MUSTCHECK;

/* The acting part of POST /v1/contracts/{id}/sign, without the checks on the
 * caller and the terms (the caller made them): the caller's organization signs
 * contract id's digest as its party, the second signature makes it active. A
 * 404 when the caller is no party, a 409 when contract_transitions lets its
 * party not sign in the contract's status. For `techex seed-demo`. */
enum rc contract_sign(struct req *r, const char *id, const char *digest) MUSTCHECK;

/* Ends contract id in the request's transaction, as POST /terminate does after
 * its checks (the caller made its own): terminated with reason, a public notice
 * still running withdrawn, an exclusive deal's listing published again; audited
 * as contract.terminate with extra (stolen; may be NULL) in its detail. Nothing
 * happens to a contract already terminated. For an upheld objection (notices.c). */
enum rc contract_end(struct req *r, const char *id, const char *reason, json_t *extra) MUSTCHECK;

/* Public notices (notices.c): the routes, and the withdrawal of contract_id's
 * notice when it is terminated while the notice runs (audited). */
extern const struct route notices_routes[];
extern const size_t notices_routes_count;
enum rc notices_withdraw(struct req *r, const char *contract_id) MUSTCHECK;

/* The acting parts of POST /v1/contracts/{id}/notice and POST
 * /v1/notices/{id}/objections, without the checks on the caller, the contract
 * and the window (the caller made them): publishes contract_id's notice for days
 * with procedure, or files the caller's objection to notice_id; audited; the new
 * id into id. For `techex seed-demo`. */
enum rc notice_publish(struct req *r, const char *contract_id, int days, const char *procedure,
		       char id[37]) MUSTCHECK;
enum rc notice_object(struct req *r, const char *notice_id, const char *grounds,
		      char id[37]) MUSTCHECK;

/* True for the modes that bind a listing to one counterparty: assignment,
 * exclusive and sole licences. Pure. */
bool deal_is_exclusive(const char *mode);

/* The acting part of POST /v1/admin/contracts/{id}/hold for `techex seed-demo`:
 * holds contract id with reason, as contract_guards allows (409 otherwise);
 * held by the caller's user, or by nobody (NULL) for a caller without one.
 * Audited. */
enum rc contract_hold(struct req *r, const char *id, const char *reason) MUSTCHECK;

/* The hex SHA-256 of the canonical JSON of {"revenue_share": plan, "subject":
 * subject, "terms": terms} (digest scheme 2), or, when subject is NULL, of
 * {"revenue_share": plan, "terms": terms} (scheme 1, contracts drafted before
 * subjects were kept): keys sorted, no insignificant white space, integers as
 * integers, text as UTF-8 with only the escapes JSON requires (RFC 8785 for
 * this data). Pure. */
void contract_digest(const json_t *terms, const json_t *plan, const json_t *subject, char out[65]);

/* SQL: what a contract is about, as a jsonb expression over listing l, licensor
 * organization lo and licensee organization le. Taken when the contract is
 * drafted and never changed (the subject in the contract's JSON). */
#define CONTRACT_SUBJECT_SQL                                                              \
	"jsonb_build_object('listing', jsonb_build_object('id', l.id, 'title', l.title,"  \
	" 'kind', l.kind, 'domain', l.domain, 'patent', l.patent, 'process', l.process)," \
	" 'licensor', jsonb_build_object('name', lo.name, 'kind', lo.kind),"              \
	" 'licensee', jsonb_build_object('name', le.name, 'kind', le.kind))"

/* The revenue-share plan a contract starts with, and returns to when its plan is
 * set empty: inventor_bp, the default of the reward policy the contract was
 * drafted under (reward_policies, migrations/0013: 5000 bp by art. 45 of the
 * national law, 7000 bp for a government-established Shandong university or
 * research institute by art. 34(1) of the Shandong regulations), goes to the
 * inventors (split equally among the distinct names in inventors, largest
 * remainder, ties to the earlier name; one collective entry when none are
 * named) and the rest to the institution. A negative inventor_bp (no policy: an
 * enterprise licensor) gives 10000 bp to the institution. Pure; caller decrefs. */
json_t *contract_default_plan(int inventor_bp, const char *licensor_name, const json_t *inventors);

/* `techex check`'s part for contracts, on a plain connection: every signature is
 * on its contract's digest, every digest is that of the stored terms and plan,
 * and no listing has two live exclusive deals. Prints each failure to out;
 * returns how many failed, or -1 when the database could not be read. */
int contracts_check(PGconn *conn, FILE *out);

/* Technology contract registration (registration.c): GET and POST
 * /v1/contracts/{id}/registration, and the registration's state table
 * (none → submitted → registered | rejected, rejected → submitted). */
enum rc contracts_registration_get(struct req *r);
enum rc contracts_registration_record(struct req *r);
extern const struct transition registration_transitions[];

/* The acting part of the licensor's "submitted" on contract_id's registration,
 * without the caller's checks (for `techex seed-demo`); audited as the API
 * audits it. 409 when the registration is not none or rejected. */
enum rc contract_registration_submit(struct req *r, const char *contract_id) MUSTCHECK;

/* The contract as a Markdown document (document.c describes its input shape).
 * Pure; caller frees. */
char *contract_markdown(const json_t *doc);

#endif
