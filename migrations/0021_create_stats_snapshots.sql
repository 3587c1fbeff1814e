-- The last /v1/stats answer, shared by every server on this database: a server
-- whose own copy is older than TECHEX_STATS_TTL reads this row and counts
-- again only when it is older too, so servers behind one load balancer show
-- the same figures and count once per TTL between them, not once each.
CREATE TABLE stats_snapshots (
    name        text PRIMARY KEY CHECK (name IN ('stats')),
    body        text NOT NULL,
    computed_at timestamptz NOT NULL DEFAULT now()
);
