#!/bin/sh
# Lints api-spec/openapi.yaml with Redocly CLI and the rules in api-spec/redocly.yaml.
# Redocly is installed on first use into .tools/ (npm, no global install).
# Exits non-zero when the spec has any finding or the linter cannot run.
#   REDOCLY_CLI_VERSION   the @redocly/cli version to install (default below)
set -eu
cd "$(dirname "$0")/.."

version=${REDOCLY_CLI_VERSION:-1.34.20}
redocly=.tools/node_modules/.bin/redocly

if [ ! -x "$redocly" ]; then
	command -v npm >/dev/null 2>&1 || {
		echo "lint-spec: npm is needed to install @redocly/cli (apt-get install nodejs npm)" >&2
		exit 2
	}
	echo "lint-spec: installing @redocly/cli@$version into .tools/" >&2
	npm install --prefix .tools --no-save --no-audit --no-fund --loglevel=error \
		"@redocly/cli@$version" >&2
fi

# no usage telemetry, no update check over the network
REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true
export REDOCLY_TELEMETRY REDOCLY_SUPPRESS_UPDATE_NOTICE
exec "$redocly" lint --config api-spec/redocly.yaml api-spec/openapi.yaml
