#!/usr/bin/env bash
# capture.sh - re-capture the golden nf_tables netlink fixtures in this directory
# from the reference `nft` binary (see README.md).
#
#   sudo ./capture.sh              # all cases
#   sudo ./capture.sh table- rule- # only cases whose name starts with one of the args
#
# Every case runs in its own fresh network namespace (ha-golden-<pid>-<n>), which
# is deleted again afterwards; the host's own ruleset is never touched.
# Prerequisites (veth devices, tables, chains, sets) are created with plain
# `nft`/`ip` commands that are NOT captured; only the case's command runs under
#   strace -f -s 65536 -x -e trace=sendmsg,sendto,recvmsg,recvfrom -e write=all -e read=all
# and parse_trace.py turns the full hex dumps into <case>.golden files.
# Requires: root, nft, strace, ip (iproute2), unshare (util-linux), python3.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PARSER="$HERE/parse_trace.py"
OUT="$HERE"
FILTERS=("$@")

for tool in nft strace ip python3 unshare; do
    command -v "$tool" >/dev/null || { echo "capture.sh: '$tool' not found" >&2; exit 1; }
done
[ "$(id -u)" -eq 0 ] || { echo "capture.sh: must run as root (network namespaces)" >&2; exit 1; }

WORK=$(mktemp -d /tmp/ha-golden.XXXXXX)
STAGE="$WORK/stage"
mkdir -p "$STAGE"
NS_PREFIX="ha-golden-$$"
NS_SEQ=0
CUR_NS=""
FAILED=()
WRITTEN=0

cleanup() {
    if [ -n "$CUR_NS" ]; then
        ip netns del "$CUR_NS" 2>/dev/null || true
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT

pkgver() { dpkg-query -W -f='${Version}' "$1" 2>/dev/null || echo "unknown"; }
REFERENCE="reference: $(nft --version) (deb nftables $(pkgver nftables)), libnftnl $(pkgver libnftnl11), libmnl $(pkgver libmnl0); kernel $(uname -r) $(uname -m)"
case "$(nft --version)" in
    *v1.0.6*) ;;
    *) echo "capture.sh: WARNING: fixtures were recorded with nft 1.0.6, this is $(nft --version)" >&2 ;;
esac

STRACE=(strace -f -s 65536 -x -e trace=sendmsg,sendto,recvmsg,recvfrom -e write=all -e read=all)

# ---------------------------------------------------------------------------
# prerequisite helpers (run inside $CUR_NS, logged into the fixture header)
# ---------------------------------------------------------------------------
META=""
HANDLE=""
NFT_FILE=""

pre() {   # pre 'nft command text'
    echo "  nft $1" >>"$META.pre"
    ip netns exec "$CUR_NS" nft "$1" || { echo "prerequisite failed: nft $1" >&2; return 1; }
}

devs() {
    # fixed ifindexes so that fixtures embedding ifindexes are reproducible
    ip netns exec "$CUR_NS" ip link add eth0 index 2 type veth peer name eth0-peer index 3 &&
    ip netns exec "$CUR_NS" ip link add antrea-gw0 index 4 type veth peer name gw-peer index 5 ||
        { echo "prerequisite failed: veth devices" >&2; return 1; }
    echo "  ip link add eth0 index 2 type veth peer name eth0-peer index 3" >>"$META.pre"
    echo "  ip link add antrea-gw0 index 4 type veth peer name gw-peer index 5" >>"$META.pre"
    USES_DEVS=1
}

