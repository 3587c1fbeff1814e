#!/bin/sh
# Installs the Debian packages TechEx needs that are missing, saying what it installs.
# Usage: deps.sh run|test|bench|lint|fuzz|cluster|all
set -eu
purpose=${1:-all}

build="gcc make pkg-config libevent-dev libpq-dev libssl-dev libjansson-dev libargon2-dev libunistring-dev libcurl4-openssl-dev gettext"
server="postgresql curl"
tests="python3 openssl curl clang-format valgrind python3-aiosmtpd"
fuzz="clang libclang-rt-14-dev"
bench="wrk postgresql-contrib"
lint="nodejs npm"
cluster="haproxy"

case "$purpose" in
	run) want="$build $server" ;;
	test) want="$build $server $tests" ;;
	bench) want="$build $server $tests $bench" ;;
	lint) want="$lint" ;;
	cluster) want="$build $server $tests $cluster" ;;
	fuzz) want="$build $fuzz" ;;
	all) want="$build $server $tests $bench" ;;
	*) echo "usage: $0 run|test|bench|lint|fuzz|cluster|all" >&2; exit 2 ;;
esac

# the linter needs Node.js and npm; any installation will do
if [ "$purpose" = lint ] && command -v npm >/dev/null 2>&1 && command -v node >/dev/null 2>&1; then
	exit 0
fi

missing=""
for p in $want; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0

echo "techex: installing missing Debian packages:$missing"
if [ "$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
# refresh the package lists when they are missing or older than a day
if [ -z "$(find /var/lib/apt/lists -maxdepth 1 -name '*Packages*' -mtime -1 2>/dev/null | head -n 1)" ]; then
	$sudo apt-get update -qq
fi
# shellcheck disable=SC2086
$sudo apt-get install -y -qq --no-install-recommends $missing >/dev/null
echo "techex: installed:$missing"
