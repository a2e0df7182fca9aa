#!/usr/bin/env bash
# Mutation testing of the native layer (src/HostAccel.Native) with Stryker.NET against its own tests
# (tests/HostAccel.Native.Tests): a long profile, hours on 2 cores, not part of CI or ./test.sh. Needs root: the
# tests that kill most mutants run on the real kernel in throwaway namespaces.
#
# The slowest tests are left out of each mutant's run (tools/stryker-native.json: the 100 000-element scale and
# fault tests, the fuzzer and the privilege probe); everything else runs, each mutant against the tests that cover it.
# Reports: out/mutation/<timestamp>/reports/mutation-report.html and .json; the score is on the last lines.
#
# Usage: tools/mutation.sh [extra dotnet-stryker options, e.g. --mutate "**/IpPrefix.cs"]
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

stryker=${STRYKER:-/opt/stryker/dotnet-stryker}
if [ ! -x "$stryker" ]; then
  dotnet tool install --tool-path /opt/stryker dotnet-stryker --version 5.1.0
  stryker=/opt/stryker/dotnet-stryker
fi

output="$root/out/mutation/$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$output"
cd tests/HostAccel.Native.Tests
HOSTACCEL_FUZZ_CASES=${HOSTACCEL_FUZZ_CASES:-2000} \
  "$stryker" --config-file "$root/tools/stryker-native.json" --output "$output" "$@"
