-- A webhook's signing secret is shown once and kept sealed (webhooks.secret_enc).
-- The response an Idempotency-Key keeps for a replay used to hold it in the
-- clear for a day; it now holds it sealed (the server opens it to replay).
-- Responses kept before this take the secret out: a replay of one answers
-- without it. The secret was the last member, so the rest stays byte for byte.
UPDATE idempotency_keys
SET response = regexp_replace(response, ',"secret":"whsec_[A-Za-z0-9+/=]*"}$', '}')
WHERE response LIKE '{%,"secret":"whsec\_%';
