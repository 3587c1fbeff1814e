#!/bin/sh
# make bench: throughput and latency of bin/techex under wrk, with pgbench as
# the ceiling (the very SELECT that GET /v1/listings/{id} runs, and one bid's
# writes as one transaction, straight against PostgreSQL).
#
# Starts a fresh private PostgreSQL in var/bench-pg (normal durability),
# migrates, seeds organizations, the demo data and $BENCH_LISTINGS synthetic
# listings, serves on 127.0.0.1:$BENCH_PORT, registers and logs in one user, then
# runs every benchmark $BENCH_ROUNDS times for $BENCH_DURATION seconds (after one
# short warm-up) and reports the median with the min-max spread. Then: the RSS
# holding 1,000 idle keep-alive connections, sweeps of TECHEX_WORKERS (1, 2, 4,
# 8, 16), TECHEX_WORKER_TRANSACTIONS (the same) and TECHEX_LOOP_CONNECTIONS (0,
# 1, 2, 4), and how long `serve`
# takes to answer /healthz. The table and the
# targets of the performance issue are printed and written to
# bench/results/latest.md. The server and the cluster are stopped at the end,
# whatever happens.
#
# Knobs (environment): BENCH_PORT (18090) BENCH_DURATION (10) BENCH_ROUNDS (3)
#   BENCH_WARMUP (2) BENCH_CONNECTIONS (64) BENCH_ORGS (1000) BENCH_LISTINGS
#   (100000) BENCH_SWEEP_DURATION (5) TECHEX_BIN (bin/techex) TECHEX_WORKERS and
#   TECHEX_LOOP_CONNECTIONS (the server's defaults)
set -eu
cd "$(dirname "$0")/.."

port=${BENCH_PORT:-18090}
dur=${BENCH_DURATION:-10}
rounds=${BENCH_ROUNDS:-3}
warmup=${BENCH_WARMUP:-2}
conns=${BENCH_CONNECTIONS:-64}
orgs=${BENCH_ORGS:-1000}
listings=${BENCH_LISTINGS:-100000}
[ "$listings" -ge 1000 ] || listings=1000
sweep_dur=${BENCH_SWEEP_DURATION:-5}
loop_conns=${TECHEX_LOOP_CONNECTIONS:-default} # the sweep below sets and unsets it
payments=${BENCH_PAYMENTS:-40000}
bin=${TECHEX_BIN:-bin/techex}
pgdir=var/bench-pg
results=bench/results
base="http://127.0.0.1:$port"
email=bench@techex.example
password=bench-password-0123

say() { echo "bench: $*" >&2; }
die() { echo "bench: $*" >&2; exit 1; }

for tool in wrk pgbench curl python3 awk; do
	command -v "$tool" >/dev/null 2>&1 || die "$tool is missing (sh scripts/deps.sh bench)"
done
[ -x "$bin" ] || die "$bin is missing: run make first"

work=$(mktemp -d /tmp/techex-bench.XXXXXX)
load_start=$(cut -d' ' -f1-3 /proc/loadavg)
server_pid=""
server_log="$pgdir/techex.log"

stop_server() {
	[ -n "$server_pid" ] || return 0
	if kill -0 "$server_pid" 2>/dev/null; then
		kill -TERM "$server_pid" 2>/dev/null || true
		i=0
		while kill -0 "$server_pid" 2>/dev/null && [ $i -lt 100 ]; do
			sleep 0.1
			i=$((i + 1))
		done
		kill -KILL "$server_pid" 2>/dev/null || true
	fi
	wait "$server_pid" 2>/dev/null || true
	server_pid=""
}

