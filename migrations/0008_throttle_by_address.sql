-- Failed logins are throttled per client network (an IPv4 address, or an IPv6
-- /64) and per (account, network), not per account alone, so strangers cannot
-- lock an owner out; blocks are remembered for the backoff. Registrations are
-- counted per client network. See modules/accounts/throttle.c.

ALTER TABLE login_failures ADD COLUMN client_net cidr;
UPDATE login_failures SET client_net = set_masklen(client_ip::inet, 32)::cidr
 WHERE client_ip ~ '^[0-9]{1,3}(\.[0-9]{1,3}){3}$';
DROP INDEX login_failures_ip_idx;
CREATE INDEX login_failures_net_idx ON login_failures (client_net, at);
CREATE INDEX login_failures_pair_idx ON login_failures (email, client_net, at);
CREATE INDEX login_failures_at_idx ON login_failures (at);

-- A block of one network (email NULL: for every account) or of one
-- (account, network) pair, from at until until.
CREATE TABLE login_blocks (
    id         bigserial PRIMARY KEY,
    client_net cidr NOT NULL,
    email      text,
    at         timestamptz NOT NULL DEFAULT now(),
    until      timestamptz NOT NULL,
    CHECK (until > at)
);
CREATE INDEX login_blocks_net_idx ON login_blocks (client_net, email, at);
CREATE INDEX login_blocks_until_idx ON login_blocks (until);

-- One row per account created, by the client network that created it.
CREATE TABLE registrations (
    id         bigserial PRIMARY KEY,
    client_net cidr NOT NULL,
    at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX registrations_net_idx ON registrations (client_net, at);
CREATE INDEX registrations_at_idx ON registrations (at);
