#!/usr/bin/env bash
# A cluster of Node network namespaces reached over PowerShell remoting on SSH, for tests/remoting and the README's
# fan-out measurement. Each Node namespace runs Debian's sshd bound to its own address (key auth with a key made
# here, the pwsh SSH subsystem, PSModulePath set to the staged module); a controller namespace holds the bridge they
# hang on, and the commands given run in it. Everything is torn down on exit, on failure and on Ctrl+C: sshd killed by
# the pids this script started, namespaces deleted, the keys and configs removed.
#
# Usage: tests/remoting/rig.sh [--nodes N] [--down NAME[,NAME]] [--unprivileged NAME[,NAME]] -- COMMAND [ARG...]
#
#   --nodes N          Nodes node-1 … node-N at 192.168.77.11 … (default 5, at most 200)
#   --down NAMES       Nodes whose namespace exists but whose sshd is not started (a Node that is down)
#   --unprivileged N   Nodes whose sshd (and so the remote pwsh) runs without CAP_NET_ADMIN (a Node that refuses)
#
# COMMAND runs in the controller namespace with these in its environment:
#   HOSTACCEL_RIG          the rig's directory: cluster.json (kubectl get nodes -o json for the Nodes), the client
#                          key (id_ed25519), known_hosts, and per Node its sshd config and log
#   HOSTACCEL_RIG_KEY      the client key file, HOSTACCEL_RIG_KNOWN_HOSTS the known_hosts file
#   HOSTACCEL_RIG_NODES    the Nodes' names, space separated
#   HOSTACCEL_RIG_NETNS    the prefix of the Node namespaces' names: node-3 is in ${HOSTACCEL_RIG_NETNS}3
# The exit status is COMMAND's. Needs root, ip, sshd (openssh-server), ssh-keygen, capsh and pwsh.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)

nodes=5
down=""
unprivileged=""
while [ $# -gt 0 ]; do
  case "$1" in
    --nodes) nodes=$2; shift 2 ;;
    --down) down=",$2,"; shift 2 ;;
    --unprivileged) unprivileged=",$2,"; shift 2 ;;
    --) shift; break ;;
    *) echo "rig.sh: unknown argument $1 (usage: rig.sh [--nodes N] [--down NAMES] [--unprivileged NAMES] -- COMMAND)" >&2; exit 2 ;;
  esac
