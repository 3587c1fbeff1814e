-- pgbench script for bench/run.sh: the write ceiling of bid creation. Every
-- statement one POST /v1/listings/{id}/bids with an Idempotency-Key runs (as
-- the PostgreSQL log shows them, rate limits off as in the benchmark), in one
-- transaction, each sent on its own as pgbench does: the session's user and
-- organization (accounts.c, st_authenticate), the key's claim, the listing's
-- lock, the bid with its history line, the audit row, the bid.received event
-- with its webhook deliveries (events_record), the response stored under the
-- key. Variables: :nlistings (rows of bench_bid_listings), :org and :usr (the
-- bidding organization and its user), :token_hash (its session's token hash).
-- bench/run.sh also runs it without the line that starts WITH ev (the event),
-- to measure what recording the event costs.
\set n random(1, :nlistings)
BEGIN;
SELECT u.id, u.email, u.platform_admin, coalesce(u.org_id::text, ''), coalesce(u.org_role, ''), coalesce(o.status, ''), coalesce(o.kind, '') FROM sessions s JOIN users u ON u.id = s.user_id LEFT JOIN organizations o ON o.id = u.org_id WHERE s.token_hash = :token_hash::bytea AND s.revoked_at IS NULL AND s.expires_at > now() AND (o.status IS NULL OR o.status <> 'suspended');
INSERT INTO idempotency_keys (scope, key, request_hash) VALUES (:org, gen_random_uuid()::text, '\x00') ON CONFLICT (scope, key) DO NOTHING RETURNING key AS idem \gset
SELECT l.id AS lid, l.org_id AS owner, l.status AS listing_status, l.pricing_mode, 'exclusive_license' = ANY (l.transaction_modes) AS mode_ok, o.status AS owner_status FROM bench_bid_listings b JOIN listings l ON l.id = b.id JOIN organizations o ON o.id = l.org_id WHERE b.n = :n FOR UPDATE OF l \gset
WITH b AS (INSERT INTO bids (listing_id, owner_org_id, bidder_org_id, created_by, amount_fen, transaction_mode, message, royalty_bp, term_months, territory) VALUES (:lid, :owner, :org, :usr, 30000000, 'exclusive_license', '基准测试报价', 300, 60, '山东省') RETURNING *), e AS (INSERT INTO bid_events (bid_id, kind, actor_org_id, actor_user_id, amount_fen, message) SELECT b.id, 'offer', b.bidder_org_id, b.created_by, b.amount_fen, b.message FROM b) SELECT b.id AS bid FROM b \gset
INSERT INTO audit_log (actor_user_id, org_id, action, object_type, object_id, detail, request_id) VALUES (:usr, :org, 'bid.create', 'bid', :bid, '{}', 'pgbench');
WITH ev AS (INSERT INTO events (type, org_id, user_id, data) SELECT 'bid.received'::text, o.id, NULL::uuid, jsonb_build_object('bid_id', :bid::text, 'listing_id', :lid::text, 'amount_fen', 30000000) FROM unnest(ARRAY[:owner::uuid]) AS o(id) RETURNING id, org_id, type), dl AS (INSERT INTO webhook_deliveries (webhook_id, event_id) SELECT w.id, ev.id FROM ev JOIN webhooks w ON w.org_id = ev.org_id AND w.enabled AND (ev.type = ANY (w.events) OR '*' = ANY (w.events)) RETURNING 1) SELECT (SELECT count(*) FROM ev), (SELECT count(*) FROM dl);
UPDATE idempotency_keys SET status = 201, response = '{}' WHERE scope = :org AND key = :idem;
END;
