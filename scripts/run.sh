#!/bin/sh
# `make run`: a private PostgreSQL under var/pg, migrations, demo data and a demo
# admin, then the server in the foreground on TECHEX_LISTEN (default
# 127.0.0.1:8080). Ctrl-C stops the server and then the database.
set -eu
cd "$(dirname "$0")/.."

pgdir=${TECHEX_RUN_PGDIR:-var/pg} # the tests run it on a cluster of their own
sh scripts/pg.sh start "$pgdir"
DATABASE_URL=${DATABASE_URL:-$(sh scripts/pg.sh url "$pgdir")}
export DATABASE_URL

stop_db() {
	echo "techex: stopping the database in $pgdir"
	sh scripts/pg.sh stop "$pgdir"
}
trap stop_db EXIT
trap 'exit 130' INT TERM # until the server runs

bin/techex migrate
bin/techex seed-demo

admin_email=${TECHEX_DEMO_ADMIN:-admin@demo.techex.example}
admin_password=${TECHEX_ADMIN_PASSWORD:-techex-admin-2026}
if TECHEX_ADMIN_PASSWORD=$admin_password bin/techex admin create --email "$admin_email" --name "平台管理员" >/dev/null 2>&1; then
	echo "platform admin $admin_email created (password: ${TECHEX_ADMIN_PASSWORD:+from TECHEX_ADMIN_PASSWORD}${TECHEX_ADMIN_PASSWORD:-$admin_password})"
fi

listen=${TECHEX_LISTEN:-127.0.0.1:8080}
# not exec: when the server exits, the trap stops the database
bin/techex serve &
server=$!
trap 'kill -TERM $server 2>/dev/null' INT TERM
# say where it serves once it does: the port is bound and /healthz answers
tries=0
until curl -sf -o /dev/null "http://$listen/healthz" 2>/dev/null; do
	kill -0 $server 2>/dev/null || break
	tries=$((tries + 1))
	[ $tries -lt 100 ] || break
	sleep 0.1
done
if curl -sf -o /dev/null "http://$listen/healthz" 2>/dev/null; then
	echo "techex: serving on http://$listen (Ctrl-C stops the server and the database)"
fi
# A signal interrupts `wait` (status 128+n) while the server still drains; wait
# until it has really exited (a process that exited but was not yet waited for
# still answers kill -0) and take its own status: 0 after a clean drain.
status=0
while kill -0 $server 2>/dev/null; do
	status=0
	wait $server || status=$?
done
exit $status