done
[ $# -gt 0 ] || { echo "rig.sh: no command given after --" >&2; exit 2; }
[[ "$nodes" =~ ^[0-9]+$ ]] && [ "$nodes" -ge 1 ] && [ "$nodes" -le 200 ] || { echo "rig.sh: --nodes takes 1 to 200, not $nodes" >&2; exit 2; }
[ "$(id -u)" -eq 0 ] || { echo "rig.sh: needs root (network namespaces, sshd)" >&2; exit 1; }
sshd=$(PATH=$PATH:/usr/sbin:/sbin command -v sshd) || { echo "rig.sh: no sshd: install openssh-server (tools/install-prerequisites.sh)" >&2; exit 1; }
pwsh=$(command -v pwsh) || { echo "rig.sh: no pwsh (tools/install-powershell.sh)" >&2; exit 1; }
[ -f "$repo/out/HostAccel/HostAccel.psd1" ] || { echo "rig.sh: the module is not staged in out/HostAccel: ./build.ps1 -Task Build" >&2; exit 1; }

# Names of this run only, so rigs of concurrent runs (and of other users of this host) do not meet.
id=$(printf '%04x' $(( $$ & 0xffff )))
ctl="hafl-$id-ctl"
dir=$(mktemp -d /tmp/hostaccel-rig.XXXXXX)
pids=()
namespaces=()

teardown() {
  local status=$?
  trap - EXIT INT TERM
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do
    for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  done
  for ns in "${namespaces[@]}"; do ip netns del "$ns" 2>/dev/null || true; done
  rm -rf "$dir"
  exit "$status"
}
trap teardown EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

ip netns add "$ctl"
namespaces+=("$ctl")
ip -n "$ctl" link set lo up
ip -n "$ctl" link add br0 type bridge
ip -n "$ctl" addr add 192.168.77.1/24 dev br0
ip -n "$ctl" link set br0 up

ssh-keygen -q -t ed25519 -N '' -C "hostaccel-rig-$id" -f "$dir/id_ed25519"
cp "$dir/id_ed25519.pub" "$dir/authorized_keys"
: > "$dir/known_hosts"
mkdir -p /run/sshd   # sshd's privilege separation directory, which the package's service would make

names=()
items=()
for i in $(seq 1 "$nodes"); do
  name="node-$i"
  names+=("$name")
  ns="hafl-$id-$i"
  address="192.168.77.$((10 + i))"
  address6="fd00:77::$(printf '%x' $((10 + i)))"
  mkdir "$dir/$name"
  ip netns add "$ns"
  namespaces+=("$ns")
  ip -n "$ns" link set lo up
  # eth0 is the Node's transport interface, on the controller's bridge; antrea-gw0 its Pods' gateway.
  ip link add "hafl$id-$i" netns "$ctl" type veth peer name eth0 netns "$ns"
  ip -n "$ctl" link set "hafl$id-$i" master br0 up
  ip -n "$ns" addr add "$address/24" dev eth0
  ip -n "$ns" addr add "$address6/64" dev eth0 nodad
  ip -n "$ns" link set eth0 up
  ip -n "$ns" link add antrea-gw0 type veth peer name gw-peer
  ip -n "$ns" link set antrea-gw0 up
  ip -n "$ns" link set gw-peer up

  ssh-keygen -q -t ed25519 -N '' -C "$name" -f "$dir/$name/ssh_host_ed25519_key"
  echo "$address $(cut -d' ' -f1,2 "$dir/$name/ssh_host_ed25519_key.pub")" >> "$dir/known_hosts"
  cat > "$dir/$name/sshd_config" <<EOF
ListenAddress $address
Port 22
HostKey $dir/$name/ssh_host_ed25519_key
PidFile $dir/$name/sshd.pid
AuthorizedKeysFile $dir/authorized_keys
PermitRootLogin prohibit-password
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
MaxStartups 100:30:200
Subsystem powershell $pwsh -sshs -NoLogo -NoProfile
SetEnv PSModulePath=$repo/out
EOF
  if [[ "$down" != *",$name,"* ]]; then
    if [[ "$unprivileged" == *",$name,"* ]]; then
      ip netns exec "$ns" capsh --drop=cap_net_admin -- -c "exec $sshd -D -e -f $dir/$name/sshd_config" 2> "$dir/$name/sshd.log" &
    else
      ip netns exec "$ns" "$sshd" -D -e -f "$dir/$name/sshd_config" 2> "$dir/$name/sshd.log" &
    fi
    pids+=("$!")
  fi

  # The Node as the Kubernetes API shows it (kubectl get nodes -o json): the rig's cluster description.
  items+=("$(printf '{"apiVersion":"v1","kind":"Node","metadata":{"name":"%s","labels":{"kubernetes.io/hostname":"%s"}},"spec":{"podCIDR":"10.244.%d.0/24","podCIDRs":["10.244.%d.0/24","fd00:10:244:%x::/64"]},"status":{"addresses":[{"type":"InternalIP","address":"%s"},{"type":"InternalIP","address":"%s"},{"type":"Hostname","address":"%s"}]}}' \
    "$name" "$name" "$i" "$i" "$i" "$address" "$address6" "$name")")
done
(IFS=,; printf '{"apiVersion":"v1","kind":"List","items":[%s],"metadata":{"resourceVersion":""}}\n' "${items[*]}") > "$dir/cluster.json"

# Each sshd listening (or known to be down) before the command starts.
for i in $(seq 1 "$nodes"); do
  name="node-$i"
  [[ "$down" == *",$name,"* ]] && continue
  for _ in $(seq 1 100); do
    ip netns exec "hafl-$id-$i" ss -Hltn "src 192.168.77.$((10 + i)):22" | grep -q . && break
    sleep 0.05
  done
  ip netns exec "hafl-$id-$i" ss -Hltn "src 192.168.77.$((10 + i)):22" | grep -q . ||
    { echo "rig.sh: sshd of $name is not listening:" >&2; cat "$dir/$name/sshd.log" >&2; exit 1; }
done

status=0
HOSTACCEL_RIG=$dir HOSTACCEL_RIG_KEY=$dir/id_ed25519 HOSTACCEL_RIG_KNOWN_HOSTS=$dir/known_hosts HOSTACCEL_RIG_NODES="${names[*]}" HOSTACCEL_RIG_NETNS="hafl-$id-" \
  ip netns exec "$ctl" "$@" || status=$?
exit "$status"
