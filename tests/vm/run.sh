#!/usr/bin/env bash
# Runs one command inside a throwaway VM that has a flowtable-capable kernel
# (Debian's own; the host kernel lacks CONFIG_NF_FLOW_TABLE). The guest sees the
# host's / read-only, so host tools and build outputs are usable as they are.
#
# Usage: tests/vm/run.sh [options] -- COMMAND [ARG]...
#   --timeout SECONDS   kill the VM after this long (default 600)
#   --results DIR       host directory the guest can write, seen in the guest
#                       as $VM_RESULTS (default: a temporary directory removed
#                       afterwards). Control files go to DIR/.vm/.
#   --env NAME=VALUE    export this in the guest (repeatable)
#   --verbose           stream the guest console (full kernel log) to stderr
# Environment: HOSTACCEL_VM_CPUS (2), HOSTACCEL_VM_MEM (MiB, 2048), HOSTACCEL_VM_ICOUNT (a shift:
#   guest time counts instructions, 2^shift ns each, and skips idle time, so that a benchmark's rates no longer
#   depend on the host's load; single-threaded TCG, for a 1-vCPU guest),
#   HOSTACCEL_VM_CACHE (see build.sh), VM_VERBOSE=1 (same as --verbose).
#
# The command runs as root in the host's current directory, with HOME=/tmp and
# fresh tmpfs on /tmp and /run. Its stdout/stderr are replayed on this script's
# stdout/stderr when the guest finishes, and its exit code becomes ours.
# Exit codes of our own: 124 timeout, 125 the guest never ran the command.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

die() { printf 'vm: %s\n' "$*" >&2; exit 125; }
usage() { sed -n '6,14p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2; exit 125; }

timeout=600
results=
verbose=${VM_VERBOSE:-0}
envs=()
while (($#)); do
	case $1 in
	--timeout) timeout=${2:?}; shift 2 ;;
	--timeout=*) timeout=${1#*=}; shift ;;
	--results) results=${2:?}; shift 2 ;;
	--results=*) results=${1#*=}; shift ;;
	--env) envs+=("${2:?}"); shift 2 ;;
	--env=*) envs+=("${1#*=}"); shift ;;
	--verbose) verbose=1; shift ;;
	--) shift; break ;;
	*) usage ;;
	esac