t_ip()      { pre 'add table ip antrea { comment "Rules for Antrea" ; }'; }
t_ip6()     { pre 'add table ip6 antrea { comment "Rules for Antrea" ; }'; }
t_inet()    { pre 'add table inet hostaccel'; }
c_fwd4()    { pre 'add chain ip antrea forward { type filter hook forward priority filter ; policy accept ; comment "Forward chain for storing rules" ; }'; }
c_fwd6()    { pre 'add chain ip6 antrea forward { type filter hook forward priority filter ; policy accept ; comment "Forward chain for storing rules" ; }'; }
c_fwdinet() { pre 'add chain inet hostaccel forward { type filter hook forward priority filter ; policy accept ; }'; }
c_regular() { pre 'add chain ip antrea regular'; }
s_peer4()   { pre 'add set ip antrea peer-pod-cidr { type ipv4_addr ; flags interval ; comment "Set for storing IPv4 peer Pods CIDRs" ; }'; }
s_peer6()   { pre 'add set ip6 antrea peer-pod-cidr { type ipv6_addr ; flags interval ; comment "Set for storing IPv6 peer Pods CIDRs" ; }'; }
s_lbips()   { pre 'add set ip antrea lb-ips { type ipv4_addr ; }'; }
e_one4()    { pre 'add element ip antrea peer-pod-cidr { 10.244.0.0/24 }'; }
e_two4()    { pre 'add element ip antrea peer-pod-cidr { 10.244.0.0/24, 10.244.1.0/24 }'; }
e_range4()  { pre 'add element ip antrea peer-pod-cidr { 10.20.0.3-10.20.0.9 }'; }
r_counter() {
    pre 'add rule ip antrea forward counter' || return 1
    HANDLE=$(ip netns exec "$CUR_NS" nft -a list chain ip antrea forward |
             sed -n 's/^[[:space:]]*counter packets [0-9]* bytes [0-9]* # handle \([0-9]*\)$/\1/p' | tail -n1)
    [ -n "$HANDLE" ] || { echo "could not determine rule handle" >&2; return 1; }
    echo "  (rule handle of that rule, from 'nft -a list chain ip antrea forward': $HANDLE)" >>"$META.pre"
}

new_ns() {
    NS_SEQ=$((NS_SEQ + 1))
    CUR_NS="$NS_PREFIX-$NS_SEQ"
    ip netns add "$CUR_NS"
}

del_ns() {
    ip netns del "$CUR_NS"
    CUR_NS=""
}

selected() {
    [ ${#FILTERS[@]} -eq 0 ] && return 0
    local f
    for f in "${FILTERS[@]}"; do
        case "$1" in "$f"*) return 0 ;; esac
    done
    return 1
}

write_meta() {   # $1 = extra note
    {
        echo "$REFERENCE"
        echo "captured by capture.sh in a fresh network namespace; prerequisites (plain nft/ip, NOT captured):"
        if [ -s "$META.pre" ]; then cat "$META.pre"; else echo "  (none)"; fi
        if [ "$USES_DEVS" = 1 ]; then
            echo "devices in the namespace (name=ifindex): $(ip netns exec "$CUR_NS" ip -o link show |
                awk -F': ' '{split($2, n, "@"); printf "%s%s=%s", sep, n[1], $1; sep=" "}')"
        fi
        [ -z "${1:-}" ] || echo "$1"
    } >"$META"
}

