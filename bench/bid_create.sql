-- pgbench script for bench/run.sh: the database work of one
-- POST /v1/listings/{id}/bids with an Idempotency-Key, as one transaction: claim
-- the key, lock the listing, insert the bid and its history line, audit it,
-- store the response under the key. Variables: :nlistings (rows of
-- bench_bid_listings), :org and :usr (the bidding organization and its user).
\set n random(1, :nlistings)
BEGIN;
INSERT INTO idempotency_keys (scope, key, request_hash) VALUES (:org, gen_random_uuid()::text, '\x00') RETURNING key AS idem \gset
SELECT l.id AS lid, l.org_id AS owner FROM bench_bid_listings b JOIN listings l ON l.id = b.id JOIN organizations o ON o.id = l.org_id WHERE b.n = :n FOR UPDATE OF l \gset
WITH b AS (INSERT INTO bids (listing_id, owner_org_id, bidder_org_id, created_by, amount_fen, transaction_mode, message, royalty_bp, term_months, territory) VALUES (:lid, :owner, :org, :usr, 30000000, 'exclusive_license', '基准测试报价', 300, 60, '山东省') RETURNING *), e AS (INSERT INTO bid_events (bid_id, kind, actor_org_id, actor_user_id, amount_fen, message) SELECT b.id, 'offer', b.bidder_org_id, b.created_by, b.amount_fen, b.message FROM b) SELECT b.id AS bid FROM b \gset
INSERT INTO audit_log (actor_user_id, org_id, action, object_type, object_id, detail, request_id) VALUES (:usr, :org, 'bid.create', 'bid', :bid, '{}', 'pgbench');
UPDATE idempotency_keys SET status = 201, response = '{}' WHERE scope = :org AND key = :idem;
END;
