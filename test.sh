#!/usr/bin/env bash
# Runs every test: the xunit projects (unit, golden bytes, the real kernel in throwaway network namespaces), the
# flowtable checks inside a flowtable-capable VM (tests/vm), and Pester where pwsh exists. Needs root.
# Prints one closing line: "N passed, N failed".
#
# Usage: ./test.sh [--no-vm]
set -uo pipefail
cd "$(dirname "$0")"

vm=1
[ "${1:-}" = "--no-vm" ] && vm=0

log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0

dotnet test HostAccel.sln --nologo 2>&1 | tee "$log"
[ "${PIPESTATUS[0]}" -eq 0 ] || status=1
passed=$(grep -Eo 'Passed: +[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
failed=$(grep -Eo 'Failed: +[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
skipped=$(grep -Eo 'Skipped: +[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')

if [ "$vm" -eq 1 ]; then
  tests/vm/flowtable-checks.sh 2>&1 | tee "$log"
  [ "${PIPESTATUS[0]}" -eq 0 ] || status=1
  counts=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$log" | tail -1)
  passed=$((passed + $(echo "${counts:-0 passed}" | awk '{print $1}')))
  failed=$((failed + $(echo "${counts:-0 passed, 0 failed}" | awk '{print $3}')))
else
  echo "VM flowtable checks not run (--no-vm)."
fi

if command -v pwsh >/dev/null 2>&1; then
  pwsh -NoProfile -File ./build.ps1 -Task Test || status=1
else
  echo "pwsh not found: the Pester tests in tests/Pester were not run (install PowerShell 7.4+ to run them)."
fi

if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
  failed=1
fi
echo "${passed} passed, ${failed} failed, ${skipped} skipped"
exit "$status"
