-- Organizations, their users, sessions and failed logins.

CREATE TABLE organizations (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name             text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 200),
    kind             text NOT NULL CHECK (kind IN ('university', 'research_institute', 'enterprise')),
    status           text NOT NULL DEFAULT 'unverified'
                     CHECK (status IN ('unverified', 'verified', 'suspended')),
    parent_id        uuid REFERENCES organizations (id),
    suspended_reason text,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    version          integer NOT NULL DEFAULT 1,
    CHECK (parent_id IS NULL OR parent_id <> id)
);
CREATE INDEX organizations_parent_idx ON organizations (parent_id);

CREATE TABLE users (
    id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    email          text NOT NULL CHECK (email = lower(email)),
    password_hash  text NOT NULL CHECK (password_hash LIKE '$argon2id$v=19$m=%'),
    display_name   text NOT NULL CHECK (char_length(display_name) BETWEEN 1 AND 100),
    org_id         uuid REFERENCES organizations (id),
    org_role       text CHECK (org_role IN ('owner', 'admin', 'member')),
    platform_admin boolean NOT NULL DEFAULT false,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    version        integer NOT NULL DEFAULT 1,
    CHECK ((org_id IS NULL) = (org_role IS NULL)),
    CHECK (org_id IS NOT NULL OR platform_admin)
);
CREATE UNIQUE INDEX users_email_key ON users (email);
CREATE INDEX users_org_idx ON users (org_id);

-- Only the SHA-256 of a session token is stored.
CREATE TABLE sessions (
    token_hash bytea PRIMARY KEY CHECK (octet_length(token_hash) = 32),
    user_id    uuid NOT NULL REFERENCES users (id),
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    revoked_at timestamptz
);
CREATE INDEX sessions_user_idx ON sessions (user_id);

CREATE TABLE login_failures (
    id        bigserial PRIMARY KEY,
    email     text NOT NULL,
    client_ip text NOT NULL,
    at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX login_failures_email_idx ON login_failures (email, at);
CREATE INDEX login_failures_ip_idx ON login_failures (client_ip, at);
