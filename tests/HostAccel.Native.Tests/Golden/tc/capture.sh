#!/usr/bin/env bash
# capture.sh - re-capture the golden rtnetlink fixtures in this directory from iproute2's `tc` and `ip` (README.md).
#
#   sudo ./capture.sh [--out DIR] [PREFIX...]     # all cases, or those whose name starts with a PREFIX
#
# The cases need a kernel with cls_flower, act_pedit, act_csum and act_gact (the reply cases read back filters
# the kernel must accept), so they are captured in the tests/vm VM, whose root is this host's, read-only:
#   sudo tests/vm/run.sh --results /tmp/tc-golden -- tests/HostAccel.Native.Tests/Golden/tc/capture.sh
#   cp /tmp/tc-golden/*.golden tests/HostAccel.Native.Tests/Golden/tc/
# (the output directory defaults to $VM_RESULTS there, to this directory elsewhere). Request bytes do not depend on
# the kernel: on a kernel without those modules the same bytes are sent and refused.
#
# Every case runs in its own fresh network namespace (ha-tcgolden-<pid>-<n>), deleted afterwards; prerequisites
# are made with plain `ip`/`tc` and are NOT captured; only the case's command runs under
#   strace -f -s 65536 -x -e trace=sendmsg,sendto,recvmsg,recvfrom -e write=all -e read=all
# and parse_tc_trace.py turns the hex dumps into <case>.golden.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PARSER="$HERE/parse_tc_trace.py"
OUT=${VM_RESULTS:-$HERE}
if [ "${1:-}" = --out ]; then OUT=$2; shift 2; fi
FILTERS=("$@")

for tool in tc ip strace python3; do
    command -v "$tool" >/dev/null || { echo "capture.sh: '$tool' not found" >&2; exit 1; }
done
[ "$(id -u)" -eq 0 ] || { echo "capture.sh: must run as root (network namespaces)" >&2; exit 1; }

