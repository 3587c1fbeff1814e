#!/bin/sh
# Runs once, when the primary's data directory is created (docker-entrypoint-initdb.d):
# a role for the replica to stream with, allowed from the compose network.
set -eu
psql -v ON_ERROR_STOP=1 -U "$POSTGRES_USER" -d "$POSTGRES_DB" \
	-v pw="$TECHEX_REPLICATION_PASSWORD" <<'SQL'
CREATE ROLE replicator WITH REPLICATION LOGIN PASSWORD :'pw';
SQL
echo "host replication replicator 172.28.0.0/16 scram-sha-256" >>"$PGDATA/pg_hba.conf"