done
(($#)) || usage
[[ $timeout =~ ^[0-9]+$ && $timeout -gt 0 ]] || die "--timeout needs a positive number of seconds"
for e in "${envs[@]}"; do [[ $e =~ ^[A-Za-z_][A-Za-z0-9_]*= ]] || die "--env wants NAME=VALUE, got '$e'"; done
[[ $EUID -eq 0 ]] || die "must run as root"

art=$(bash "$here/build.sh") || die "build.sh failed"

tmp_results=
if [[ -z $results ]]; then
	results=$(mktemp -d /tmp/hostaccel-vm.XXXXXX)
	tmp_results=$results
else
	mkdir -p "$results"
	results=$(cd "$results" && pwd)
fi
ctl=$results/.vm
rm -rf "$ctl"
mkdir -p "$ctl"
qemu_pid=
# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
	[[ -n $qemu_pid ]] && kill "$qemu_pid" 2>/dev/null
	[[ -n $tmp_results ]] && rm -rf "$tmp_results"
	return 0
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Single quotes for /bin/sh (dash): bash's printf %q may produce $'...'.
shquote() { printf "'%s'" "${1//\'/\'\\\'\'}"; }

{
	echo '# written by tests/vm/run.sh'
	echo 'export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'
	# The host root is read-only: everything that wants to write a home or a
	# cache (dotnet in particular) must point at the guest's tmpfs.
	echo 'export HOME=/tmp TMPDIR=/tmp LANG=C.UTF-8 TERM=dumb'
	echo 'export DOTNET_CLI_HOME=/tmp DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1'
	echo 'export DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1 DOTNET_GENERATE_ASPNET_CERTIFICATE=false'
	echo 'export VM_RESULTS=/run/vm/results HOSTACCEL_IN_VM=1'
	for e in "${envs[@]}"; do echo "export ${e%%=*}=$(shquote "${e#*=}")"; done
	echo "cd $(shquote "$PWD") 2>/dev/null || { echo $(shquote "vm: $PWD is not visible in the guest") >&2; exit 125; }"
	printf 'exec'
	for a in "$@"; do printf ' %s' "$(shquote "$a")"; done
	echo
} >"$ctl/cmd.sh"

# The guest's /tmp, /run and /dev/shm are its own tmpfs. A working directory under them (a CI clone in /tmp, say)
# is shared on its own, read-only, and init mounts it at the same path.
workshare=()
case $PWD/ in
/tmp/* | /run/* | /dev/shm/*)
	printf '%s\n' "$PWD" >"$ctl/workdir"
	workshare=(-virtfs "local,path=$PWD,mount_tag=work,security_model=none,readonly=on,multidevs=remap")
	;;
esac

console=$ctl/console.log
# KVM is not an option (nested KVM hangs here), so TCG. CPU model: "max" minus
# ERMS/FSRM, which make the kernel copy with `rep movsb`, a byte-at-a-time
# helper under TCG: veth forwarding drops from ~2 Gbit/s to ~0.4 Gbit/s with them.
# shellcheck disable=SC2054 # commas belong to qemu's option syntax
accel=(-accel tcg)
if [[ -n ${HOSTACCEL_VM_ICOUNT:-} ]]; then
	[[ $HOSTACCEL_VM_ICOUNT =~ ^[0-9]+$ ]] || die "HOSTACCEL_VM_ICOUNT is a shift (a small number), not '$HOSTACCEL_VM_ICOUNT'"
	accel=(-accel tcg,thread=single -icount "shift=$HOSTACCEL_VM_ICOUNT,sleep=off")
fi
qemu=(
	qemu-system-x86_64 "${accel[@]}" -cpu max,-erms,-fsrm
	-smp "${HOSTACCEL_VM_CPUS:-2}" -m "${HOSTACCEL_VM_MEM:-2048}"
	-nodefaults -no-user-config -display none -monitor none -serial stdio
	-nic none -no-reboot
	-kernel "$art/kernel" -initrd "$art/initrd.img"
	-append "console=ttyS0 panic=-1 $( ((verbose)) || echo quiet)"
	-virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap
	-virtfs "local,path=$results,mount_tag=results,security_model=none"
	"${workshare[@]}"
)

start=$SECONDS
# qemu runs in the background so that the timeout can kill it and still let
# us report; stdin is /dev/null so that it never touches the terminal.
if ((verbose)); then
	"${qemu[@]}" </dev/null > >(tee "$console" >&2) 2>&1 &
else
	"${qemu[@]}" </dev/null >"$console" 2>&1 &
fi
qemu_pid=$!
timed_out=0
while kill -0 "$qemu_pid" 2>/dev/null; do
	if ((SECONDS - start >= timeout)); then
		timed_out=1
		kill "$qemu_pid" 2>/dev/null
		sleep 1
		kill -9 "$qemu_pid" 2>/dev/null || true
		break
	fi
	sleep 0.2
done
qemu_rc=0
wait "$qemu_pid" || qemu_rc=$?
qemu_pid=
elapsed=$((SECONDS - start))

# Whatever the command printed so far is worth seeing in every case.
[[ -f $ctl/stdout ]] && cat "$ctl/stdout"
[[ -f $ctl/stderr ]] && cat "$ctl/stderr" >&2

show_console() {
	printf 'vm: ---- last lines of the guest console ----\n' >&2
	tail -n 40 "$console" >&2 || true
	if [[ -s $ctl/init.log ]]; then
		printf 'vm: ---- guest init log ----\n' >&2
		cat "$ctl/init.log" >&2
	fi
	printf 'vm: ----\n' >&2
}

if ((timed_out)); then
	((verbose)) || show_console
	printf 'vm: guest did not finish within %s s\n' "$timeout" >&2
	exit 124
fi
if [[ ! -f $ctl/rc ]]; then
	((verbose)) || show_console
	printf 'vm: guest wrote no exit code (qemu exit %s after %s s): boot or init failure\n' "$qemu_rc" "$elapsed" >&2
	exit 125
fi
rc=$(<"$ctl/rc")
[[ $rc =~ ^[0-9]+$ ]] || die "guest wrote a bad exit code '$rc'"
if ((verbose)); then
	printf 'vm: command exited %s after %s s in the VM\n' "$rc" "$elapsed" >&2
elif [[ -s $ctl/init.log ]]; then
	# init only logs problems; with 125 it refused to run the command.
	cat "$ctl/init.log" >&2
fi
exit "$rc"