# send_case NAME "SETUP FUNCS" 'nft command' ['note']
send_case() {
    local name=$1 setup=$2 cmd=$3 note=${4:-}
    selected "$name" || return 0
    META="$WORK/$name.meta"; : >"$META.pre"; USES_DEVS=0; HANDLE=""
    new_ns
    local f ok=1
    for f in $setup; do "$f" || { ok=0; break; }; done
    if [ $ok = 1 ]; then
        cmd=${cmd//@HANDLE@/$HANDLE}
        local rc=0 args=("$cmd")
        if [ "$cmd" = "-f ruleset.nft" ]; then
            # file case: the ruleset text comes from $NFT_FILE (see send_file_case)
            printf '%s\n' "$NFT_FILE" >"$WORK/$name.nft"
            args=(-f "$WORK/$name.nft")
            note="${note:+$note$'\n'}ruleset.nft:"$'\n'"$(sed 's/^/  | /; s/\t/    /g' "$WORK/$name.nft")"
        fi
        ip netns exec "$CUR_NS" "${STRACE[@]}" -o "$WORK/$name.trace" nft "${args[@]}" \
            >"$WORK/$name.stdout" 2>"$WORK/$name.stderr" || rc=$?
        write_meta "$note"
        if python3 "$PARSER" send --trace "$WORK/$name.trace" --cmd "$cmd" --name "$name" \
                --meta "$META" --rc "$rc" --stderr "$WORK/$name.stderr" \
                --out "$STAGE/$name.golden"; then
            echo "ok    $name (nft exit $rc)"
            WRITTEN=$((WRITTEN + 1))
        else
            ok=0
        fi
    fi
    [ $ok = 1 ] || { echo "FAIL  $name" >&2; FAILED+=("$name"); }
    del_ns
}

# ---------------------------------------------------------------------------
# cases
# ---------------------------------------------------------------------------

# tables
send_case table-ip-antrea-comment  ""  'add table ip antrea { comment "Rules for Antrea" ; }'
send_case table-ip6-antrea-comment ""  'add table ip6 antrea { comment "Rules for Antrea" ; }'
send_case table-inet-hostaccel     ""  'add table inet hostaccel'
send_case table-ip-plain           ""  'add table ip plain'

# chains
send_case chain-ip-forward-accept-comment   "t_ip" 'add chain ip antrea forward { type filter hook forward priority filter ; policy accept ; comment "Forward chain for storing rules" ; }'
send_case chain-ip-forward-drop-comment     "t_ip" 'add chain ip antrea forward { type filter hook forward priority filter ; policy drop ; comment "Forward chain for storing rules" ; }'
send_case chain-ip-forward-drop-nocomment   "t_ip" 'add chain ip antrea forward { type filter hook forward priority filter ; policy drop ; }'
send_case chain-ip-forward-accept-nocomment "t_ip" 'add chain ip antrea forward { type filter hook forward priority filter ; policy accept ; }'
send_case chain-ip-regular                  "t_ip" 'add chain ip antrea regular'

# sets
send_case set-ip-peer-pod-cidr           "t_ip"  'add set ip antrea peer-pod-cidr { type ipv4_addr ; flags interval ; comment "Set for storing IPv4 peer Pods CIDRs" ; }'
send_case set-ip6-peer-pod-cidr          "t_ip6" 'add set ip6 antrea peer-pod-cidr { type ipv6_addr ; flags interval ; comment "Set for storing IPv6 peer Pods CIDRs" ; }'
send_case set-ip-peer-pod-cidr-nocomment "t_ip"  'add set ip antrea peer-pod-cidr { type ipv4_addr ; flags interval ; }'
send_case set-ip-lb-ips                  "t_ip"  'add set ip antrea lb-ips { type ipv4_addr ; }'

send_case set-ip-peer-pod-cidr-with-elements "t_ip" 'add set ip antrea peer-pod-cidr { type ipv4_addr ; flags interval ; comment "Set for storing IPv4 peer Pods CIDRs" ; elements = { 10.244.0.0/24, 10.244.1.0/24 } ; }' \
    'set and its elements in one command: NEWSET + NEWSETELEM in one batch'

# elements (interval set peer-pod-cidr exists, empty unless noted)
send_case element-ip-add-two-cidrs        "t_ip s_peer4" 'add element ip antrea peer-pod-cidr { 10.244.0.0/24, 10.244.1.0/24 }'
send_case element-ip-add-one-cidr         "t_ip s_peer4" 'add element ip antrea peer-pod-cidr { 10.244.0.0/24 }'
send_case element-ip-add-adjacent-cidr    "t_ip s_peer4 e_one4" 'add element ip antrea peer-pod-cidr { 10.244.1.0/24 }' \
    'set already holds 10.244.0.0/24 (adjacent to the added interval)'
send_case element-ip-add-prefix9          "t_ip s_peer4" 'add element ip antrea peer-pod-cidr { 10.0.0.0/9 }'
send_case element-ip-add-single-address   "t_ip s_peer4" 'add element ip antrea peer-pod-cidr { 192.168.1.7 }'
send_case element-ip-add-end-of-space-24  "t_ip s_peer4" 'add element ip antrea peer-pod-cidr { 255.255.255.0/24 }'
send_case element-ip-add-end-of-space-8   "t_ip s_peer4" 'add element ip antrea peer-pod-cidr { 255.0.0.0/8 }'
send_case element-ip-add-whole-space      "t_ip s_peer4" 'add element ip antrea peer-pod-cidr { 0.0.0.0/0 }'
send_case element-ip6-add-two-cidrs       "t_ip6 s_peer6" 'add element ip6 antrea peer-pod-cidr { fd00:10:244::/64, fd00:10:244:1::/64 }'
send_case element-ip6-add-end-of-space-16 "t_ip6 s_peer6" 'add element ip6 antrea peer-pod-cidr { ffff::/16 }'
send_case element-ip-delete-one-cidr      "t_ip s_peer4 e_one4" 'delete element ip antrea peer-pod-cidr { 10.244.0.0/24 }'
send_case element-ip-delete-range         "t_ip s_peer4 e_range4" 'delete element ip antrea peer-pod-cidr { 10.20.0.3-10.20.0.9 }'
send_case set-ip-flush                    "t_ip s_peer4 e_two4" 'flush set ip antrea peer-pod-cidr'
send_case element-ip-add-lb-ips           "t_ip s_lbips" 'add element ip antrea lb-ips { 172.18.0.151 }'

# flowtables (this kernel has no flowtable support: the kernel rejects them, the bytes are still captured)
send_case flowtable-ip-fastpath         "devs t_ip"  'add flowtable ip antrea fastpath { hook ingress priority filter ; devices = { antrea-gw0, eth0 } ; }'
# nft 1.0.6 rejects 'flags counter ;' with a syntax error ("unexpected counter, expecting offload"); its syntax is 'counter ;'
send_case flowtable-ip-fastpath-counter "devs t_ip"  'add flowtable ip antrea fastpath { hook ingress priority filter ; devices = { antrea-gw0, eth0 } ; counter ; }' \
    'the brief asked for "flags counter ;", which nft 1.0.6 rejects as a syntax error (expecting offload); "counter ;" is the 1.0.6 spelling'
send_case flowtable-ip-fastpath-offload "devs t_ip"  'add flowtable ip antrea fastpath { hook ingress priority filter ; devices = { antrea-gw0, eth0 } ; flags offload ; }'
send_case flowtable-ip6-fastpath        "devs t_ip6" 'add flowtable ip6 antrea fastpath { hook ingress priority filter ; devices = { antrea-gw0, eth0 } ; }'

# rules
R4="devs t_ip c_fwd4 s_peer4"
send_case rule-ip-local-to-remote-flow  "$R4" 'add rule ip antrea forward iif "antrea-gw0" ip saddr 10.244.2.0/24 oif "eth0" ip daddr @peer-pod-cidr flow add @fastpath counter comment "Accelerate IPv4 connections: local Pod CIDR to remote Pod CIDRs"' \
    'flowtable fastpath does not exist (cannot be created on this kernel)'
send_case rule-ip-remote-to-local-flow  "$R4" 'add rule ip antrea forward iif "eth0" ip saddr @peer-pod-cidr oif "antrea-gw0" ip daddr 10.244.2.0/24 flow add @fastpath counter comment "Accelerate IPv4 connections: remote Pod CIDRs to local Pod CIDR"' \
    'flowtable fastpath does not exist (cannot be created on this kernel)'
# The offload threshold (kindnet's and the kube-proxy flowtable prototype's `ct packets > N`): nft loads the 64-bit
# host-order counter, swaps it to network order with byteorder and compares big-endian.
send_case rule-ip-local-to-remote-flow-threshold "$R4" 'add rule ip antrea forward iif "antrea-gw0" ip saddr 10.244.2.0/24 oif "eth0" ip daddr @peer-pod-cidr ct packets > 20 flow add @fastpath counter comment "Accelerate IPv4 connections: local Pod CIDR to remote Pod CIDRs"' \
    'flowtable fastpath does not exist (cannot be created on this kernel)'
send_case rule-ip-ct-packets-gt-counter "$R4" 'add rule ip antrea forward ct packets > 20 counter'
send_case rule-ip-local-to-remote       "$R4" 'add rule ip antrea forward iif "antrea-gw0" ip saddr 10.244.2.0/24 oif "eth0" ip daddr @peer-pod-cidr counter comment "Accelerate IPv4 connections: local Pod CIDR to remote Pod CIDRs"'
send_case rule-ip-remote-to-local       "$R4" 'add rule ip antrea forward iif "eth0" ip saddr @peer-pod-cidr oif "antrea-gw0" ip daddr 10.244.2.0/24 counter comment "Accelerate IPv4 connections: remote Pod CIDRs to local Pod CIDR"'
send_case rule-ip-oif-daddr-counter     "$R4" 'add rule ip antrea forward oif "antrea-gw0" ip daddr 169.254.0.252 counter'
send_case rule-ip-iif-saddr-oif-daddr-counter "$R4" 'add rule ip antrea forward iif "antrea-gw0" ip saddr 169.254.0.253 oif "eth0" ip daddr 10.10.1.0/24 counter'
send_case rule-ip-saddr-daddr-counter   "$R4" 'add rule ip antrea forward ip saddr 172.18.0.2 ip daddr 10.10.1.0/24 counter'
send_case rule-ip-saddr-prefix9-counter "$R4" 'add rule ip antrea forward ip saddr 10.0.0.0/9 counter'
send_case rule-ip-iifname-oifname-accept "$R4" 'add rule ip antrea forward iifname "eth0" oifname "antrea-gw0" accept'
send_case rule-ip-ct-state-accept       "$R4" 'add rule ip antrea forward ct state established,related accept'
send_case rule-ip-l4proto-tcp-drop      "$R4" 'add rule ip antrea forward meta l4proto tcp counter drop'
send_case rule-ip-counter               "$R4" 'add rule ip antrea forward counter'
send_case rule-ip-counter-explicit-zero "$R4" 'add rule ip antrea forward counter packets 0 bytes 0'
send_case rule-ip6-local-to-remote      "devs t_ip6 c_fwd6 s_peer6" 'add rule ip6 antrea forward iif "antrea-gw0" ip6 saddr fd00:10:244:2::/64 oif "eth0" ip6 daddr @peer-pod-cidr counter comment "Accelerate IPv6 connections: local Pod CIDR to remote Pod CIDRs"'
send_case rule-inet-nfproto-ipv4-saddr  "t_inet c_fwdinet" 'add rule inet hostaccel forward meta nfproto ipv4 ip saddr 10.244.2.0/24 counter'

# deletes
send_case delete-table-ip-antrea       "t_ip"               'delete table ip antrea'
send_case delete-chain-ip-regular      "t_ip c_regular"     'delete chain ip antrea regular'
send_case delete-set-ip-lb-ips         "t_ip s_lbips"       'delete set ip antrea lb-ips'
send_case delete-rule-ip-handle        "t_ip c_fwd4 r_counter" 'delete rule ip antrea forward handle @HANDLE@'
send_case delete-flowtable-ip-fastpath "devs t_ip"          'delete flowtable ip antrea fastpath' \
    'flowtable fastpath does not exist (cannot be created on this kernel)'
send_case insert-rule-ip-position      "t_ip c_fwd4 r_counter" 'insert rule ip antrea forward position @HANDLE@ counter'
send_case replace-rule-ip-handle       "t_ip c_fwd4 r_counter" 'replace rule ip antrea forward handle @HANDLE@ counter comment "counted again"'
send_case delete-flowtable-ip-fastpath-devices "devs t_ip"  'delete flowtable ip antrea fastpath { devices = { eth0 } ; }' \
    'flowtable fastpath does not exist (cannot be created on this kernel)'

# ---------------------------------------------------------------------------
# whole-ruleset batch: the list-ruleset configuration below loaded with nft -f
# (one transaction: objects created in the same batch are referenced by *_SET_ID)
# ---------------------------------------------------------------------------
send_file_case() {   # send_file_case NAME "SETUP" RULESET_TEXT [note]
    NFT_FILE=$3
    send_case "$1" "$2" '-f ruleset.nft' "${4:-}"
    NFT_FILE=""
}

# ---------------------------------------------------------------------------
# reply capture: nft list ruleset
# ---------------------------------------------------------------------------
RULESET='table ip antrea {
	comment "Rules for Antrea"
	set peer-pod-cidr {
		type ipv4_addr
		flags interval
		comment "Set for storing IPv4 peer Pods CIDRs"
		elements = { 10.244.0.0/24, 10.244.1.0/24 }
	}
	chain forward {
		comment "Forward chain for storing rules"
		type filter hook forward priority filter; policy accept;
		iif "antrea-gw0" ip saddr 10.244.2.0/24 oif "eth0" ip daddr @peer-pod-cidr counter packets 0 bytes 0 comment "Accelerate IPv4 connections: local Pod CIDR to remote Pod CIDRs"
		iif "eth0" ip saddr @peer-pod-cidr oif "antrea-gw0" ip daddr 10.244.2.0/24 counter packets 0 bytes 0 comment "Accelerate IPv4 connections: remote Pod CIDRs to local Pod CIDR"
	}
}
table ip6 antrea {
	comment "Rules for Antrea"
	set peer-pod-cidr {
		type ipv6_addr
		flags interval
		comment "Set for storing IPv6 peer Pods CIDRs"
		elements = { fd00:10:244::/64, fd00:10:244:1::/64 }
	}
}'

