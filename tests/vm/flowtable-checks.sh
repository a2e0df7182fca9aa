#!/usr/bin/env bash
# Builds tests/HostAccel.VmChecks and runs it inside the flowtable-capable VM: the flowtable half of the native
# layer's tests, seed 000's offload verified three ways, and the OFF/ON data-plane benchmark. The last line is
#   vm-flowtable: offloaded=… forward_packets=… sent_packets=… stream_gain=…% rr_gain=…%
# and the exit code is non-zero when a check failed or offload was not verified. Needs root.
#
# Usage: tests/vm/flowtable-checks.sh [--rounds N] [--seconds S] [--no-bench]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

# The guest's root is the host's, read-only: build here, run the DLL there.
dotnet build tests/HostAccel.VmChecks -c Release --nologo -v quiet -clp:ErrorsOnly
exec tests/vm/run.sh --timeout 900 -- dotnet tests/HostAccel.VmChecks/bin/Release/net10.0/HostAccel.VmChecks.dll "$@"