cleanup() {
	status=$?
	trap - EXIT INT TERM
	stop_server
	sh scripts/pg.sh stop "$pgdir" >/dev/null 2>&1 || true
	rm -rf "$work"
	[ $status -eq 0 ] || say "failed (exit $status); server log: $server_log"
	exit $status
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if curl -s -o /dev/null --max-time 1 "$base/healthz"; then
	die "something already answers on 127.0.0.1:$port (set BENCH_PORT)"
fi

# ---- a fresh cluster ------------------------------------------------------
say "starting a fresh PostgreSQL cluster in $pgdir"
sh scripts/pg.sh stop "$pgdir" >/dev/null 2>&1 || true
if [ -L "$pgdir/data" ]; then
	rm -rf "$(readlink "$pgdir/data")"
fi
rm -rf "$pgdir"
sh scripts/pg.sh start "$pgdir"
DATABASE_URL=$(sh scripts/pg.sh url "$pgdir")
export DATABASE_URL
sock=$(echo "$DATABASE_URL" | sed -n 's/^host=\([^ ]*\) .*/\1/p')
[ -n "$sock" ] || die "cannot read the socket directory from: $DATABASE_URL"

"$bin" migrate >"$work/migrate.log" 2>&1 || { cat "$work/migrate.log" >&2; die "migrate failed"; }

say "seeding $orgs organizations"
sh scripts/pg.sh psql "$pgdir" -q -v ON_ERROR_STOP=1 -c "
INSERT INTO organizations (id, name, kind, status)
SELECT ('00000000-0000-4000-8000-' || lpad(i::text, 12, '0'))::uuid,
       '淄博基准机构 ' || i,
       (ARRAY['university', 'research_institute', 'enterprise'])[1 + i % 3],
       'verified'
FROM generate_series(1, $orgs) AS i;" >/dev/null

# the demo set plus synthetic listings (bench/synthetic.sql, in two halves at
# once so that PostgreSQL builds rows on two cores), searched and read by id
say "seeding the demo data and $listings synthetic listings"
t0=$(date +%s)
"$bin" seed-demo >"$work/seed.out" 2>&1 || { cat "$work/seed.out" >&2; die "seed-demo failed"; }
half=$((listings / 2))
synthetic() { # FIRST LAST LOG
	sh scripts/pg.sh psql "$pgdir" -q -v ON_ERROR_STOP=1 -v first="$1" -v last="$2" \
		-f bench/synthetic.sql >"$3" 2>&1
}
synthetic 1 "$half" "$work/synthetic-1.out" &
first_half=$!
synthetic $((half + 1)) "$listings" "$work/synthetic-2.out" ||
	{ cat "$work/synthetic-2.out" >&2; die "bench/synthetic.sql failed"; }
wait "$first_half" || { cat "$work/synthetic-1.out" >&2; die "bench/synthetic.sql failed"; }
seed_secs=$(($(date +%s) - t0))
sh scripts/pg.sh psql "$pgdir" -q -v ON_ERROR_STOP=1 -c "VACUUM ANALYZE" >/dev/null
sh scripts/pg.sh psql "$pgdir" -tA \
	-c "SELECT id FROM listings WHERE status = 'published' ORDER BY random() LIMIT 5000" \
	>"$work/listing-ids"
listing_total=$(sh scripts/pg.sh psql "$pgdir" -tA -c "SELECT count(*) FROM listings")

# ---- the server -----------------------------------------------------------
unset TECHEX_TLS_CERT TECHEX_TLS_KEY
# every load comes from one address: the per-client connection cap must not apply
export TECHEX_MAX_CLIENT_CONNECTIONS=100000
# start_server [WORKERS]: serve with the bench settings (rate limits off: one
# organization makes every bid; registrations unlimited), wait for /healthz
start_server() {
	if [ -n "${1:-}" ]; then
		TECHEX_WORKERS=$1 TECHEX_LISTEN="127.0.0.1:$port" TECHEX_LOG_LEVEL=warn \
			TECHEX_BID_RATE=0 TECHEX_LISTING_RATE=0 TECHEX_REGISTER_RATE=0 "$bin" serve >>"$server_log" 2>&1 &
	else
		TECHEX_LISTEN="127.0.0.1:$port" TECHEX_LOG_LEVEL=warn \
			TECHEX_BID_RATE=0 TECHEX_LISTING_RATE=0 TECHEX_REGISTER_RATE=0 "$bin" serve >>"$server_log" 2>&1 &
	fi
	server_pid=$!
	i=0
	until curl -s -o /dev/null --max-time 1 "$base/healthz"; do
		kill -0 "$server_pid" 2>/dev/null || { cat "$server_log" >&2; die "the server did not start"; }
		i=$((i + 1))
		[ $i -lt 100 ] || die "the server did not answer /healthz within 10 s"
		sleep 0.1
	done
}
: >"$server_log"
start_server "${TECHEX_WORKERS:-}"
rss_start=$(awk '/^VmRSS:/ { print $2 }' "/proc/$server_pid/status")

rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$server_pid/status"; }
hwm_kb() { awk '/^VmHWM:/ { print $2 }' "/proc/$server_pid/status"; }
threads() { awk '/^Threads:/ { print $2 }' "/proc/$server_pid/status"; }
# dies when the server has exited, saying how (a zombie counts as exited)
alive() {
	state=$(awk '/^State:/ { print $2 }' "/proc/$server_pid/status" 2>/dev/null || true)
	[ -n "$state" ] && [ "$state" != Z ] && return 0
	st=0
	wait "$server_pid" || st=$?
	server_pid=""
	how="exit status $st"
	[ $st -gt 128 ] && how="killed by signal $((st - 128)) (SIG$(kill -l $((st - 128))))"
	tail -n 20 "$server_log" >&2
	die "the server died during $1: $how"
}

# a request that must answer $1; the body lands in $work/body
call() {
	want=$1
	shift
	code=$(curl -sS -o "$work/body" -w '%{http_code}' --max-time 30 "$@") || code=000
	[ "$code" = "$want" ] || { cat "$work/body" >&2 2>/dev/null; echo >&2; die "$* answered $code, not $want"; }
}

say "registering and logging in $email"
call 201 -H 'Content-Type: application/json' --data-binary @- "$base/v1/auth/register" <<EOF
{"email":"$email","password":"$password","display_name":"张教授","organization":{"name":"山东理工大学","kind":"university"}}
EOF
call 200 -H 'Content-Type: application/json' --data-binary @- "$base/v1/auth/login" <<EOF
{"email":"$email","password":"$password"}
EOF
token=$(python3 -c 'import json, sys; print(json.load(sys.stdin)["token"])' <"$work/body")
[ -n "$token" ] || die "login gave no token"
call 200 -H "Authorization: Bearer $token" "$base/v1/me"
call 200 "$base/v1/orgs/00000000-0000-4000-8000-000000000001"

rss_idle=$(rss_kb)
threads_idle=$(threads)

# ---- the runs -------------------------------------------------------------
# Each round appends one line to $work/NAME.rounds:
#   pgbench: tps failed
#   wrk:     rps p50_us p99_us non2xx connect read write timeout
# run_pgbench DURATION [CLIENTS SCRIPT [-D VAR=VALUE...]]: "tps failed" of one run
run_pgbench() {
	d=$1
	clients=${2:-2}
	script=${3:-bench/org_select.sql}
	[ $# -ge 3 ] && shift 3 || shift $#
	out="$work/pgbench.out"
	pgbench -n -M prepared -c "$clients" -j 2 -T "$d" -D orgs="$orgs" "$@" -f "$script" \
		-h "$sock" -p 5432 -U techex techex >"$out" 2>&1 || { cat "$out" >&2; die "pgbench $script failed"; }
	tps=$(sed -n 's/^tps = \([0-9.]*\).*/\1/p' "$out" | tail -n 1)
	failed=$(sed -n 's/^number of failed transactions: \([0-9]*\).*/\1/p' "$out")
	[ -n "$tps" ] || { cat "$out" >&2; die "no tps in the pgbench output"; }
	echo "$tps ${failed:-0}"
}

# run_wrk DURATION PATH [wrk options...]
run_wrk() {
	d=$1
	path=$2
	shift 2
	out=$(mktemp "$work/wrk.XXXXXX") # two may run at once
	threads=2
	[ "$conns" -ge 2 ] || threads=1
	wrk -t"$threads" -c"$conns" -d"${d}s" --latency -s bench/wrk.lua "$@" "$base$path" >"$out" 2>&1 ||
		{ cat "$out" >&2; alive "wrk $path"; die "wrk failed"; }
	awk '/^BENCH / {
		for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
		printf "%.1f %d %d %d %d %d %d %d\n", v["requests"] / (v["duration_us"] / 1e6),
			v["p50_us"], v["p99_us"], v["non2xx"], v["connect"], v["read"], v["write"], v["timeout"]
	}' "$out" | grep . || { cat "$out" >&2; die "no BENCH line in the wrk output"; }
}

# insert_payments CIDS N START STEP TAG: N reported royalty payments from the
# licensee of the contracts CIDS ("{id,id,...}"), spread over them in turn, paid
# every STEP (second, hour) from START, referenced "TAG i"; prints their ids in order
insert_payments() {
	sh scripts/pg.sh psql "$pgdir" -qtA -v ON_ERROR_STOP=1 -v cids="$1" -v n="$2" -v start="$3" \
		-v step="1 $4" -v tag="$5" <<'EOF'
WITH p AS (
INSERT INTO payments (contract_id, payer_org_id, payee_org_id, recorded_by, kind, amount_fen,
                      paid_at, reference)
SELECT c.id, c.licensee_org_id, c.licensor_org_id,
       (SELECT id FROM users WHERE org_id = c.licensee_org_id LIMIT 1), 'royalty', 100000 + i,
       :'start'::timestamptz + i * :'step'::interval, :'tag' || ' ' || i
FROM generate_series(1, :n) AS i
JOIN contracts c ON c.id = (:'cids'::uuid[])[1 + i % cardinality(:'cids'::uuid[])]
RETURNING id, payer_org_id, recorded_by)
INSERT INTO audit_log (actor_user_id, org_id, action, object_type, object_id, detail)
SELECT recorded_by, payer_org_id, 'payment.record', 'payment', id::text, '{"source": "bench"}'
FROM p;
SELECT id FROM payments WHERE reference LIKE :'tag' || ' %' ORDER BY paid_at;
EOF
}

# bench_pgbench NAME [CLIENTS SCRIPT [-D ...]]: warm-up, then the rounds into $work/NAME.rounds
bench_pgbench() {
	name=$1
	shift
	say "pgbench ${2:-bench/org_select.sql}: ${warmup}s warm-up, $rounds x ${dur}s"
	run_pgbench "$warmup" "$@" >/dev/null
	: >"$work/$name.rounds"
	r=1
	while [ $r -le "$rounds" ]; do
		run_pgbench "$dur" "$@" >>"$work/$name.rounds"
		r=$((r + 1))
	done
}

# The read ceiling: the statement GET /v1/listings/{id} prepares, taken from the
# PostgreSQL log while the server answers one request (so it cannot drift from
# the code), for 1,000 of the sampled listings. pgbench would read the ":MI" of
# 'HH24:MI:SS' as a variable, so those colons become chr(58), which the planner
# folds into the same constant.
say "capturing the SELECT of GET /v1/listings/{id} from the PostgreSQL log"
pglog=$(readlink -f "$pgdir/data")/server.log
sh scripts/pg.sh psql "$pgdir" -q -c "ALTER SYSTEM SET log_statement = 'all'" -c "SELECT pg_reload_conf()" >/dev/null
sleep 0.5
call 200 "$base/v1/listings/$(head -n 1 "$work/listing-ids")"
sh scripts/pg.sh psql "$pgdir" -q -c "ALTER SYSTEM RESET log_statement" -c "SELECT pg_reload_conf()" >/dev/null
listing_sql=$(grep -o 'execute listings_get: .*' "$pglog" | tail -n 1 | sed 's/^execute listings_get: //')
[ -n "$listing_sql" ] || die "the listing SELECT did not appear in $pglog"
ids_array=$(head -n 1000 "$work/listing-ids" | sed "s/.*/'&'/" | paste -sd,)
{
	echo "-- generated by bench/run.sh: the SELECT of GET /v1/listings/{id}, for 1,000 published ids"
	echo '\set n random(1, 1000)'
	echo "$listing_sql" | sed -e "s/HH24:MI:SS/HH24' || chr(58) || 'MI' || chr(58) || 'SS/g" \
		-e "s/\$1/(ARRAY[$ids_array]::uuid[])[:n::int]/"
} >"$work/listing_select.sql"
bench_pgbench pgbench 2 "$work/listing_select.sql"

# bench_wrk NAME PATH [wrk options...]: warm-up, rounds, RSS right after
bench_wrk() {
	name=$1
	shift
	say "wrk $1: ${warmup}s warm-up, $rounds x ${dur}s"
	run_wrk "$warmup" "$@" >/dev/null
	alive "the $name warm-up"
	: >"$work/$name.rounds"
	r=1
	while [ $r -le "$rounds" ]; do
		run_wrk "$dur" "$@" >>"$work/$name.rounds"
		alive "$name round $r"
		r=$((r + 1))
	done
	rss_kb >"$work/$name.rss"
}

# profile_start NAME, then profile_resume NAME / profile_pause NAME around
# each of NAME's rounds: what the workers' database sessions (application_name
# techex-worker, one per transaction in flight) do meanwhile. A psql session
# samples pg_stat_activity every 0.1 s (each session: running, the wait event
# it waits on, "idle in transaction" while it waits for the server's next
# statement, "idle" without a transaction), and the commits and WAL syncs in
# between tell how many commits one fsync carried (group commit).
profile_counters() {
	sh scripts/pg.sh psql "$pgdir" -tA -F' ' -c "SELECT (SELECT xact_commit FROM pg_stat_database
		WHERE datname = 'techex'), (SELECT wal_sync FROM pg_stat_wal)"
}
profile_start() {
	: >"$work/$1.counters"
	: >"$work/$1.waits"
}
profile_resume() {
	profile_counters >>"$work/$1.counters"
	printf '%s\n' "SELECT CASE WHEN state = 'active' THEN coalesce(wait_event_type || ': ' || wait_event, 'running') ELSE state END FROM pg_stat_activity WHERE application_name = 'techex-worker' \\watch 0.1" |
		sh scripts/pg.sh psql "$pgdir" -tA -q >>"$work/$1.waits" 2>/dev/null &
	profile_pid=$!
}
profile_pause() {
	kill "$profile_pid" 2>/dev/null || true
	wait "$profile_pid" 2>/dev/null || true
	profile_counters >>"$work/$1.counters"
}
# profile_row NAME LABEL: the share of each state over the samples, and commits per fsync
profile_row() {
	waits=$(grep -v '^$' "$work/$1.waits" | sort | uniq -c | sort -rn | head -n 6 |
		awk -v n="$(grep -vc '^$' "$work/$1.waits")" '{ c = $1; $1 = ""; sub(/^ /, "")
			printf "%s%s %.0f %%", (NR > 1 ? ", " : ""), $0, 100 * c / n }')
	per_sync=$(awk 'NR % 2 == 1 { c = $1; w = $2 } NR % 2 == 0 { dc += $1 - c; dw += $2 - w }
		END { printf "%.1f", (dw > 0 ? dc / dw : 0) }' "$work/$1.counters")
	echo "| $2 | $waits | $per_sync |"
}

bench_wrk healthz /healthz
bench_wrk me /v1/me -H "Authorization: Bearer $token"
BENCH_ORG_COUNT=$orgs
export BENCH_ORG_COUNT
bench_wrk orgs "/v1/orgs/{id}"
unset BENCH_ORG_COUNT
BENCH_IDS_FILE="$work/listing-ids"
export BENCH_IDS_FILE
bench_wrk listing "/v1/listings/{id}"
bench_wrk listing_auth "/v1/listings/{id}" -H "Authorization: Bearer $token"
unset BENCH_IDS_FILE
saved_conns=$conns
conns=1
bench_wrk search1 "/v1/listings?q=%E8%B5%A4%E6%B3%A5"
bench_wrk filtered1 "/v1/listings?domain=red_mud_building_materials&min_trl=5&sort=newest"
conns=$saved_conns
bench_wrk search64 "/v1/listings?q=%E8%B5%A4%E6%B3%A5"
bench_wrk filtered64 "/v1/listings?domain=red_mud_building_materials&min_trl=5&sort=newest"

# logins: 200 users of the bench organization with the bench user's password
sh scripts/pg.sh psql "$pgdir" -q -v ON_ERROR_STOP=1 -v email="$email" >/dev/null <<'EOF'
INSERT INTO users (email, password_hash, display_name, org_id, org_role)
SELECT 'login' || i || '@techex.example', u.password_hash, '登录基准' || i, u.org_id, 'member'
FROM users u, generate_series(1, 200) AS i WHERE u.email = :'email';
EOF
sh scripts/pg.sh psql "$pgdir" -tA -c "SELECT email FROM users WHERE email LIKE 'login%@techex.example'" >"$work/login-emails"
BENCH_LOGIN_FILE="$work/login-emails" BENCH_PASSWORD=$password
export BENCH_LOGIN_FILE BENCH_PASSWORD
bench_wrk login /v1/auth/login --timeout 10s
# /healthz while 8 clients log in without a pause: argon2id must not starve it
say "/healthz under 8 continuous logins: $rounds x ${dur}s"
: >"$work/healthz_login.rounds"
: >"$work/login8.rounds"
r=1
while [ $r -le "$rounds" ]; do
	saved_conns=$conns
	conns=8
	run_wrk $((dur + 2)) /v1/auth/login --timeout 10s >>"$work/login8.rounds" &
	login_pid=$!
	sleep 1
	unset BENCH_LOGIN_FILE
	run_wrk "$dur" /healthz >>"$work/healthz_login.rounds"
	BENCH_LOGIN_FILE="$work/login-emails"
	export BENCH_LOGIN_FILE
	wait "$login_pid"
	conns=$saved_conns
	alive "healthz under logins, round $r"
	r=$((r + 1))
done
rss_kb >"$work/healthz_login.rss"
unset BENCH_LOGIN_FILE BENCH_PASSWORD

# bids: a verified enterprise offers on negotiable listings, each request with
# its own Idempotency-Key; the ceiling is the same writes as one pgbench
# transaction (bench/bid_create.sql) at 8 clients
say "registering a verified enterprise to bid"
call 201 -H 'Content-Type: application/json' --data-binary @- "$base/v1/auth/register" <<EOF
{"email":"bidder@techex.example","password":"$password","display_name":"王经理","organization":{"name":"淄博基准受让企业","kind":"enterprise"}}
EOF
bidder_org=$(python3 -c 'import json, sys; print(json.load(sys.stdin)["organization"]["id"])' <"$work/body")
bidder_user=$(python3 -c 'import json, sys; print(json.load(sys.stdin)["user"]["id"])' <"$work/body")
sh scripts/pg.sh psql "$pgdir" -q -v ON_ERROR_STOP=1 -v org="$bidder_org" >/dev/null <<'EOF'
UPDATE organizations SET status = 'verified' WHERE id = :'org';
CREATE TABLE bench_bid_listings AS
SELECT row_number() OVER (ORDER BY id) AS n, id FROM listings
WHERE status = 'published' AND pricing_mode = 'negotiable'
  AND 'exclusive_license' = ANY (transaction_modes) AND org_id <> :'org';
CREATE UNIQUE INDEX ON bench_bid_listings (n);
GRANT SELECT ON bench_bid_listings TO techex;
ANALYZE bench_bid_listings;
EOF
call 200 -H 'Content-Type: application/json' --data-binary @- "$base/v1/auth/login" <<EOF
{"email":"bidder@techex.example","password":"$password"}
EOF
bidder_token=$(python3 -c 'import json, sys; print(json.load(sys.stdin)["token"])' <"$work/body")
sh scripts/pg.sh psql "$pgdir" -tA -c "SELECT id FROM bench_bid_listings" >"$work/bid-ids"
bid_listings=$(grep -c . "$work/bid-ids")
# the write ceiling: every statement of one bid as one transaction, 8 clients
# (the bidder's session is looked up by its token's hash, as the server does);
# the same without the bid's event (what recording events costs); and the
# server's bids: in alternate rounds, so that drift on the shared machine
# (autovacuum, checkpoints, the tables growing) hits all three alike
token_hash="\\x$(printf %s "$bidder_token" | sha256sum | cut -d' ' -f1)"
BENCH_BID_IDS_FILE="$work/bid-ids" BENCH_TOKEN=$bidder_token
export BENCH_BID_IDS_FILE BENCH_TOKEN
bid_pgbench() { # DURATION SCRIPT
	run_pgbench "$1" 8 "$2" -D nlistings="$bid_listings" -D org="$bidder_org" \
		-D usr="$bidder_user" -D token_hash="$token_hash"
}
# bench/bid_create.sql less the event's statement (the one line that starts WITH ev)
grep -v '^WITH ev AS' bench/bid_create.sql >"$work/bid_create_no_event.sql"
say "bids: pgbench with and without the event, and wrk, $rounds alternate rounds of ${dur}s"
bid_pgbench "$warmup" bench/bid_create.sql >/dev/null
run_wrk "$warmup" "/v1/listings/{id}/bids" >/dev/null
: >"$work/pgbench-bids.rounds"
: >"$work/pgbench-bids-plain.rounds"
: >"$work/bids.rounds"
profile_start bids
r=1
while [ $r -le "$rounds" ]; do
	bid_pgbench "$dur" bench/bid_create.sql >>"$work/pgbench-bids.rounds"
	bid_pgbench "$dur" "$work/bid_create_no_event.sql" >>"$work/pgbench-bids-plain.rounds"
	profile_resume bids
	run_wrk "$dur" "/v1/listings/{id}/bids" >>"$work/bids.rounds"
	profile_pause bids
	alive "bids round $r"
	r=$((r + 1))
done
cp "$work/pgbench-bids.rounds" "$work/pgbench-bids-events.rounds"
rss_kb >"$work/bids.rss"
unset BENCH_BID_IDS_FILE BENCH_TOKEN
bids_made=$(sh scripts/pg.sh psql "$pgdir" -tA -c "SELECT count(*) FROM bids")

# revenue: the seller confirms payments spread over 8 active contracts (a
# contract's ledger is one chain, appended one confirmation at a time), then
# the bidder downloads its statement of every one of them
say "setting up 8 active contracts and $payments reported payments"
sh scripts/pg.sh psql "$pgdir" -q -v ON_ERROR_STOP=1 -v email="$email" >/dev/null <<'EOF'
UPDATE organizations SET status = 'verified'
WHERE id = (SELECT org_id FROM users WHERE email = :'email');
EOF
TECHEX_ADMIN_PASSWORD=$password "$bin" admin create --email benchadmin@techex.example \
	>"$work/admin.out" 2>&1 || { cat "$work/admin.out" >&2; die "admin create failed"; }
call 200 -H 'Content-Type: application/json' --data-binary @- "$base/v1/auth/login" <<EOF
{"email":"benchadmin@techex.example","password":"$password"}
EOF
admin_token=$(python3 -c 'import json, sys; print(json.load(sys.stdin)["token"])' <"$work/body")
python3 bench/revenue_setup.py contracts "$base" "$token" "$bidder_token" "$admin_token" 8 \
	>"$work/contracts" || die "the revenue set-up failed"
cids="{$(paste -sd, "$work/contracts")}"
insert_payments "$cids" "$payments" 2025-06-01 second 基准付款 >"$work/payment-ids"
BENCH_CONFIRM_IDS_FILE="$work/payment-ids" BENCH_TOKEN=$token
export BENCH_CONFIRM_IDS_FILE BENCH_TOKEN
profile_start confirm
profile_resume confirm
bench_wrk confirm "/v1/payments/{id}/confirm"
profile_pause confirm
unset BENCH_CONFIRM_IDS_FILE BENCH_TOKEN
# the statement: 3,334 payments paid in 2024 on the first contract, confirmed
# one by one (3 entries each: 10,002 ledger entries), then read as a whole
say "confirming 3334 payments for the statement"
insert_payments "{$(head -n 1 "$work/contracts")}" 3334 2024-03-01 hour 对账单付款 \
	>"$work/statement-ids"
python3 bench/revenue_setup.py confirm "$base" "$token" "$work/statement-ids" ||
	die "confirming the statement's payments failed"
statement_entries=$(sh scripts/pg.sh psql "$pgdir" -tA -c "SELECT count(*) FROM ledger_entries e JOIN payments p ON p.id = e.payment_id WHERE p.reference LIKE '对账单付款 %'")
bidder_org_id=$bidder_org
saved_conns=$conns
conns=1
bench_wrk statement1 "/v1/orgs/$bidder_org_id/statement?from=2024-01-01&to=2024-12-31" \
	-H "Authorization: Bearer $bidder_token" --timeout 10s
conns=$saved_conns
bench_wrk stats "/v1/stats"
"$bin" check >"$work/check.out" 2>&1 && check_result="passes" ||
	{ check_result="FAILS"; head -n 20 "$work/check.out" >&2; }

# 1,000 idle keep-alive connections, each having made one request
say "holding 1000 idle keep-alive connections"
set -- $(python3 bench/probe.py idle "$port" "$server_pid" 1000) || die "the idle-connection probe failed"
idle_held=$1
rss_1000=$2
alive "holding 1000 idle connections"

sleep 2
alive "the idle period after the runs"
rss_end=$(rss_kb)
hwm=$(hwm_kb)
threads_end=$(threads)
stop_server

# the worker sweep: reads the workers answer, at 64 connections, for each TECHEX_WORKERS
saved_dur=$dur
dur=$sweep_dur
for w in 1 2 4 8 16; do
	say "TECHEX_WORKERS=$w"
	start_server "$w"
	BENCH_ORG_COUNT=$orgs
	export BENCH_ORG_COUNT
	bench_wrk "sweep-orgs-$w" "/v1/orgs/{id}"
	unset BENCH_ORG_COUNT
	stop_server
done
# bids for each TECHEX_WORKER_TRANSACTIONS (default workers): transactions in flight
for t in 1 2 4 8 16; do
	say "TECHEX_WORKER_TRANSACTIONS=$t"
	TECHEX_WORKER_TRANSACTIONS=$t
	export TECHEX_WORKER_TRANSACTIONS
	start_server "${TECHEX_WORKERS:-}"
	BENCH_BID_IDS_FILE="$work/bid-ids" BENCH_TOKEN=$bidder_token
	export BENCH_BID_IDS_FILE BENCH_TOKEN
	bench_wrk "txsweep-$t" "/v1/listings/{id}/bids"
	unset BENCH_BID_IDS_FILE BENCH_TOKEN TECHEX_WORKER_TRANSACTIONS
	stop_server
done
# the same anonymous listing reads for each TECHEX_LOOP_CONNECTIONS (0: workers answer)
for lc in 0 1 2 4; do
	say "TECHEX_LOOP_CONNECTIONS=$lc"
	TECHEX_LOOP_CONNECTIONS=$lc
	export TECHEX_LOOP_CONNECTIONS
	start_server "${TECHEX_WORKERS:-}"
	BENCH_IDS_FILE="$work/listing-ids"
	export BENCH_IDS_FILE
	bench_wrk "loopsweep-$lc" "/v1/listings/{id}"
	unset BENCH_IDS_FILE TECHEX_LOOP_CONNECTIONS
	stop_server
done
dur=$saved_dur

# Where a bid's work goes, after the measured rounds (so that the statistics
# cost nothing there): PostgreSQL restarted with pg_stat_statements, one wrk
# run of bids, the CPU that PostgreSQL's processes, the server and the rest of
# the machine (wrk, the kernel's network work) used meanwhile, from /proc, and
# each statement's share of PostgreSQL's execution time and its WAL.
# cpu_ticks: "machine-busy postgres server", clock ticks since boot
cpu_ticks() {
	busy=$(awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9 }' /proc/stat)
	pg=0
	for proc in /proc/[0-9]*; do
		[ "$(cat "$proc/comm" 2>/dev/null)" = postgres ] || continue
		t=$(awk '{ print $14 + $15 }' "$proc/stat" 2>/dev/null) || continue
		pg=$((pg + ${t:-0}))
	done
	echo "$busy $pg $(awk '{ print $14 + $15 }' "/proc/$server_pid/stat")"
}
# (PostgreSQL's log is counted before its restart ends the sessions still open)
pg_errors=$(grep -c 'ERROR\|FATAL\|PANIC' "$(readlink -f "$pgdir/data")/server.log" 2>/dev/null || true)
say "profiling one run of bids with pg_stat_statements"
sh scripts/pg.sh psql "$pgdir" -q -c "ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements'" >/dev/null
sh scripts/pg.sh stop "$pgdir"
sh scripts/pg.sh start "$pgdir"
sh scripts/pg.sh psql "$pgdir" -q -c "CREATE EXTENSION IF NOT EXISTS pg_stat_statements" \
	-c "ALTER SYSTEM SET pg_stat_statements.track = 'all'" -c "SELECT pg_reload_conf()" >/dev/null
start_server "${TECHEX_WORKERS:-}"
BENCH_BID_IDS_FILE="$work/bid-ids" BENCH_TOKEN=$bidder_token
export BENCH_BID_IDS_FILE BENCH_TOKEN
run_wrk "$warmup" "/v1/listings/{id}/bids" >/dev/null
sh scripts/pg.sh psql "$pgdir" -q -c "SELECT pg_stat_statements_reset()" >/dev/null
cpu_before=$(cpu_ticks)
run_wrk "$dur" "/v1/listings/{id}/bids" >"$work/bids-profiled.rounds"
cpu_after=$(cpu_ticks)
unset BENCH_BID_IDS_FILE BENCH_TOKEN
profiled_bids=$(awk -v d="$dur" '{ printf "%.0f", $1 * d }' "$work/bids-profiled.rounds")
echo "$cpu_before $cpu_after $(getconf CLK_TCK) $profiled_bids" >"$work/bids-cpu"
sh scripts/pg.sh psql "$pgdir" -tA -F'	' -v bids="$profiled_bids" >"$work/bids-statements" <<'SQL'
SELECT round(calls::numeric / :bids, 2), round(mean_exec_time::numeric * 1000),
       round(100 * total_exec_time / sum(total_exec_time) FILTER (WHERE toplevel) OVER ())::int,
       round(wal_bytes / calls), round(mean_plan_time::numeric * 1000, 1),
       CASE WHEN toplevel THEN 'the server' ELSE 'a trigger' END,
       left(replace(regexp_replace(query, '\s+', ' ', 'g'), '|', '\|'), 90)
FROM pg_stat_statements
WHERE dbid = (SELECT oid FROM pg_database WHERE datname = 'techex') AND calls >= :bids / 2
ORDER BY total_exec_time DESC LIMIT 14
SQL
stop_server

# how soon `serve` answers: fork to the first 200 from /healthz, 5 times
say "timing serve until /healthz answers"
python3 bench/probe.py ready "$bin" "$port" 5 >"$work/ready" || die "the start-up probe failed"
log_lines=$(grep -c . "$server_log" 2>/dev/null || true)

# ---- the report -----------------------------------------------------------
# col FILE N: "median min max" of column N
col() {
	cut -d' ' -f"$2" "$1" | sort -g | awk '{ v[NR] = $1 }
		END { m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; print m, v[1], v[NR] }'
}
sum() { cut -d' ' -f"$2" "$1" | awk '{ s += $1 } END { print s + 0 }'; }
mib() { awk -v k="$1" 'BEGIN { printf "%.1f MiB", k / 1024 }'; }
ms() { awk -v u="$1" 'BEGIN { printf "%.2f ms", u / 1000 }'; }

set -- $(col "$work/pgbench.rounds" 1)
pg_med=$1
pg_row=$(awk -v m="$1" -v lo="$2" -v hi="$3" 'BEGIN { printf "%.0f tps (%.0f–%.0f)", m, lo, hi }')
pg_failed=$(sum "$work/pgbench.rounds" 2)

wrk_row() {
	name=$1
	label=$2
	set -- $(col "$work/$name.rounds" 1)
	rate=$(awk -v m="$1" -v lo="$2" -v hi="$3" 'BEGIN { printf "%.0f req/s (%.0f–%.0f)", m, lo, hi }')
	ratio=$(awk -v m="$1" -v p="${ceiling:-$pg_med}" 'BEGIN { printf "%.2f", m / p }')
	p50=$(ms "$(col "$work/$name.rounds" 2 | cut -d' ' -f1)")
	p99=$(ms "$(col "$work/$name.rounds" 3 | cut -d' ' -f1)")
	errs=""
	for k in 5:connect 6:read 7:write 8:timeout; do
		n=$(sum "$work/$name.rounds" "${k%%:*}")
		[ "$n" -eq 0 ] || errs="${errs:+$errs, }$n ${k#*:}"
	done
	bad="$(sum "$work/$name.rounds" 4) / ${errs:-0}"
	echo "| $label | $rate | $p50 | $p99 | $ratio | $bad | $(mib "$(cat "$work/$name.rss")") |"
}

# targets: "value ok|MISSED"
ratio_of() { awk -v m="$(col "$work/$1.rounds" 1 | cut -d' ' -f1)" -v p="$2" 'BEGIN { printf "%.2f", m / p }'; }
p99_ms() { awk -v u="$(col "$work/$1.rounds" 3 | cut -d' ' -f1)" 'BEGIN { printf "%.1f", u / 1000 }'; }
at_least() { awk -v v="$1" -v t="$2" 'BEGIN { print (v >= t ? "met" : "**missed**") }'; }
at_most() { awk -v v="$1" -v t="$2" 'BEGIN { print (v <= t ? "met" : "**missed**") }'; }
# how far the farthest round is from the median, in % of the median
spread() {
	col "$work/$1.rounds" 1 | awk '{ lo = ($1 - $2) / $1; hi = ($3 - $1) / $1
		printf "%.1f", 100 * (lo > hi ? lo : hi) }'
}
set -- $(col "$work/pgbench-bids.rounds" 1)
write_ceiling=$1
# the event's cost: 1 - (with it ÷ without it), medians of alternate rounds
events_ratio=$(awk -v m="$(col "$work/pgbench-bids-events.rounds" 1 | cut -d' ' -f1)" \
	-v p="$(col "$work/pgbench-bids-plain.rounds" 1 | cut -d' ' -f1)" 'BEGIN { printf "%.3f", m / p }')