WORK=$(mktemp -d /tmp/ha-tcgolden.XXXXXX)
NS_PREFIX="ha-tcgolden-$$"
NS_SEQ=0
NS=""
FAILED=()
cleanup() {
    [ -z "$NS" ] || ip netns del "$NS" 2>/dev/null || true
    ip netns del "$NS-pod" 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT

pkgver() { dpkg-query -W -f='${Version}' "$1" 2>/dev/null || echo "unknown"; }
REFERENCE="reference: $(tc -V) (deb iproute2 $(pkgver iproute2)); kernel $(uname -r) $(uname -m)"
STRACE=(strace -f -s 65536 -x -e trace=sendmsg,sendto,recvmsg,recvfrom -e write=all -e read=all)

in_ns() { ip netns exec "$NS" "$@"; }
pre() {   # a prerequisite, run and logged in the fixture's header
    echo "  $*" >>"$WORK/meta.pre"
    in_ns "$@" >/dev/null || { echo "prerequisite failed: $*" >&2; return 1; }
}

# The Node of the demo topology, with fixed indexes and addresses so that fixtures embedding them are stable:
# eth0 (2) faces the transport network, antrea-gw0 (4) the local Pods; each is a veth whose peer stays here.
node() {
    pre ip link add eth0 index 2 address 02:00:00:00:00:01 type veth peer name eth0-peer index 3 address 02:00:00:00:00:02
    pre ip link add antrea-gw0 index 4 address 02:00:00:00:02:01 type veth peer name gw-peer index 5 address 02:00:00:00:02:02
    for dev in lo eth0 eth0-peer antrea-gw0 gw-peer; do pre ip link set "$dev" up; done
    pre sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
    pre ip addr add 172.18.0.1/24 dev eth0
    pre ip addr add 10.244.2.1/24 dev antrea-gw0
    pre ip addr add fd00:172:18::1/64 dev eth0 nodad
    pre ip addr add fd00:10:244:2::1/64 dev antrea-gw0 nodad
    pre ip route add 10.244.0.0/24 via 172.18.0.2 dev eth0
    pre ip route add fd00:10:244::/64 via fd00:172:18::2 dev eth0
    pre ip neigh add 172.18.0.2 lladdr 02:00:00:00:00:02 dev eth0 nud permanent
    pre ip neigh add fd00:172:18::2 lladdr 02:00:00:00:00:02 dev eth0 nud permanent
    pre ip neigh add 10.244.2.2 lladdr 02:00:00:00:02:02 dev antrea-gw0 nud permanent
    pre ip neigh add fd00:10:244:2::2 lladdr 02:00:00:00:02:02 dev antrea-gw0 nud permanent
}
clsact() { pre tc qdisc add dev antrea-gw0 clsact; pre tc qdisc add dev eth0 clsact; }

GW_TO_PEER4='tc filter add dev antrea-gw0 ingress protocol ip prio 40010 handle 1 flower skip_hw src_ip 10.244.2.0/24 dst_ip 10.244.0.0/24 action pedit ex munge eth src set 02:00:00:00:00:01 munge eth dst set 02:00:00:00:00:02 munge ip ttl add 0xff pipe action csum ip pipe action mirred egress redirect dev eth0'
GW_TO_PEER6='tc filter add dev antrea-gw0 ingress protocol ipv6 prio 40011 handle 1 flower skip_hw src_ip fd00:10:244:2::/64 dst_ip fd00:10:244::/64 action pedit ex munge eth src set 02:00:00:00:00:01 munge eth dst set 02:00:00:00:00:02 munge ip6 hoplimit add 0xff pipe action mirred egress redirect dev eth0'
GUARD4='tc filter add dev antrea-gw0 ingress protocol ip prio 40008 handle 1 flower skip_hw ip_ttl 0/0xfe action gact pass'
GUARD6='tc filter add dev antrea-gw0 ingress protocol ipv6 prio 40009 handle 1 flower skip_hw ip_ttl 0/0xfe action gact pass'
filters() { pre $GUARD4; pre $GUARD6; pre $GW_TO_PEER4; pre $GW_TO_PEER6; }
# Traffic from a Pod namespace behind gw-peer, for the filters' counters: 3 pings each way of family.
traffic() {
    ip netns add "$NS-pod"
    pre ip link set gw-peer netns "$NS-pod"
    ip -n "$NS-pod" link set lo up && ip -n "$NS-pod" link set gw-peer up &&
        ip -n "$NS-pod" addr add 10.244.2.2/24 dev gw-peer &&
        ip -n "$NS-pod" addr add fd00:10:244:2::2/64 dev gw-peer nodad &&
        ip -n "$NS-pod" route add default via 10.244.2.1 &&
        ip -n "$NS-pod" route add default via fd00:10:244:2::1 &&
        ip netns exec "$NS-pod" ping -c 3 -i 0.2 -W 1 10.244.0.2 >/dev/null || true
    ip netns exec "$NS-pod" ping -6 -c 3 -i 0.2 -W 1 fd00:10:244::2 >/dev/null || true
    echo "  (a Pod namespace behind gw-peer, 10.244.2.2 and fd00:10:244:2::2, pinged 10.244.0.2 and fd00:10:244::2 3 times each)" >>"$WORK/meta.pre"
}

selected() {
    [ ${#FILTERS[@]} -eq 0 ] && return 0
    local f
    for f in "${FILTERS[@]}"; do case "$1" in "$f"*) return 0 ;; esac; done
    return 1
}

# run_case MODE NAME TYPES PICK "SETUP FUNCS" COMMAND...
run_case() {
    local mode=$1 name=$2 types=$3 pick=$4 setup=$5
    shift 5
    selected "$name" || return 0
    NS_SEQ=$((NS_SEQ + 1))
    NS="$NS_PREFIX-$NS_SEQ"
    ip netns add "$NS"
    : >"$WORK/meta.pre"
    local f ok=1 rc=0
    for f in $setup; do "$f" || { ok=0; break; }; done
    if [ $ok = 1 ]; then
        in_ns "${STRACE[@]}" -o "$WORK/$name.trace" "$@" >/dev/null 2>"$WORK/$name.stderr" || rc=$?
        {
            echo "$REFERENCE"
            echo "captured by capture.sh in a fresh network namespace; prerequisites (NOT captured):"
            if [ -s "$WORK/meta.pre" ]; then cat "$WORK/meta.pre"; else echo "  (none)"; fi
            echo "devices (name=ifindex): $(in_ns ip -o link show | awk -F': ' '{split($2, n, "@"); printf "%s%s=%s", sep, n[1], $1; sep=" "}')"
            [ ! -s "$WORK/$name.stderr" ] || echo "stderr: $(head -n1 "$WORK/$name.stderr")"
        } >"$WORK/$name.meta"
        python3 "$PARSER" "$mode" --trace "$WORK/$name.trace" --cmd "$*" --name "$name" --types "$types" \
            --pick "$pick" --meta "$WORK/$name.meta" --rc "$rc" --out "$OUT/$name.golden" || ok=0
    fi
    if [ $ok = 1 ]; then echo "ok    $name (exit $rc)"; else echo "FAIL  $name" >&2; FAILED+=("$name"); fi
    ip netns del "$NS-pod" 2>/dev/null || true
    ip netns del "$NS"
    NS=""
}

# Message types: 18 GETLINK, 26 GETROUTE, 30 GETNEIGH, 36-38 NEW/DEL/GETQDISC, 44-46 NEW/DEL/GETTFILTER, 48 NEWACTION.
TC_TYPES=36,37,38,44,45,46,48

# ---- what HostAccel sends ----
run_case send qdisc-add-clsact "$TC_TYPES" 0 "node" tc qdisc add dev eth0 clsact
run_case send qdisc-replace-clsact "$TC_TYPES" 0 "node" tc qdisc replace dev eth0 clsact
run_case send qdisc-delete-clsact "$TC_TYPES" 0 "node clsact" tc qdisc del dev eth0 clsact
run_case send filter-add-ip-gw-to-peer "$TC_TYPES" 0 "node clsact" $GW_TO_PEER4
run_case send filter-add-ip-peer-to-pod "$TC_TYPES" 0 "node clsact" tc filter add dev eth0 ingress protocol ip prio 40010 handle 2 flower skip_hw src_ip 10.244.0.0/24 dst_ip 10.244.2.2 action pedit ex munge eth src set 02:00:00:00:02:01 munge eth dst set 02:00:00:00:02:02 munge ip ttl add 0xff pipe action csum ip pipe action mirred egress redirect dev antrea-gw0
run_case send filter-add-ip6-gw-to-peer "$TC_TYPES" 0 "node clsact" $GW_TO_PEER6
run_case send filter-add-ip6-peer-to-pod "$TC_TYPES" 0 "node clsact" tc filter add dev eth0 ingress protocol ipv6 prio 40011 handle 2 flower skip_hw src_ip fd00:10:244::/64 dst_ip fd00:10:244:2::2 action pedit ex munge eth src set 02:00:00:00:02:01 munge eth dst set 02:00:00:00:02:02 munge ip6 hoplimit add 0xff pipe action mirred egress redirect dev antrea-gw0
run_case send filter-add-ip-ttl-guard "$TC_TYPES" 0 "node clsact" $GUARD4
run_case send filter-add-ip6-hoplimit-guard "$TC_TYPES" 0 "node clsact" $GUARD6
run_case send filter-add-seed-eth0 "$TC_TYPES" 0 "node clsact" tc filter add dev eth0 ingress protocol ip prio 40010 handle 1 flower skip_hw src_ip 10.10.0.0/24 dst_ip 10.10.1.0/24 action mirred egress redirect dev antrea-gw0
run_case send filter-add-chain "$TC_TYPES" 0 "node clsact" tc filter add dev eth0 ingress protocol ip prio 40010 chain 1 handle 1 flower skip_hw dst_ip 10.10.1.0/24 action mirred egress redirect dev antrea-gw0
run_case send filter-replace-ip-gw-to-peer "$TC_TYPES" 0 "node clsact filters" ${GW_TO_PEER4/filter add/filter replace}
run_case send filter-delete-handle "$TC_TYPES" 0 "node clsact filters" tc filter del dev antrea-gw0 ingress protocol ip prio 40010 handle 1 flower
run_case send filter-delete-prio "$TC_TYPES" 0 "node clsact filters" tc filter del dev antrea-gw0 ingress prio 40010
run_case send action-add-mirred "$TC_TYPES" 0 "" tc actions add action mirred egress redirect dev lo
run_case send action-add-pedit "$TC_TYPES" 0 "" tc actions add action pedit ex munge eth src set 02:00:00:00:00:01 munge eth dst set 02:00:00:00:00:02 munge ip ttl add 0xff pipe
run_case send action-add-csum "$TC_TYPES" 0 "" tc actions add action csum ip pipe
run_case send action-add-gact "$TC_TYPES" 0 "" tc actions add action gact pass
run_case send dump-filters "$TC_TYPES" 0 "node clsact" tc -s filter show dev antrea-gw0 ingress
run_case send dump-qdiscs "$TC_TYPES" 0 "node clsact" tc qdisc show dev antrea-gw0
# tc's device cache: the first message of any tc command naming a device (ll_init_map).
run_case send dump-links 18 1 "node" tc qdisc show dev eth0
# ip's lookup of a device by name (ll_link_get): the first message of `ip link show dev`.
run_case send link-get-by-name 18 1 "node" ip link show dev eth0
run_case send neigh-get 30 0 "node" ip neigh get 172.18.0.2 dev eth0
run_case send neigh-dump-dev 30 0 "node" ip neigh show dev antrea-gw0
run_case send neigh-dump-dev-inet 30 0 "node" ip -4 neigh show dev antrea-gw0
run_case send neigh-dump-dev-inet6 30 0 "node" ip -6 neigh show dev antrea-gw0
run_case send route-get 26 0 "node" ip route get 10.244.0.2
run_case send route-get-fibmatch-iif 26 0 "node" ip route get fibmatch 10.244.0.2 from 10.244.2.2 iif antrea-gw0
run_case send route-get-fibmatch-iif-inet6 26 0 "node" ip -6 route get fibmatch fd00:10:244::2 from fd00:10:244:2::2 iif antrea-gw0
run_case send route-dump-main-inet 26 0 "node" ip -4 route show table main
run_case send route-dump-main-inet6 26 0 "node" ip -6 route show table main

# ---- what the kernel answers (decoded by GoldenTcDecodeTests) ----
run_case reply reply-filters-gw-ingress 46 0 "node clsact filters traffic" tc -s filter show dev antrea-gw0 ingress
run_case reply reply-qdiscs 38 0 "node clsact" tc qdisc show dev antrea-gw0
run_case reply reply-link-get-by-name 18 1 "node" ip link show dev eth0
run_case reply reply-neigh-dump-dev 30 0 "node" ip neigh show dev antrea-gw0
run_case reply reply-neigh-get 30 0 "node" ip neigh get 172.18.0.2 dev eth0
run_case reply reply-route-get-fibmatch-iif 26 0 "node" ip route get fibmatch 10.244.0.2 from 10.244.2.2 iif antrea-gw0
run_case reply reply-route-get-fibmatch-iif-inet6 26 0 "node" ip -6 route get fibmatch fd00:10:244::2 from fd00:10:244:2::2 iif antrea-gw0
run_case reply reply-route-dump-main-inet 26 0 "node" ip -4 route show table main

if [ ${#FAILED[@]} -ne 0 ]; then
    echo "capture.sh: ${#FAILED[@]} case(s) failed: ${FAILED[*]}" >&2
    exit 1
fi
