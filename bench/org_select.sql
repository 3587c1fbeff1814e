-- pgbench script for bench/run.sh: the query GET /v1/orgs/{id} runs
-- (accounts_org_get), for a random one of the :orgs seeded organizations.
-- pgbench would take the ":MI" of 'HH24:MI:SS' for a variable, so the colons
-- of the format are chr(58), folded into a constant when the plan is made.
\set n random(1, :orgs)
SELECT o.id, o.name, o.kind, o.status, o.parent_id, to_char(o.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24' || chr(58) || 'MI' || chr(58) || 'SS"Z"'), to_char(o.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24' || chr(58) || 'MI' || chr(58) || 'SS"Z"'), o.version, o.suspended_reason FROM organizations o WHERE o.id = ('00000000-0000-4000-8000-' || lpad(:n::text, 12, '0'))::uuid;
