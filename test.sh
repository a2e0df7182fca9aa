#!/usr/bin/env bash
# Runs every test: the xunit projects (unit, golden bytes, the real kernel in throwaway network namespaces), the
# flowtable checks inside a flowtable-capable VM (tests/vm), PowerShell remoting over SSH to Node namespaces
# (tests/remoting), and the Pester tests of the module on this kernel and in the VM. First installs what a fresh Debian machine with the .NET SDK lacks (tools/install-prerequisites.sh: the
# Debian packages the tests use, pwsh and Pester 5; tests/vm installs qemu and its kernel itself). Needs root.
# Prints one closing line: "N passed, N failed, N skipped".
#
# Usage: ./test.sh [--no-vm]
set -uo pipefail
cd "$(dirname "$0")"

vm=1
[ "${1:-}" = "--no-vm" ] && vm=0

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
log=$work/log
status=0
passed=0
failed=0
skipped=0

# Adds the counts of a "N passed, N failed[, N skipped]" line (with an optional "prefix: ") to the totals.
count() {
  local line
  line=$(grep -E "^(${1}: )?[0-9]+ passed, [0-9]+ failed" "$log" | tail -1 | sed -E "s/^${1}: //")
  if [ -z "$line" ]; then
    failed=$((failed + 1))
    echo "test.sh: no result line from $2" >&2
    return
  fi
  passed=$((passed + $(echo "$line" | awk '{print $1}')))
  failed=$((failed + $(echo "$line" | awk '{print $3}')))
}

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
if ! tools/install-prerequisites.sh; then
  echo "test.sh: the prerequisites could not be installed (tools/install-prerequisites.sh failed); tests that need them will fail" >&2
  status=1
fi

dotnet test HostAccel.sln --nologo 2>&1 | tee "$log"
[ "${PIPESTATUS[0]}" -eq 0 ] || status=1
passed=$(grep -Eo 'Passed: +[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
failed=$(grep -Eo 'Failed: +[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
skipped=$(grep -Eo 'Skipped: +[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')

if [ "$vm" -eq 1 ]; then
  tests/vm/flowtable-checks.sh 2>&1 | tee "$log"
  [ "${PIPESTATUS[0]}" -eq 0 ] || status=1
  count "" "the VM flowtable checks"
  # The data-plane table's short profile: only its shape is checked (offload seen, a number in every cell).
  bench/dataplane/run.sh --profile short 2>&1 | tee "$log"
  [ "${PIPESTATUS[0]}" -eq 0 ] || status=1
  count "" "the data-plane benchmark (short profile)"
  # A removal reaches connections already offloaded (Remove-PeerPodCidr, a sync, Disable-Fastpath, a DNAT'd one).
  tests/vm/run.sh --timeout 900 -- pwsh -NoProfile -NonInteractive -File tests/vm/eviction-checks.ps1 2>&1 | tee "$log"
  [ "${PIPESTATUS[0]}" -eq 0 ] || status=1
  passed=$((passed + $(grep -c '^PASS: ' "$log" || true)))
  failed=$((failed + $(grep -c '^FAIL: ' "$log" || true)))
  grep -q '^eviction-checks: 0 failed' "$log" || { echo "test.sh: the eviction checks did not finish" >&2; failed=$((failed + 1)); }
else
  echo "VM flowtable checks not run (--no-vm)."
fi

# PowerShell remoting over SSH to 5 Node namespaces (tests/remoting; on this host only, never in the VM).
if command -v pwsh >/dev/null 2>&1; then
  tests/remoting/run.sh 2>&1 | tee "$log"
  [ "${PIPESTATUS[0]}" -eq 0 ] || status=1
  count remoting "the remoting tests"
  skipped=$((skipped + $(grep -Eo '^remoting: [0-9]+ passed, [0-9]+ failed, [0-9]+ skipped' "$log" | tail -1 | awk '{print $6}')))
fi

if command -v pwsh >/dev/null 2>&1; then
  # Tests that need flowtables skip themselves here and run in the VM; the few that need a kernel without
  # flowtables run here. What both skipped is reported as skipped.
  HOSTACCEL_PESTER_SKIPPED=$work/skipped-host pwsh -NoProfile -NonInteractive -File ./build.ps1 -Task Pester 2>&1 | tee "$log"
  [ "${PIPESTATUS[0]}" -eq 0 ] || status=1
  count pester "Pester on this kernel"
  if [ "$vm" -eq 1 ]; then
    mkdir -p "$work/vm"
    tests/vm/run.sh --timeout 1200 --results "$work/vm" --env HOSTACCEL_PESTER_SKIPPED=/run/vm/results/skipped-vm \
      -- pwsh -NoProfile -NonInteractive -File ./build.ps1 -Task Pester 2>&1 | tee "$log"
    [ "${PIPESTATUS[0]}" -eq 0 ] || status=1
    count pester "Pester in the VM"
    both=$(comm -12 <(sort -u "$work/skipped-host" 2>/dev/null) <(sort -u "$work/vm/skipped-vm" 2>/dev/null) | grep -c . || true)
    echo "Pester: $(grep -c . "$work/skipped-host" || true) tests skipped on this kernel, $(grep -c . "$work/vm/skipped-vm" || true) in the VM, ${both} in both."
    skipped=$((skipped + both))
  else
    skipped=$((skipped + $(grep -c . "$work/skipped-host" || true)))
    echo "Pester: the tests that need flowtables were skipped on this kernel (--no-vm)."
  fi
else
  echo "test.sh: pwsh not found, so the Pester tests in tests/Pester were not run" >&2
  status=1
fi

if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
  failed=1
fi
echo "${passed} passed, ${failed} failed, ${skipped} skipped"
exit "$status"
