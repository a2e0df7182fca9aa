#!/usr/bin/env bash
# The results table of Antrea's host network acceleration slides, measured with HostAccel in the flowtable VM
# (tests/vm): every traffic type × Default / Traffic Control / Flowtable / Flowtable with an offload threshold (and the
# by-hand nft control for Pod-to-Pod) × STREAM / RR / CRR, alternating rounds, medians and spread. Prints the markdown
# table and one "dataplane <type> <mode> <workload> gain=<x>" line per cell; draws the chart with gnuplot.
# Exits non-zero when a shape check failed (offload not seen, a cell without a number). Needs root.
#
# Usage: bench/dataplane/run.sh [--profile short|long] [--out DIR] [--chart FILE.svg]
#   short: 1 round × 1 s per measure (a few minutes; ./test.sh runs it and checks the shape only)
#   long:  3 rounds × 3 s per measure (about 20 minutes; the README's table)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

profile=short out= chart=
while (($#)); do
	case $1 in
	--profile) profile=${2:?}; shift 2 ;;
	--out) out=${2:?}; shift 2 ;;
	--chart) chart=${2:?}; shift 2 ;;
	*) sed -n '8,10p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
	esac
done
case $profile in
short) rounds=1 seconds=1 icount_shift=4 ;;
long) rounds=3 seconds=3 icount_shift=2 ;;
*) echo "dataplane: --profile is short or long" >&2; exit 2 ;;
esac
out=${out:-bench/dataplane/out/$profile}
mkdir -p "$out" bench/dataplane/out

# The guest's root is the host's, read-only: build here, run there.
gcc -O2 -Wall -o bench/dataplane/out/tcprr bench/dataplane/tcprr.c
dotnet build tests/HostAccel.VmChecks -c Release --nologo -v quiet -clp:ErrorsOnly
rc=0
# One vCPU whose clock counts instructions (qemu -icount, idle time skipped): the rates are then a matter of how many
# instructions each packet costs, not of how busy the host is. In real time they were not: with two vCPUs each wake-up
# of an idle vCPU thread waited for the host's scheduler (RR and CRR about 150/s whatever the mode, load average 17),
# and with one vCPU in real time the same configuration's stream ranged 50-350 Mbit/s from one minute to the next.
# The driver compiles each method once, fully optimised (no tiering): no background re-JIT on the guest's one vCPU
# during a measure. The short profile's guest runs at 1/4 of the long one's instructions per guest second: a second of it takes a
# quarter of the host's time, and only its shape is checked.
HOSTACCEL_VM_CPUS=1 HOSTACCEL_VM_ICOUNT=${HOSTACCEL_VM_ICOUNT:-$icount_shift} tests/vm/run.sh --timeout 3600 --results "$out" --env "HOSTACCEL_TCPRR=$PWD/bench/dataplane/out/tcprr" \
	--env DOTNET_TieredCompilation=0 -- \
	dotnet tests/HostAccel.VmChecks/bin/Release/net10.0/HostAccel.VmChecks.dll --only dataplane --rounds "$rounds" --seconds "$seconds" || rc=$?

if [[ -n $chart && -s $out/dataplane-gains.dat ]]; then
	if command -v gnuplot >/dev/null; then
		gnuplot -e "data='$out/dataplane-gains.dat'; output='$chart'" bench/dataplane/gains.gp
		echo "dataplane: chart written to $chart"
	else
		echo "dataplane: gnuplot not found (apt-get install gnuplot-nox): no chart" >&2
	fi
fi
exit "$rc"
