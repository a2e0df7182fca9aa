#!/usr/bin/env bash
# Installs what ./test.sh, ./demo.sh and .ci/run need on a fresh Debian machine that has the .NET SDK: the Debian
# packages listed below — the one list of them — then pwsh and Pester 5 (tools/install-powershell.sh). Only what is
# missing is installed, and apt is not asked anything when nothing is. The flowtable VM installs its own (qemu,
# busybox, Debian's kernel: tests/vm/build.sh, which run.sh calls). Needs root.
#
# Usage: tools/install-prerequisites.sh
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian package -> a command it provides, checked as well as the package, so that a half-removed one is reinstalled.
declare -A packages=(
  [nftables]=nft           # the reference nft: golden bytes, and the oracle the kernel tests compare with
  [iproute2]=ip            # throwaway namespaces, veth pairs, ss
  [conntrack]=conntrack    # offloaded flows as conntrack shows them
  [iperf3]=iperf3          # transfers across the router namespace (demo, dataplane checks)
  [iputils-ping]=ping      # connections the offload tests track
  [strace]=strace          # golden bytes are captured from what nft sends
  [libcap2-bin]=capsh
  [util-linux]=setpriv     # the privilege tests drop CAP_NET_ADMIN with it
  [procps]=sysctl
  [kmod]=modprobe          # Test-HostAccelSupport asks which modules are loadable
  [openssh-server]=sshd    # tests/remoting: an sshd per Node namespace, pwsh remoting over SSH
  [openssh-client]=ssh     # … and the client pwsh's SSH remoting runs
)

missing=()
for package in "${!packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' ||
    ! PATH=$PATH:/usr/sbin:/sbin command -v "${packages[$package]}" >/dev/null; then
    missing+=("$package")
  fi
done

if [ ${#missing[@]} -gt 0 ]; then
  [ "$(id -u)" -eq 0 ] || { echo "install-prerequisites: ${missing[*]} missing, and installing them needs root" >&2; exit 1; }
  echo "install-prerequisites: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get -qq -o DPkg::Lock::Timeout=600 update
  # --reinstall too: a package whose command was deleted by hand still counts as installed.
  # openssh-server's package would start a host-wide sshd; the tests start their own, so no service is started
  # here (a policy-rc.d that refuses, unless the machine has one already, as containers do).
  policy=""
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    policy=/usr/sbin/policy-rc.d
    printf '#!/bin/sh\nexit 101\n' > "$policy"
    chmod +x "$policy"
  fi
  status=0
  apt-get install -y -qq --no-install-recommends --reinstall -o DPkg::Lock::Timeout=600 "${missing[@]}" >/dev/null || status=$?
  [ -z "$policy" ] || rm -f "$policy"
  [ "$status" -eq 0 ] || exit "$status"
fi

tools/install-powershell.sh
