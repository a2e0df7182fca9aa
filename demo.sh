#!/usr/bin/env bash
# The main job, shown without touching the host: demo.ps1 enables Antrea's flowtable acceleration with the module's
# cmdlets on a Node in throwaway network namespaces, sends a TCP transfer across it and shows the flow offloaded and
# the counters; `./demo.sh -Mode TrafficControl` shows the Traffic Control mode instead (clsact and flower redirects,
# the Node's forward chain counting none of the traffic). On a kernel without flowtables (or without cls_flower,
# act_pedit, act_csum) it runs in the VM of tests/vm. Needs root; installs what is
# missing first (tools/install-prerequisites.sh: iproute2, nftables, iperf3, conntrack …, and pwsh from the NuGet feed).
set -euo pipefail
cd "$(dirname "$0")"
tools/install-prerequisites.sh >/dev/null
exec pwsh -NoProfile -NonInteractive -File ./demo.ps1 "$@"
