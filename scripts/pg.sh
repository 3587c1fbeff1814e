#!/bin/sh
# A private PostgreSQL cluster for TechEx: created with initdb, reached only
# through a Unix socket in its own directory, run as the `postgres` user when
# the caller is root (PostgreSQL refuses to run as root).
#
# Usage: pg.sh start DIR [fast]   create if needed, start, make role and db "techex"
#        pg.sh stop DIR
#        pg.sh url DIR            print the DATABASE_URL for it
#        pg.sh psql DIR [args]    psql as the superuser
# "fast" turns fsync off: for throwaway test clusters only.
set -eu

cmd=${1:?usage: pg.sh start|stop|url|psql DIR}
dir=${2:?usage: pg.sh start|stop|url|psql DIR}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)

pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -n "$pgbin" ] || { echo "pg.sh: PostgreSQL server binaries not found (install postgresql)" >&2; exit 1; }

as_owner() {
	if [ "$(id -u)" -eq 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

# When root, the postgres user must reach the data directory. If it cannot
# (a clone under /root, say), the cluster lives under /tmp and DIR links to it.
data="$dir/data"
if [ "$(id -u)" -eq 0 ] && [ ! -e "$data" ]; then
	if ! runuser -u postgres -- test -x "$dir" 2>/dev/null; then
		alt=$(mktemp -d /tmp/techex-pg.XXXXXX)
		chmod 755 "$alt"
		ln -s "$alt" "$data"
		echo "pg.sh: $dir is not reachable by the postgres user; the cluster lives in $alt" >&2
	fi
fi
[ -L "$data" ] && data=$(readlink "$data")
sock="$data/run"

url() {
	echo "host=$sock port=5432 dbname=techex user=techex"
}

case "$cmd" in
start)
	if [ ! -f "$data/PG_VERSION" ]; then
		mkdir -p "$data"
		[ "$(id -u)" -eq 0 ] && chown postgres:postgres "$data"
		chmod 700 "$data"
		as_owner "$pgbin/initdb" -D "$data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 ||
			{ cat "$dir/initdb.log" >&2; exit 1; }
		as_owner mkdir -p "$sock"
		as_owner chmod 700 "$sock"
		{
			echo "listen_addresses = ''"
			echo "unix_socket_directories = '$sock'"
			echo "max_connections = 300"
			echo "shared_buffers = 128MB"
			if [ "${3:-}" = fast ]; then
				echo "fsync = off"
				echo "synchronous_commit = off"
				echo "full_page_writes = off"
			fi
		} | as_owner tee -a "$data/postgresql.conf" >/dev/null
	fi
	if ! as_owner "$pgbin/pg_ctl" -D "$data" status >/dev/null 2>&1; then
		as_owner "$pgbin/pg_ctl" -D "$data" -l "$data/server.log" -w -t 60 start >/dev/null ||
			{ tail -n 20 "$data/server.log" >&2; exit 1; }
	fi
	psql_su() { "$pgbin/psql" -X -q -v ON_ERROR_STOP=1 -h "$sock" -U postgres -d postgres "$@"; }
	if [ "$(psql_su -tAc "SELECT 1 FROM pg_roles WHERE rolname = 'techex'")" != 1 ]; then
		psql_su -c "CREATE ROLE techex LOGIN"
	fi
	if [ "$(psql_su -tAc "SELECT 1 FROM pg_database WHERE datname = 'techex'")" != 1 ]; then
		psql_su -c "CREATE DATABASE techex OWNER techex ENCODING 'UTF8' TEMPLATE template0"
	fi
	;;
stop)
	if [ -f "$data/PG_VERSION" ]; then
		as_owner "$pgbin/pg_ctl" -D "$data" -m fast -w stop >/dev/null 2>&1 || true
	fi
	;;
url)
	url
	;;
psql)
	shift 2
	"$pgbin/psql" -X -h "$sock" -U postgres -d techex "$@"
	;;
*)
	echo "usage: pg.sh start|stop|url|psql DIR" >&2
	exit 2
	;;
esac
