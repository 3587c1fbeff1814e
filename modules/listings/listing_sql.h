/*
 * listing_sql.h - the SQL shapes of a listing that the listings module's
 * statements share (listings.c, search.c). Private to modules/listings.
 */
#ifndef TECHEX_LISTING_SQL_H
#define TECHEX_LISTING_SQL_H

#include "../../server/db.h"

#define TS(col) SQL_RFC3339(col)

/* The API shape of a listing (a jsonb expression on a listing aliased l), built
 * by the database. */
// clang-format off
#define LISTING_OBJECT                                                                      \
	"jsonb_build_object('id', l.id, 'org_id', l.org_id, 'kind', l.kind, 'title', l.title," \
	" 'summary', l.summary, 'description', l.description, 'domain', l.domain,"             \
	" 'tags', to_jsonb(l.tags), 'trl', l.trl,"                                             \
	" 'transaction_modes', to_jsonb(l.transaction_modes),"                                 \
	" 'pricing', jsonb_build_object('mode', l.pricing_mode,"                               \
	"   'asking_price_fen', l.asking_price_fen, 'reserve_price_fen', l.reserve_price_fen," \
	"   'min_increment_fen', l.min_increment_fen,"                                         \
	"   'auction_ends_at', " TS("l.auction_ends_at") ", 'currency', l.currency,"           \
	"   'highest_bid_fen', CASE WHEN l.pricing_mode = 'auction' THEN (SELECT"             \
	"     max(x.amount_fen) FROM bids x WHERE x.listing_id = l.id"                         \
	"     AND x.status IN ('open', 'countered', 'accepted')) END),"                        \
	" 'patent', l.patent, 'process', l.process, 'status', l.status,"                       \
	" 'rejection_reason', l.rejection_reason,"                                             \
	" 'submitted_at', " TS("l.submitted_at") ", 'published_at', " TS("l.published_at") "," \
	" 'created_at', " TS("l.created_at") ", 'updated_at', " TS("l.updated_at") ")"
// clang-format on

/* A listing as its JSON text and its version: columns L_JSON, L_VERSION. */
#define LISTING_JSON LISTING_OBJECT "::text, l.version"

/* The same with its organization, {id, name}, for lists people read (search,
 * an organization's listings, the moderation queue): on listings l joined with
 * organizations o. */
#define LISTING_WITH_ORG_JSON                                                                     \
	"(" LISTING_OBJECT " || jsonb_build_object('org', jsonb_build_object('id', o.id, 'name'," \
	" o.name)))::text, l.version"

/* A timestamp with microseconds, as the cursors of lists carry it. */
#define TS_US(col) "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"

#endif
