#!/bin/sh
# Runs the whole suite: table-driven unit tests, then integration tests that
# start a private PostgreSQL and the real server and speak HTTP to it.
# The last line is "N passed, N failed".
#   TECHEX_BIN   server binary (default bin/techex)
#   UNIT_BIN     unit test binary (default build/unit-tests)
#   TESTS        run only integration tests whose name contains this text
set -u
cd "$(dirname "$0")/.."
TECHEX_BIN=${TECHEX_BIN:-bin/techex}
UNIT_BIN=${UNIT_BIN:-build/unit-tests}
export TECHEX_BIN

pgdir=var/test-pg-$$
cleanup() {
	sh scripts/pg.sh stop "$pgdir" >/dev/null 2>&1
	data="$pgdir/data"
	[ -L "$data" ] && rm -rf "$(readlink "$data")"
	rm -rf "$pgdir"
}
trap cleanup EXIT INT TERM

unit_out=$("$UNIT_BIN" 2>&1)
unit_status=$?
echo "$unit_out"
unit_passed=$(echo "$unit_out" | sed -n 's/^unit: \([0-9]*\) passed, \([0-9]*\) failed$/\1/p')
unit_failed=$(echo "$unit_out" | sed -n 's/^unit: \([0-9]*\) passed, \([0-9]*\) failed$/\2/p')
[ -n "$unit_passed" ] || { unit_passed=0; unit_failed=1; echo "unit tests did not finish"; }
# a sanitizer or leak report fails the run even when every check passed
[ $unit_status -eq 0 ] || [ "$unit_failed" -gt 0 ] || unit_failed=1

# the fuzz harnesses, built without libFuzzer, replay their corpus and every
# input that once crashed them (tests/fuzz/regressions)
for replay in "$(dirname "$UNIT_BIN")"/fuzz-replay-*; do
	[ -x "$replay" ] || continue
	t=${replay##*/fuzz-replay-}
	reg=tests/fuzz/regressions/$t
	[ -d "$reg" ] || reg=
	if out=$("$replay" "tests/fuzz/corpus/$t" $reg 2>&1); then
		echo "PASS fuzz replay $t: $(echo "$out" | tail -n 1)"
		unit_passed=$((unit_passed + 1))
	else
		echo "$out" | tail -n 30
		echo "FAIL fuzz replay $t"
		unit_failed=$((unit_failed + 1))
	fi
done

# the plain build's unit tests again under valgrind's memcheck: no error, no leak
if [ "${TECHEX_SANITIZED:-0}" != 1 ]; then
	if vg_out=$(valgrind -q --error-exitcode=99 --leak-check=full \
		--errors-for-leak-kinds=definite,indirect,possible \
		--show-leak-kinds=definite,indirect,possible "$UNIT_BIN" 2>&1); then
		echo "PASS memcheck: the unit tests run under valgrind with no error and no leak"
		unit_passed=$((unit_passed + 1))
	else
		echo "$vg_out" | grep -v '^ok ' | tail -n 60
		echo "FAIL memcheck: valgrind reported errors or leaks in the unit tests"
		unit_failed=$((unit_failed + 1))
	fi
fi

echo "starting a private PostgreSQL in $pgdir"
if ! sh scripts/pg.sh start "$pgdir" fast; then
	echo "0 passed, 1 failed"
	exit 1
fi
PGDIR=$pgdir DATABASE_URL=$(sh scripts/pg.sh url "$pgdir")
export PGDIR DATABASE_URL
if ! "$TECHEX_BIN" migrate >/dev/null; then
	echo "migrations failed"
	echo "$unit_passed passed, $((unit_failed + 1)) failed"
	exit 1
fi

python3 tests/integration/run.py
status=$?
int_line=$(tail -n 1 var/integration-result 2>/dev/null)
int_passed=$(echo "$int_line" | sed -n 's/^\([0-9]*\) \([0-9]*\)$/\1/p')
int_failed=$(echo "$int_line" | sed -n 's/^\([0-9]*\) \([0-9]*\)$/\2/p')
[ -n "$int_passed" ] || { int_passed=0; int_failed=1; }
[ $status -eq 0 ] || [ "$int_failed" -gt 0 ] || int_failed=1

passed=$((unit_passed + int_passed))
failed=$((unit_failed + int_failed))
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
