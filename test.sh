#!/usr/bin/env bash
# Runs every test: the xunit projects (real kernel, in throwaway network namespaces; needs root), then Pester
# where pwsh exists. Prints one closing line: "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")"

log=$(mktemp)
trap 'rm -f "$log"' EXIT
dotnet test HostAccel.sln --nologo 2>&1 | tee "$log"
status=${PIPESTATUS[0]}

passed=$(grep -Eo 'Passed: +[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
failed=$(grep -Eo 'Failed: +[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
skipped=$(grep -Eo 'Skipped: +[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')

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
