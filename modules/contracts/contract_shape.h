/*
 * contract_shape.h - the SQL that builds a contract's API JSON, shared by the
 * module's files (contracts.c, document.c, check.c). Internal to
 * modules/contracts: the module's interface is contracts.h.
 */
#ifndef TECHEX_CONTRACT_SHAPE_H
#define TECHEX_CONTRACT_SHAPE_H

#include "../../server/db.h"

#define TS(col) SQL_RFC3339(col)

// clang-format off
/* The terms of contract c (jsonb). */
#define TERMS_OBJ                                                                          \
	"jsonb_build_object('upfront_fee_fen', c.upfront_fee_fen, 'royalty_bp', c.royalty_bp," \
	" 'minimum_annual_royalty_fen', c.minimum_annual_royalty_fen,"                         \
	" 'term_start', c.term_start, 'term_end', c.term_end, 'territory', c.territory,"      \
	" 'field_of_use', c.field_of_use)"

/* The API shape of contract c (jsonb). */
#define CONTRACT_OBJ                                                                       \
	"jsonb_build_object('id', c.id, 'listing_id', c.listing_id, 'bid_id', c.bid_id,"      \
	" 'licensor_org_id', c.licensor_org_id, 'licensee_org_id', c.licensee_org_id,"        \
	" 'transaction_mode', c.transaction_mode, 'status', c.status, 'currency', c.currency,"\
	" 'terms', " TERMS_OBJ ", 'revenue_share', c.revenue_share, 'subject', c.subject,"  \
	" 'reward_policy', CASE WHEN c.reward_policy_id IS NOT NULL THEN jsonb_build_object("  \
	"   'id', c.reward_policy_id, 'inventor_default_bp', c.inventor_default_bp,"           \
	"   'inventor_floor_bp', c.inventor_floor_bp, 'source', c.reward_policy_source) END,"  \
	" 'signatures', coalesce((SELECT jsonb_agg(jsonb_build_object('org_id', s.org_id,"     \
	"     'user_id', s.user_id, 'party', s.party, 'signed_at', " TS("s.signed_at") ","     \
	"     'digest', s.digest) ORDER BY s.signed_at, s.party)"                              \
	"   FROM contract_signatures s WHERE s.contract_id = c.id), '[]'::jsonb),"             \
	" 'digest', c.digest, 'digest_scheme', c.digest_scheme,"                             \
	" 'activated_at', " TS("c.activated_at") ","                                          \
	" 'terminated_at', " TS("c.terminated_at") ","                                        \
	" 'termination_reason', c.termination_reason, 'needs_notice', c.needs_notice,"       \
	" 'notice', (SELECT jsonb_build_object('id', n.id, 'status', notice_status_of(n.id),"  \
	"     'opens_at', " TS("n.opens_at") ", 'closes_at', " TS("n.closes_at") ")"           \
	"   FROM notices n WHERE n.id = contract_latest_notice(c.id)),"                       \
	" 'hold', (SELECT jsonb_build_object('reason', h.reason, 'since', " TS("h.held_at") ")" \
	"   FROM contract_holds h WHERE h.contract_id = c.id AND h.released_at IS NULL),"     \
	" 'created_at', " TS("c.created_at") ", 'updated_at', " TS("c.updated_at") ")"
// clang-format on

#endif
