#!/usr/bin/env bash
# The fan-out time of samples/Sync-Cluster.ps1 over a rig of N Nodes (rig.sh), all up: the first run (every Node
# synced) and the second (nothing to do), each from the pipeline to the last report, as the README quotes them.
#
# Usage: tests/remoting/measure.sh [N...]    (default: 5 20)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
for n in "${@:-5 20}"; do
  for count in $n; do
    "$here/rig.sh" --nodes "$count" -- pwsh -NoProfile -NonInteractive -Command '
      Import-Module "'"$here"'/../../out/HostAccel/HostAccel.psd1"
      $configurations = ConvertTo-AccelConfiguration -Path (Join-Path $env:HOSTACCEL_RIG cluster.json) -Traffic None
      $ssh = @{ UserName = "root"; KeyFilePath = $env:HOSTACCEL_RIG_KEY; SshOption = @{ UserKnownHostsFile = $env:HOSTACCEL_RIG_KNOWN_HOSTS } }
      foreach ($run in "first", "second") {
          $time = Measure-Command { $reports = $configurations | & "'"$here"'/../../samples/Sync-Cluster.ps1" @ssh }
          $statuses = ($reports | Group-Object Status | ForEach-Object { "$($_.Count) $($_.Name)" }) -join ", "
          "{0,2} Nodes, {1} run: {2:0.0} s ({3})" -f $configurations.Count, $run, $time.TotalSeconds, $statuses
      }'
  done
done
