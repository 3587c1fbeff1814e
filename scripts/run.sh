#!/bin/sh
# `make run`: a private PostgreSQL under var/pg, migrations, demo data and a demo
# admin, then the server in the foreground on TECHEX_LISTEN (default
# 127.0.0.1:8080). Ctrl-C stops the server and then the database.
set -eu
cd "$(dirname "$0")/.."

pgdir=var/pg
sh scripts/pg.sh start "$pgdir"
DATABASE_URL=${DATABASE_URL:-$(sh scripts/pg.sh url "$pgdir")}
export DATABASE_URL

stop_db() {
	echo "techex: stopping the database in $pgdir"
	sh scripts/pg.sh stop "$pgdir"
}
trap stop_db EXIT
trap 'exit 130' INT TERM

bin/techex migrate
bin/techex seed-demo

admin_email=${TECHEX_DEMO_ADMIN:-admin@demo.techex.example}
admin_password=${TECHEX_ADMIN_PASSWORD:-techex-admin-2026}
if TECHEX_ADMIN_PASSWORD=$admin_password bin/techex admin create --email "$admin_email" --name "平台管理员" >/dev/null 2>&1; then
	echo "platform admin $admin_email created (password: ${TECHEX_ADMIN_PASSWORD:+from TECHEX_ADMIN_PASSWORD}${TECHEX_ADMIN_PASSWORD:-$admin_password})"
fi

echo "techex: serving on ${TECHEX_LISTEN:-127.0.0.1:8080} (Ctrl-C stops the server and the database)"
# not exec: when the server exits, the trap stops the database
bin/techex serve &
server=$!
trap 'kill -TERM $server 2>/dev/null' INT TERM
status=0
wait $server || status=$?
# a signal interrupts the first wait; wait for the drain to finish
if kill -0 $server 2>/dev/null; then
	wait $server || status=$?
fi
exit $status
