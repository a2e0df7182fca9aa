#!/usr/bin/env bash
# Smoke test of the VM's data plane: a forwarded TCP flow must be offloaded to
# an nftables flowtable. Meant to run INSIDE the VM:
#
#   tests/vm/run.sh -- tests/vm/smoke-flowtable.sh
#
# Topology (all inside throwaway namespaces; no address touches a real network):
#   client (10.0.1.2) --veth-- router (10.0.1.1 | 10.0.2.1) --veth-- server (10.0.2.2)
# The router has table `ip antrea` with flowtable `fastpath` on both of its veths
# and `flow add @fastpath counter` rules for both directions. An iperf3 TCP
# transfer runs client -> server; during it, `conntrack -L` in the router must
# list the flow as [OFFLOAD], and the rule counters must stay small: they count
# only the packets that created or refreshed a flowtable entry.
#
# Prints one summary line; exits 0 on offload, 1 otherwise.
set -euo pipefail

if [[ ${HOSTACCEL_IN_VM:-} != 1 && ${1:-} != --force ]]; then
	echo "smoke-flowtable: run inside the VM: tests/vm/run.sh -- $0 (or pass --force)" >&2
	exit 2
fi

duration=${SMOKE_SECONDS:-3}
max_rule_packets=100
min_router_packets=1000
work=$(mktemp -d)
pids=()

cleanup() {
	local p
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	for ns in client router server; do ip netns del "$ns" 2>/dev/null || true; done
	rm -rf "$work"
}
trap cleanup EXIT

nsx() { local ns=$1; shift; ip netns exec "$ns" "$@"; }
say() { echo "smoke-flowtable: $*" >&2; }

for ns in client router server; do
	ip netns add "$ns"
	nsx "$ns" ip link set lo up
done
ip link add c-r netns client type veth peer name r-c netns router
ip link add s-r netns server type veth peer name r-s netns router
nsx client ip addr add 10.0.1.2/24 dev c-r
nsx router ip addr add 10.0.1.1/24 dev r-c
nsx router ip addr add 10.0.2.1/24 dev r-s
nsx server ip addr add 10.0.2.2/24 dev s-r
nsx client ip link set c-r up
nsx router ip link set r-c up
nsx router ip link set r-s up
nsx server ip link set s-r up
nsx client ip route add default via 10.0.1.1
nsx server ip route add default via 10.0.2.1
nsx router sysctl -qw net.ipv4.ip_forward=1

nsx router nft -f - <<'EOF'
table ip antrea {
	flowtable fastpath {
		hook ingress priority filter
		devices = { r-c, r-s }
	}
	chain forward {
		type filter hook forward priority filter; policy accept;
		ip saddr 10.0.1.0/24 ip daddr 10.0.2.0/24 flow add @fastpath counter
		ip saddr 10.0.2.0/24 ip daddr 10.0.1.0/24 flow add @fastpath counter
	}
}
EOF

nsx client ping -c1 -W2 10.0.2.2 >/dev/null || { say "FAIL: no connectivity client -> server"; exit 1; }

# Bounded in time whatever happens: one-off server, killed by timeout at worst.
nsx server timeout $((duration + 30)) iperf3 -s -1 -B 10.0.2.2 >"$work/server.log" 2>&1 &
pids+=($!)
for _ in $(seq 50); do
	nsx server ss -ltnH 'sport = :5201' | grep -q . && break
	sleep 0.1
done

# shellcheck disable=SC2016 # $7 is awk's
fwd_datagrams() { nsx router awk '/^Ip:/ { if (h) { print $7; exit } h = 1 }' /proc/net/snmp; }
fwd_before=$(fwd_datagrams)

# An offloaded flow loses [OFFLOAD] when it ends (FIN tears the entry down), so
# conntrack must be sampled while the transfer runs.
(
	deadline=$((SECONDS + duration + 20))
	while ((SECONDS < deadline)); do
		if nsx router conntrack -L 2>/dev/null | grep -F '[OFFLOAD]' | grep -F 'dport=5201' >"$work/offload"; then
			exit 0
		fi
		sleep 0.2
	done
) &
watcher=$!
pids+=("$watcher")

if ! nsx client timeout $((duration + 20)) iperf3 -c 10.0.2.2 -t "$duration" --connect-timeout 3000 >"$work/client.log" 2>&1; then
	say "FAIL: iperf3 client failed:"
	cat "$work/client.log" >&2
	exit 1
fi
# The watcher has either seen the flow by now or never will.
kill "$watcher" 2>/dev/null || true
wait "$watcher" 2>/dev/null || true

rule_packets=$(nsx router nft list chain ip antrea forward |
	awk '{ for (i = 1; i < NF; i++) if ($i == "packets") s += $(i + 1) } END { print s + 0 }')
router_rx=$(nsx router cat /sys/class/net/r-c/statistics/rx_packets /sys/class/net/r-s/statistics/rx_packets |
	awk '{ s += $1 } END { print s }')
fwd=$(($(fwd_datagrams) - fwd_before))
rate=$(awk '/sender$/ { print $7, $8 }' "$work/client.log" | tail -n1)

problems=()
[[ -s $work/offload ]] || problems+=("conntrack never showed the flow as [OFFLOAD]")
((rule_packets < max_rule_packets)) || problems+=("rule counters saw $rule_packets packets (want < $max_rule_packets)")
((router_rx >= min_router_packets)) || problems+=("router received only $router_rx packets")

summary="rule counters $rule_packets packets, router received $router_rx packets, ForwDatagrams +$fwd, iperf3 ${rate:-?} over ${duration}s"
if ((${#problems[@]})); then
	echo "smoke-flowtable: FAIL: $(IFS=';'; echo "${problems[*]}"); $summary"
	nsx router conntrack -L >&2 2>/dev/null || true
	nsx router nft list ruleset >&2 || true
	exit 1
fi
echo "smoke-flowtable: PASS: offload seen; $summary"
