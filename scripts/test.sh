#!/usr/bin/env bash
# The test command (README): installs what the tests need (PostgreSQL, Azurite, the headless
# chromium the dashboard tests drive; the TorchSharp loader fix needs nothing, the build applies it),
# builds with warnings as errors, runs every test project against real servers, checks the Helm
# chart and Dockerfile.gpu, and prints one summary line.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"

scripts/install-test-deps.sh
dotnet build RlhfPlatform.sln --nologo -v quiet -clp:ErrorsOnly

results="$(mktemp -d)"
trap 'rm -rf "$results"' EXIT
status=0
dotnet test RlhfPlatform.sln --no-build --nologo --logger trx --results-directory "$results" || status=$?
deploy/check-chart.sh || status=$?
# Dockerfile.gpu without Docker: every COPY source exists, and the CPU variant's restore and publish succeed.
deploy/check-dockerfile.py || status=$?

count() { # sum one attribute of every TRX <Counters> element
  grep -ho "<Counters [^>]*" "$results"/*.trx 2>/dev/null | grep -o " $1=\"[0-9]*\"" | grep -o "[0-9]*" | awk '{ s += $1 } END { print s + 0 }'
}
passed=$(count passed); failed=$(count failed); total=$(count total); executed=$(count executed)
passed=${passed:-0}; failed=${failed:-0}; total=${total:-0}; executed=${executed:-0}
skipped=$((total - executed))
echo "tests: $passed passed, $failed failed, $skipped skipped"
[ "$total" -gt 0 ] || { echo "no tests ran" >&2; exit 1; }
exit "$status"
