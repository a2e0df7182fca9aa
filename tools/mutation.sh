#!/usr/bin/env bash
# Mutation testing with Stryker.NET: a long profile, hours on 2 cores, not part of CI or ./test.sh. Needs root: the
# tests that kill most mutants run on the real kernel in throwaway namespaces.
#   native  src/HostAccel.Native against tests/HostAccel.Native.Tests (tools/stryker-native.json)
#   engine  src/HostAccel.PowerShell/Engine against tests/HostAccel.PowerShell.Tests (tools/stryker-engine.json)
#
# The slowest tests are left out of each mutant's run (the 100 000-element scale and fault tests, the fuzzer, the
# sync property tests, the privilege probes, the cmdlet contract); everything else runs, each mutant against the
# tests that cover it. Reports: out/mutation/<profile>-<timestamp>/reports/mutation-report.html and .json; the score
# is on the last lines, with tools/mutation-score.ps1's (which also leaves out the survivors only another kernel
# can detect, tools/mutation-triage.txt). Run a batch of files at a time (--mutate) to get a report per batch.
#
# Usage: tools/mutation.sh [native|engine] [extra dotnet-stryker options, e.g. --mutate "**/IpPrefix.cs"]
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

stryker=${STRYKER:-/opt/stryker/dotnet-stryker}
if [ ! -x "$stryker" ]; then
  dotnet tool install --tool-path /opt/stryker dotnet-stryker --version 5.1.0
  stryker=/opt/stryker/dotnet-stryker
fi

profile=native
case "${1:-}" in native | engine) profile=$1; shift ;; esac
tests=$([ "$profile" = native ] && echo HostAccel.Native.Tests || echo HostAccel.PowerShell.Tests)

output="$root/out/mutation/$profile-$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$output"
cd "tests/$tests"
# A mutant can make a test lose its namespace (a name mutated away, a setns skipped) and write where it runs: the
# whole run is in a network namespace of its own (loopback up, for the test hosts' sockets), so what such a mutant
# writes lands there and goes with it, never in the host's ruleset, devices or qdiscs. That namespace has no route
# out, so NuGet's audit (which fetches vulnerability data, and fails the build as a warning made an error) is off:
# the packages are restored first, with the network.
# The engine's tests get PowerShell's runtime assembly in a mutation run (see their project file).
export HostAccelMutationRun=true
(cd "$root/tests/$tests" && dotnet restore --verbosity quiet)
NuGetAudit=false HOSTACCEL_FUZZ_CASES=${HOSTACCEL_FUZZ_CASES:-2000} \
  unshare --net -- sh -c 'ip link set lo up && exec "$@"' sh \
  "$stryker" --config-file "$root/tools/stryker-$profile.json" --output "$output" "$@"
# Test namespaces of runs Stryker ended at their timeout are left behind.
for ns in $(ip netns list 2>/dev/null | awk '$1 ~ /^ha-test-/ { print $1 }'); do ip netns del "$ns" 2>/dev/null || true; done
# Both scores, every mutant and what this host's kernel can run (tools/mutation-triage.txt lists the rest).
if command -v pwsh >/dev/null; then pwsh -NoProfile -File "$root/tools/mutation-score.ps1" "$output/reports/mutation-report.json"; fi
