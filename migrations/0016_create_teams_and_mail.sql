-- Teams, mail, passwords and inventors' earnings (API.md "Organizations and
-- people").

-- A person may belong to no organization: one who left or was removed, until
-- an invitation is accepted. Only the membership columns go together.
DO $$
DECLARE c text;
BEGIN
    FOR c IN SELECT conname FROM pg_constraint
             WHERE conrelid = 'users'::regclass AND contype = 'c'
               AND pg_get_constraintdef(oid) LIKE '%platform_admin%'
    LOOP
        EXECUTE format('ALTER TABLE users DROP CONSTRAINT %I', c);
    END LOOP;
END $$;
-- when the person joined the present organization (NULL: when the account
-- was created with it)
ALTER TABLE users ADD COLUMN joined_at timestamptz;
-- at most one owner per organization (ownership is handed over, never shared)
CREATE UNIQUE INDEX users_one_owner ON users (org_id) WHERE org_role = 'owner';

-- An invitation: only the SHA-256 of its token is stored; single use, 7 days.
CREATE TABLE org_invitations (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    org_id      uuid NOT NULL REFERENCES organizations (id),
    email       text NOT NULL CHECK (email = lower(email)),
    role        text NOT NULL CHECK (role IN ('admin', 'member')),
    token_hash  bytea NOT NULL UNIQUE CHECK (octet_length(token_hash) = 32),
    invited_by  uuid NOT NULL REFERENCES users (id),
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    accepted_at timestamptz,
    accepted_by uuid REFERENCES users (id),
    revoked_at  timestamptz,
    CHECK ((accepted_at IS NULL) = (accepted_by IS NULL)),
    CHECK (accepted_at IS NULL OR revoked_at IS NULL)
);
CREATE INDEX org_invitations_org_idx ON org_invitations (org_id, created_at);
-- one pending invitation per address and organization
CREATE UNIQUE INDEX org_invitations_pending ON org_invitations (org_id, email)
    WHERE accepted_at IS NULL AND revoked_at IS NULL;

-- A password reset: only the SHA-256 of its token is stored; single use, 1 hour.
CREATE TABLE password_resets (
    token_hash bytea PRIMARY KEY CHECK (octet_length(token_hash) = 32),
    user_id    uuid NOT NULL REFERENCES users (id),
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    used_at    timestamptz
);
CREATE INDEX password_resets_user_idx ON password_resets (user_id, created_at);

-- The mail outbox: written in the transaction of the change that causes the
-- mail; the courier's "mail" task claims due rows (FOR UPDATE SKIP LOCKED, a
-- lease in locked_until), sends them over SMTP outside any transaction, then
-- records sent_at or the error and the next attempt. A sent message's body,
-- which may carry a token, is erased.
CREATE TABLE mail_outbox (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind            text NOT NULL CHECK (kind ~ '^[a-z_]+$'),
    to_addr         text NOT NULL CHECK (to_addr <> '' AND to_addr !~ '[\r\n<>]'),
    subject         text NOT NULL CHECK (subject !~ '[\r\n]'),
    body            text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    locked_until    timestamptz,
    attempts        integer NOT NULL DEFAULT 0,
    last_error      text,
    sent_at         timestamptz,
    failed_at       timestamptz,
    CHECK (sent_at IS NULL OR failed_at IS NULL),
    CHECK (body IS NOT NULL OR sent_at IS NOT NULL OR failed_at IS NOT NULL)
);
CREATE INDEX mail_outbox_due_idx ON mail_outbox (next_attempt_at, id)
    WHERE sent_at IS NULL AND failed_at IS NULL;

-- Inventors' earnings: a ledger entry may name the member it is paid to (the
-- revenue_share entry's user_id). It is part of the entry's hash only when
-- set, so every chain written before stays valid.
ALTER TABLE ledger_entries ADD COLUMN user_id uuid REFERENCES users (id);
CREATE INDEX ledger_entries_user_idx ON ledger_entries (user_id, created_at)
    WHERE user_id IS NOT NULL;