send_file_case batch-ruleset-antrea "devs" "$RULESET" \
    'the same ruleset that reply-list-ruleset-*.golden lists, loaded in one nft -f transaction'

reply_case() {
    local name=reply-list-ruleset
    selected "$name" || return 0
    META="$WORK/$name.meta"; : >"$META.pre"; USES_DEVS=0
    new_ns
    devs
    printf '%s\n' "$RULESET" >"$WORK/ruleset.nft"
    ip netns exec "$CUR_NS" nft -f "$WORK/ruleset.nft"
    echo "  nft -f ruleset.nft   (ruleset text below)" >>"$META.pre"
    local rc=0
    # private PID namespace: nft's netlink portid (= its pid, echoed in every
    # reply's nlmsg_pid) is then the same on every capture run
    ip netns exec "$CUR_NS" unshare --pid --fork --mount-proc \
        "${STRACE[@]}" -o "$WORK/$name.trace" nft list ruleset \
        >"$WORK/$name.stdout" 2>"$WORK/$name.stderr" || rc=$?
    write_meta "nft exit status: $rc"
    {
        echo "ruleset.nft:"
        sed 's/^/  | /; s/\t/    /g' "$WORK/ruleset.nft"
        echo "nft list ruleset printed:"
        sed 's/^/  | /; s/\t/    /g' "$WORK/$name.stdout"
    } >>"$META"
    if python3 "$PARSER" reply --trace "$WORK/$name.trace" --cmd "list ruleset" \
            --meta "$META" --out-prefix "$STAGE/$name" >/dev/null; then
        echo "ok    $name (nft exit $rc): $(cd "$STAGE" && ls $name-*.golden | tr '\n' ' ')"
        WRITTEN=$((WRITTEN + 1))
    else
        echo "FAIL  $name" >&2; FAILED+=("$name")
    fi
    del_ns
}
reply_case

# ---------------------------------------------------------------------------
# install
# ---------------------------------------------------------------------------
if [ ${#FAILED[@]} -eq 0 ] && [ ${#FILTERS[@]} -eq 0 ]; then
    # full, successful run: replace the whole fixture set (drops renamed/stale cases)
    rm -f "$OUT"/*.golden
fi
if compgen -G "$STAGE/*.golden" >/dev/null; then
    cp "$STAGE"/*.golden "$OUT"/
fi
echo "captured $WRITTEN case(s) into $OUT"
if [ ${#FAILED[@]} -gt 0 ]; then
    echo "FAILED: ${FAILED[*]}" >&2
    exit 1
fi
