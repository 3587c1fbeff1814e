-- pgbench script for bench/run.sh: bench/bid_create.sql with the bid's event
-- recorded as event_record does it (modules/events/events.c, events_record: one
-- statement that inserts the event and the deliveries of the organization's
-- enabled webhooks subscribed to it), bid.received for the listing's
-- organization. Run beside bench/bid_create.sql, it measures what recording
-- events costs bid creation. Variables as in bench/bid_create.sql.
\set n random(1, :nlistings)
BEGIN;
INSERT INTO idempotency_keys (scope, key, request_hash) VALUES (:org, gen_random_uuid()::text, '\x00') RETURNING key AS idem \gset
SELECT l.id AS lid, l.org_id AS owner FROM bench_bid_listings b JOIN listings l ON l.id = b.id JOIN organizations o ON o.id = l.org_id WHERE b.n = :n FOR UPDATE OF l \gset
WITH b AS (INSERT INTO bids (listing_id, owner_org_id, bidder_org_id, created_by, amount_fen, transaction_mode, message, royalty_bp, term_months, territory) VALUES (:lid, :owner, :org, :usr, 30000000, 'exclusive_license', '基准测试报价', 300, 60, '山东省') RETURNING *), e AS (INSERT INTO bid_events (bid_id, kind, actor_org_id, actor_user_id, amount_fen, message) SELECT b.id, 'offer', b.bidder_org_id, b.created_by, b.amount_fen, b.message FROM b) SELECT b.id AS bid FROM b \gset
INSERT INTO audit_log (actor_user_id, org_id, action, object_type, object_id, detail, request_id) VALUES (:usr, :org, 'bid.create', 'bid', :bid, '{}', 'pgbench');
WITH ev AS (INSERT INTO events (type, org_id, user_id, data) SELECT 'bid.received'::text, o.id, NULL::uuid, jsonb_build_object('bid_id', :bid::text, 'listing_id', :lid::text, 'amount_fen', 30000000) FROM unnest(ARRAY[:owner::uuid]) AS o(id) RETURNING id, org_id, type), dl AS (INSERT INTO webhook_deliveries (webhook_id, event_id) SELECT w.id, ev.id FROM ev JOIN webhooks w ON w.org_id = ev.org_id AND w.enabled AND (ev.type = ANY (w.events) OR '*' = ANY (w.events)) RETURNING 1) SELECT (SELECT count(*) FROM ev), (SELECT count(*) FROM dl);
UPDATE idempotency_keys SET status = 201, response = '{}' WHERE scope = :org AND key = :idem;
END;