events_cost=$(awk -v r="$events_ratio" 'BEGIN { printf "%.1f", (1 - r) * 100 }')
set -- $(sort -g "$work/ready" | awk '{ v[NR] = $1 } END { print v[(NR + 1) / 2], v[1], v[NR] }')
ready_med=$1
ready_row="$1 ms ($2–$3)"
rss_idle_mib=$(awk -v k="$rss_idle" 'BEGIN { printf "%.1f", k / 1024 }')
rss_1000_mib=$(awk -v k="$rss_1000" 'BEGIN { printf "%.1f", k / 1024 }')

commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
git diff --quiet HEAD 2>/dev/null || commit="$commit+changes"
mkdir -p "$results"
{
	echo "## TechEx benchmark — $(date -u '+%Y-%m-%d %H:%M UTC'), $commit"
	echo
	echo "$(nproc) cores, $(uname -m); server on 127.0.0.1:$port with TECHEX_WORKERS=${TECHEX_WORKERS:-default}, TECHEX_LOOP_CONNECTIONS=$loop_conns ($threads_idle threads), TECHEX_LOG_LEVEL=warn;" \
		"PostgreSQL $(pgbench --version | awk '{ print $3 }') with normal durability, $orgs seeded organizations, $listing_total listings."
	echo "wrk -t2 -c$conns --latency (Lua scripts pick random ids and make bodies); pgbench -n -M prepared -c 2 -j 2 with the SELECT of GET /v1/listings/{id}, captured from the PostgreSQL log (the read ceiling)."
	echo "$rounds rounds × ${dur} s after a ${warmup} s warm-up: median (min–max); p50/p99 are the medians over the rounds."
	echo "Everything shares the same $(nproc) cores (wrk, server, PostgreSQL, pgbench);" \
		"load average before: $load_start, after: $(cut -d' ' -f1-3 /proc/loadavg)."
	echo
	echo "| Benchmark | Throughput, median (min–max) | p50 | p99 | ÷ ceiling | non-2xx / socket errors | server RSS after it |"
	echo "|---|---|---|---|---|---|---|"
	echo "| pgbench: the SELECT of GET /v1/listings/{id}, 2 clients (read ceiling) | $pg_row | – | – | 1.00 | $pg_failed failed | – |"
	wrk_row listing "wrk GET /v1/listings/{id} ($(grep -c . "$work/listing-ids") published of $listing_total listings, random), anonymous: the I/O loop answers"
	wrk_row listing_auth "wrk GET /v1/listings/{id}, the same with a Bearer token: the I/O loop answers, the session checked in the same statement"
	wrk_row me "wrk GET /v1/me (Bearer token: the session, then the user)"
	wrk_row orgs "wrk GET /v1/orgs/{id} ($orgs ids, random)"
	wrk_row healthz "wrk GET /healthz (no database)"
	wrk_row search1 "wrk search q=赤泥, 1 connection"
	wrk_row search64 "wrk search q=赤泥, $conns connections"
	wrk_row filtered1 "wrk search domain+min_trl, sort=newest, 1 connection"
	wrk_row filtered64 "wrk search domain+min_trl, sort=newest, $conns connections"
	wrk_row login "wrk POST /v1/auth/login (argon2id, 200 users)"
	wrk_row login8 "wrk POST /v1/auth/login, 8 connections, during the next row"
	wrk_row healthz_login "wrk GET /healthz while 8 clients log in continuously"
	ceiling=$write_ceiling
	echo "| pgbench: every statement of one bid as one transaction (bench/bid_create.sql), 8 clients (write ceiling) | $(col "$work/pgbench-bids.rounds" 1 | awk '{ printf "%.0f tps (%.0f–%.0f)", $1, $2, $3 }') | – | – | 1.00 | $(sum "$work/pgbench-bids.rounds" 2) failed | – |"
	wrk_row bids "wrk POST /v1/listings/{id}/bids, an Idempotency-Key each ($bid_listings negotiable listings), ÷ the write ceiling"
	echo "| pgbench: the same with its event (bench/bid_create.sql), 8 clients, ÷ the same rounds without the event's statement | $(col "$work/pgbench-bids-events.rounds" 1 | awk '{ printf "%.0f tps (%.0f–%.0f)", $1, $2, $3 }') | – | – | $events_ratio | $(sum "$work/pgbench-bids-events.rounds" 2) failed | – |"
	ceiling=""
	wrk_row confirm "wrk POST /v1/payments/{id}/confirm, 8 contracts (each: 3 ledger entries, chained)"
	wrk_row statement1 "wrk GET /v1/orgs/{id}/statement of 3334 confirmed payments ($statement_entries ledger entries), 1 connection"
	wrk_row stats "wrk GET /v1/stats (every domain, over all listings and deals)"
	echo
	echo "| Server | RSS |"
	echo "|---|---|"
	echo "| just started | $(mib "$rss_start") |"
	echo "| idle after register + login, before the runs | $(mib "$rss_idle") |"
	echo "| holding 1,000 idle keep-alive connections ($idle_held answered again) | $(mib "$rss_1000") |"
	echo "| idle, 2 s after the last run | $(mib "$rss_end") (peak under load $(mib "$hwm"), $threads_end threads) |"
	echo "| \`serve\` to the first 200 from /healthz, 5 starts | $ready_row |"
	echo
	echo "TECHEX_WORKERS sweep, $conns connections, $rounds rounds × ${sweep_dur} s each (req/s, median; p99):"
	echo
	echo "| TECHEX_WORKERS | GET /v1/orgs/{id} (workers answer) | p99 |"
	echo "|---|---|---|"
	for w in 1 2 4 8 16; do
		echo "| $w | $(col "$work/sweep-orgs-$w.rounds" 1 | awk '{ printf "%.0f", $1 }') | $(p99_ms "sweep-orgs-$w") ms |"
	done
	echo
	echo "TECHEX_WORKER_TRANSACTIONS sweep (transactions each worker keeps in flight; default workers), bids at $conns connections, $rounds rounds × ${sweep_dur} s each:"
	echo
	echo "| TECHEX_WORKER_TRANSACTIONS | POST /v1/listings/{id}/bids | p50 | p99 |"
	echo "|---|---|---|---|"
	for t in 1 2 4 8 16; do
		echo "| $t | $(col "$work/txsweep-$t.rounds" 1 | awk '{ printf "%.0f", $1 }') | $(col "$work/txsweep-$t.rounds" 2 | awk '{ printf "%.1f", $1 / 1000 }') ms | $(p99_ms "txsweep-$t") ms |"
	done
	echo
	echo "TECHEX_LOOP_CONNECTIONS sweep (anonymous GET /v1/listings/{id}; 0: the workers answer), default workers, $conns connections, $rounds rounds × ${sweep_dur} s each:"
	echo
	echo "| TECHEX_LOOP_CONNECTIONS | GET /v1/listings/{id} | p99 |"
	echo "|---|---|---|"
	for lc in 0 1 2 4; do
		echo "| $lc | $(col "$work/loopsweep-$lc.rounds" 1 | awk '{ printf "%.0f", $1 }') | $(p99_ms "loopsweep-$lc") ms |"
	done
	echo
	echo "Where the workers' database sessions spend the write runs (pg_stat_activity of the techex-worker sessions, sampled every 0.1 s during the rounds; \"idle in transaction\": waiting for the server's next statement; \"idle\": no transaction), and how many commits one WAL fsync carried:"
	echo
	echo "| Run | sessions' states, share of samples | commits per WAL sync |"
	echo "|---|---|---|"
	profile_row bids "POST /v1/listings/{id}/bids"
	profile_row confirm "POST /v1/payments/{id}/confirm"
	echo
	echo "Where a bid's work goes: one more ${dur} s run of POST /v1/listings/{id}/bids after the rounds above, with PostgreSQL restarted with pg_stat_statements ($(awk '{ printf "%.0f", $1 }' "$work/bids-profiled.rounds") req/s). CPU from /proc, per bid:"
	echo
	echo "| PostgreSQL's processes | the server | the rest of the machine (wrk, the kernel) | all, of $(nproc) cores |"
	echo "|---|---|---|---|"
	awk '{ hz = $7; n = $8; busy = ($4 - $1) / hz; pg = ($5 - $2) / hz; srv = ($6 - $3) / hz
		printf "| %.0f µs | %.0f µs | %.0f µs | %.0f µs |\n", 1e6 * pg / n, 1e6 * srv / n,
			1e6 * (busy - pg - srv) / n, 1e6 * busy / n }' "$work/bids-cpu"
	echo
	echo "Each statement PostgreSQL ran for the bids, by its share of their execution time (pg_stat_statements, nested statements included: the FOREIGN KEY checks and the search-version trigger's query, sent by a trigger, whose time is also in the statement that fired it; shares are of the time of the statements the server sent; calls per bid a few percent over a whole number: bids still in flight when wrk stopped counting):"
	echo
	echo "| calls per bid | µs per call | share of execution | WAL bytes per call | planning µs | sent by | statement |"
	echo "|---|---|---|---|---|---|---|"
	awk -F'\t' '{ printf "| %s | %s | %s %% | %s | %s | %s | `%s` |\n", $1, $2, $3, $4, $5, $6, $7 }' "$work/bids-statements"
	echo
	echo "Targets (the performance issues), measured in this run:"
	echo
	echo "| Target | Measured | |"
	echo "|---|---|---|"
	v=$(ratio_of listing "$pg_med"); echo "| GET /v1/listings/{id} ≥ 0.30 × the read ceiling | $v × | $(at_least "$v" 0.30) |"
	v=$(p99_ms listing); echo "| GET /v1/listings/{id} p99 < 10 ms at $conns connections | $v ms | $(at_most "$v" 9.99) |"
	v=$(ratio_of listing_auth "$pg_med"); echo "| GET /v1/listings/{id} with a token ≥ 0.60 × the read ceiling | $v × | $(at_least "$v" 0.60) |"
	v=$(ratio_of me "$pg_med"); echo "| GET /v1/me ≥ 0.60 × the read ceiling | $v × | $(at_least "$v" 0.60) |"
	v=$(ratio_of bids "$write_ceiling"); echo "| bid creation ≥ 1.0 × the write ceiling | $v × | $(at_least "$v" 1.0) |"
	v=$(p99_ms bids); echo "| bid creation p99 ≤ 50 ms at $conns connections | $v ms | $(at_most "$v" 50) |"
	v=$(spread bids); echo "| bid creation: every round within 20 % of the median | $v % | $(at_most "$v" 20) |"
	v=$(col "$work/confirm.rounds" 1 | cut -d' ' -f1); echo "| payment confirmation ≥ 4 × 225 req/s (900) | $(printf %.0f "$v") req/s | $(at_least "$v" 900) |"
	v=$(spread confirm); echo "| payment confirmation: every round within 20 % of the median | $v % | $(at_most "$v" 20) |"
	echo "| the ledger exact afterwards (\`techex check\`) | $check_result | $([ "$check_result" = passes ] && echo met || echo '**missed**') |"
	echo "| recording the bid's event costs bid writes < 10 % | $events_cost % | $(at_most "$events_cost" 10) |"
	v=$(ratio_of search64 "$pg_med"); echo "| search q=赤泥 ≥ 0.15 × the read ceiling at $conns connections | $v × | $(at_least "$v" 0.15) |"
	v=$(p99_ms search64); echo "| search q=赤泥 p99 ≤ 25 ms at $conns connections | $v ms | $(at_most "$v" 25) |"
	v=$(p99_ms search1); echo "| search q=赤泥 p99 ≤ 50 ms at 1 connection | $v ms | $(at_most "$v" 50) |"
	v=$(p99_ms filtered1); echo "| filtered sort=newest p99 ≤ 10 ms at 1 connection | $v ms | $(at_most "$v" 10) |"
	echo "| RSS idle ≤ 16 MB | $rss_idle_mib MiB | $(at_most "$rss_idle" 15625) |"
	echo "| RSS holding 1,000 idle connections ≤ 64 MB | $rss_1000_mib MiB | $(at_most "$rss_1000" 62500) |"
	v=$(p99_ms healthz_login); echo "| /healthz p99 ≤ 20 ms while 8 clients log in | $v ms | $(at_most "$v" 20) |"
	echo "| \`serve\` ready within 200 ms | $ready_med ms | $(at_most "$ready_med" 200) |"
	echo
	echo "Listings loaded by \`techex seed-demo\` and bench/synthetic.sql ($listings) in ${seed_secs} s; $bids_made bids after the runs; \`techex check\` afterwards $check_result."
	echo
	echo "Server log at warn: $log_lines line(s); PostgreSQL log: $pg_errors ERROR/FATAL/PANIC line(s)."
	if [ "${log_lines:-0}" -gt 0 ]; then
		echo
		echo '```'
		sort "$server_log" | uniq -c | sort -rn | head -n 5 | cut -c1-200
		echo '```'
	fi
} >"$results/latest.md.tmp"
mv "$results/latest.md.tmp" "$results/latest.md"
cat "$results/latest.md"
