#!/usr/bin/env bash
# The main job, shown without touching the host: demo.ps1 enables Antrea's flowtable acceleration with the module's
# cmdlets on a Node in throwaway network namespaces, sends a TCP transfer across it and shows the flow offloaded and
# the counters. On a kernel without flowtables it runs in the flowtable VM of tests/vm. Needs root; installs pwsh
# from the NuGet feed when it is missing (tools/install-powershell.sh).
set -euo pipefail
cd "$(dirname "$0")"
command -v pwsh >/dev/null 2>&1 || tools/install-powershell.sh >/dev/null
exec pwsh -NoProfile -NonInteractive -File ./demo.ps1 "$@"
