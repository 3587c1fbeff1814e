/*
 * check.c - `techex check`'s part for contracts (contracts_check in
 * contracts.h): on a plain connection, outside any request, every contract
 * against its digest and signatures, every deal whole, no listing with two live
 * exclusive deals, no contract that needed a public notice signed without a
 * clean one.
 */
#include <stdio.h>
#include <string.h>

#include "../../server/db.h"
#include "contract_shape.h"
#include "contracts.h"

int contracts_check(PGconn *conn, FILE *out)
{
	static const char sql_digests[] =
	    "SELECT c.id, c.digest, " TERMS_OBJ "::text, c.revenue_share::text,"
	    " CASE c.digest_scheme WHEN 2 THEN c.subject::text END,"
	    " coalesce((SELECT string_agg(s.party || ' ' || s.digest, ',') FROM "
	    "contract_signatures s"
	    "   WHERE s.contract_id = c.id AND s.digest <> c.digest), '')"
	    " FROM contracts c ORDER BY c.created_at, c.id";
	/* the stray signatures: "party digest" of each on another digest */
	enum {
		DIGEST_ID,
		DIGEST_DIGEST,
		DIGEST_TERMS,
		DIGEST_PLAN,
		DIGEST_SUBJECT,
		DIGEST_STRAY_SIGNATURES
	};
	static const char sql_exclusive[] =
	    "SELECT listing_id, count(*) FROM contracts WHERE status <> 'terminated'"
	    " AND transaction_mode IN ('assignment', 'exclusive_license', 'sole_license')"
	    " GROUP BY listing_id HAVING count(*) > 1";
	enum { EXCLUSIVE_LISTING, EXCLUSIVE_COUNT };
	/* a deal is written in one transaction each step: none of these can be half
	 * there, even after a crash */
	static const char sql_whole[] =
	    "SELECT 'bid ' || b.id || ': accepted, but no contract was drafted'"
	    " FROM bids b WHERE b.status = 'accepted'"
	    "   AND NOT EXISTS (SELECT 1 FROM contracts c WHERE c.bid_id = b.id)"
	    " UNION ALL"
	    " SELECT 'contract ' || c.id || ': ' || c.status || ' with ' || count(s.party)"
	    "   || ' signature(s)'"
	    " FROM contracts c LEFT JOIN contract_signatures s ON s.contract_id = c.id"
	    " GROUP BY c.id HAVING (c.status = 'active' AND count(s.party) <> 2)"
	    "   OR (c.status = 'draft' AND count(s.party) > 1)"
	    " UNION ALL"
	    " SELECT 'contract ' || c.id || ': its bid ' || b.id || ' is ' || b.status"
	    " FROM contracts c JOIN bids b ON b.id = c.bid_id WHERE b.status <> 'accepted'"
	    " UNION ALL"
	    " SELECT o.kind || ' ' || o.id || ': missing from the audit log'"
	    " FROM (SELECT 'bid' AS kind, id FROM bids"
	    "       UNION ALL SELECT 'contract', id FROM contracts"
	    "       UNION ALL SELECT 'payment', id FROM payments) o"
	    " WHERE NOT EXISTS (SELECT 1 FROM audit_log a WHERE a.object_id = o.id::text)";
	enum { WHOLE_FAILURE }; /* the one column of these checks: the failure in words */
	/* no signed contract that needed a public notice without one that had closed
	 * clean before its first signature: its window over by then, never upheld or
	 * withdrawn, and every objection to it dismissed by then */
	static const char sql_noticed[] =
	    "SELECT 'contract ' || c.id || ': needs a public notice, but was signed at '"
	    "   || f.first_signed || ' without one that had closed clean'"
	    " FROM contracts c"
	    " JOIN (SELECT s.contract_id, min(s.signed_at) AS first_signed"
	    "       FROM contract_signatures s GROUP BY s.contract_id) f ON f.contract_id = c.id"
	    " WHERE c.needs_notice AND NOT EXISTS (SELECT 1 FROM notices n"
	    "   WHERE n.contract_id = c.id AND n.closes_at <= f.first_signed"
	    "   AND n.status IN ('open', 'closed_clean')"
	    "   AND NOT EXISTS (SELECT 1 FROM notice_objections o WHERE o.notice_id = n.id"
	    "     AND (o.status <> 'dismissed' OR o.decided_at > f.first_signed)))"
	    " ORDER BY c.created_at, c.id";
	PGresult *res = NULL;
	int failed = 0;
	if (!db_run(conn, sql_noticed, 0, NULL, &res))
		return -1;
	for (int i = 0; i < PQntuples(res); i++) {
		fprintf(out, "%s\n", PQgetvalue(res, i, WHOLE_FAILURE));
		failed++;
	}
	PQclear(res);
	if (!db_run(conn, sql_whole, 0, NULL, &res))
		return -1;
	for (int i = 0; i < PQntuples(res); i++) {
		fprintf(out, "%s\n", PQgetvalue(res, i, WHOLE_FAILURE));
		failed++;
	}
	PQclear(res);
	if (!db_run(conn, sql_digests, 0, NULL, &res))
		return -1;
	for (int i = 0; i < PQntuples(res); i++) {
		/* each by its scheme: 2 covers the subject, 1 (drafted before) not */
		json_t *terms = json_loads(PQgetvalue(res, i, DIGEST_TERMS), 0, NULL),
		       *plan = json_loads(PQgetvalue(res, i, DIGEST_PLAN), 0, NULL),
		       *subject = PQgetisnull(res, i, DIGEST_SUBJECT)
				      ? NULL
				      : json_loads(PQgetvalue(res, i, DIGEST_SUBJECT), 0, NULL);
		char digest[65];
		contract_digest(terms, plan, subject, digest);
		json_decref(terms);
		json_decref(plan);
		json_decref(subject);
		const char *id = PQgetvalue(res, i, DIGEST_ID),
			   *stored = PQgetvalue(res, i, DIGEST_DIGEST),
			   *stray = PQgetvalue(res, i, DIGEST_STRAY_SIGNATURES);
		if (strcmp(digest, stored) != 0) {
			fprintf(out,
				"contract %s: its terms, plan or subject no longer match its "
				"digest %s\n",
				id, stored);
			failed++;
		}
		if (*stray) {
			fprintf(out, "contract %s: signed on another digest than its own (%s)\n",
				id, stray);
			failed++;
		}
	}
	fprintf(out, "contracts: %d checked against their digests and signatures\n",
		PQntuples(res));
	PQclear(res);
	if (!db_run(conn, sql_exclusive, 0, NULL, &res))
		return -1;
	for (int i = 0; i < PQntuples(res); i++) {
		fprintf(out, "listing %s: %s live exclusive deals at once\n",
			PQgetvalue(res, i, EXCLUSIVE_LISTING), PQgetvalue(res, i, EXCLUSIVE_COUNT));
		failed++;
	}
	PQclear(res);
	return failed;
}
