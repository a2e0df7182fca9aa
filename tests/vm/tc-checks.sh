#!/usr/bin/env bash
# Builds tests/HostAccel.VmChecks and runs its Traffic Control checks inside the VM, whose Debian kernel has
# cls_flower, act_pedit, act_csum and act_gact (this host's has not): the demo topology with clsact, TTL guards and
# flower redirects planned from the Node's routes and neighbours, ping, iperf3 and connect/request/close both ways
# and both families, the Node's forward chain and forwarding counters at zero, the MACs and TTLs that arrive. Needs root.
#
# Usage: tests/vm/tc-checks.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

# The guest's root is the host's, read-only: build here, run the DLL there.
dotnet build tests/HostAccel.VmChecks -c Release --nologo -v quiet -clp:ErrorsOnly
exec tests/vm/run.sh --timeout 900 -- dotnet tests/HostAccel.VmChecks/bin/Release/net10.0/HostAccel.VmChecks.dll --only tc
