#!/usr/bin/env bash
# The remoting tests (tests/remoting/Remoting.Tests.ps1): a rig of Node namespaces running sshd (rig.sh), node-4
# down and node-5 without CAP_NET_ADMIN, and Pester in the controller namespace over real SSH sessions. Skipped —
# with a line saying why — inside the flowtable VM (HOSTACCEL_IN_VM=1: no sshd there, and nothing it would add),
# without sshd (openssh-server) or without root. Needs the module staged (./build.ps1 -Task Build).
# Prints one closing line: "remoting: N passed, N failed, N skipped".
#
# Usage: tests/remoting/run.sh [--nodes N]    (default 5; at least 5)
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
nodes=5
[ "${1:-}" = "--nodes" ] && nodes=$2
[ "$nodes" -ge 5 ] 2>/dev/null || { echo "run.sh: --nodes takes 5 or more (node-4 and node-5 play the failing Nodes)" >&2; exit 2; }

skip() {
  echo "remoting: skipped: $1"
  echo "remoting: 0 passed, 0 failed, 1 skipped"
  exit 0
}
[ "${HOSTACCEL_IN_VM:-}" = 1 ] && skip "inside the flowtable VM"
PATH=$PATH:/usr/sbin:/sbin command -v sshd >/dev/null || skip "no sshd (openssh-server; tools/install-prerequisites.sh installs it)"
[ "$(id -u)" -eq 0 ] || skip "needs root (network namespaces, sshd)"

"$here/rig.sh" --nodes "$nodes" --down node-4 --unprivileged node-5 -- \
  pwsh -NoProfile -NonInteractive -Command '
    $ErrorActionPreference = "Stop"
    Import-Module Pester -MinimumVersion 5.0 -MaximumVersion 5.99
    $config = New-PesterConfiguration
    $config.Run.Path = "'"$here"'/Remoting.Tests.ps1"
    $config.Run.PassThru = $true
    $config.Output.Verbosity = "Detailed"
    $result = Invoke-Pester -Configuration $config
    Write-Host ("remoting: {0} passed, {1} failed, {2} skipped" -f $result.PassedCount, ($result.FailedCount + $result.FailedBlocksCount + $result.FailedContainersCount), $result.SkippedCount)
    if ($result.Result -ne "Passed") { exit 1 }'
