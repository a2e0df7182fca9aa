#!/usr/bin/env bash
# Prepares what tests/vm/run.sh boots: Debian's own kernel (the host kernel has
# no flowtable support) and a busybox initramfs carrying the netfilter modules.
#
# Usage: tests/vm/build.sh [--refresh]
# Prints the artifact directory (holding kernel and initrd.img) on stdout;
# everything else goes to stderr. A second run with the same kernel package and
# the same init.sh/build.sh finds the artifacts in the cache and returns at once.
#
# Environment: HOSTACCEL_VM_CACHE (default /var/cache/hostaccel-vm).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cache=${HOSTACCEL_VM_CACHE:-/var/cache/hostaccel-vm}

log() { printf 'vm-build: %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

[[ $EUID -eq 0 ]] || die "must run as root (apt-get, and qemu later exports / over 9p)"

# Loaded by /init at boot, in this order after dependency resolution.
# crc32c_generic comes first: libcrc32c (needed by nf_conntrack, nf_tables, nf_nat)
# only has a soft dependency on "crc32c", which insmod does not follow.
preload_modules=(
	crc32c_generic libcrc32c
	virtio_pci 9pnet 9pnet_virtio netfs fscache 9p
	nfnetlink nf_tables nf_conntrack nf_nat nf_conntrack_netlink
	nf_flow_table nf_flow_table_inet nft_flow_offload nft_ct nft_nat nft_chain_nat
	veth dummy
	sch_ingress cls_flower act_mirred act_pedit act_csum act_gact
)
# insmod parameters, by module name. dummy would otherwise create a stray
# dummy0 in the root namespace.
declare -A module_params=([dummy]="numdummies=0")
# Shipped in the initramfs but only loaded when the kernel asks for them
# (request_module -> /sbin/modprobe = busybox), so other nft expressions, sets
# families and link types work without growing the boot-time list.
ondemand_dirs=(
	kernel/net/netfilter kernel/net/ipv4/netfilter kernel/net/ipv6/netfilter
	kernel/net/bridge kernel/net/sched
)
ondemand_modules=(macvlan ipvlan vxlan geneve ifb tun vrf bridge br_netfilter)

# Debian package -> a command it provides (checked so that a half-removed
# package is reinstalled). The guest runs the host's own tools over 9p, so the
# test tools are installed on the host too.
declare -A packages=(
	[qemu-system-x86]=qemu-system-x86_64
	[busybox-static]=busybox
	[cpio]=cpio
	[kmod]=depmod
	[iperf3]=iperf3
	[sockperf]=sockperf
	[conntrack]=conntrack
	[nftables]=nft
	[iproute2]=ip
	[ethtool]=ethtool
	[xz-utils]=xz
)

apt_updated=0
apt_update_once() {
	((apt_updated)) && return 0
	log "apt-get update"
	apt-get -q -o DPkg::Lock::Timeout=600 update >&2 || die "apt-get update failed"
	apt_updated=1
}

install_packages() {
	local missing=() p
	for p in "${!packages[@]}"; do
		if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
			! PATH=$PATH:/usr/sbin:/sbin command -v "${packages[$p]}" >/dev/null; then
			missing+=("$p")
		fi
	done
	((${#missing[@]})) || return 0
	# A fresh image may have no package lists at all: apt-cache then knows nothing.
	for p in "${missing[@]}"; do
		apt-cache show "$p" >/dev/null 2>&1 || { apt_update_once; break; }
	done
	for p in "${missing[@]}"; do
		apt-cache show "$p" >/dev/null 2>&1 || die "Debian has no package named $p"
	done
	log "installing ${missing[*]}"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
		-o DPkg::Lock::Timeout=600 "${missing[@]}" >&2 || die "apt-get install failed"
}

# "<package> <version>" of the kernel linux-image-amd64 points at, e.g.
# "linux-image-6.1.0-56-amd64 6.1.192-2" (one apt-cache call: each costs ~1 s).
kernel_package() {
	apt-cache show --no-all-versions linux-image-amd64 2>/dev/null |
		awk '/^Depends:/ && match($0, /linux-image-[0-9][^ ,]* \(= [^)]*\)/) {
			split(substr($0, RSTART, RLENGTH), f, /[ =()]+/); print f[1], f[2]; exit }'
}

# The kernel version of an unpacked kernel package: its one lib/modules/<version>.
modules_version() {
	local d
	for d in "$1"/lib/modules/*/; do
		[[ -d $d ]] && { basename "$d"; return 0; }
	done
	die "no lib/modules/<version> in $1"
}

# Downloads and unpacks the kernel package into $cache/kernel/<pkg>_<version>
# (once), runs depmod there, and prints that directory.
fetch_kernel() {
	local pkg ver kdir tmp
	read -r pkg ver < <(kernel_package) || true
	if [[ -z ${ver:-} ]]; then
		apt_update_once
		read -r pkg ver < <(kernel_package) || true
	fi
	[[ -n ${ver:-} ]] || die "cannot resolve the kernel package behind linux-image-amd64"
	kdir=$cache/kernel/${pkg}_${ver}
	if [[ ! -f $kdir/.complete ]]; then
		tmp=$(mktemp -d "$cache/kernel/.fetch.XXXXXX")
		log "downloading $pkg $ver"
		# APT::Sandbox::User=root: the _apt user may not write into the cache dir.
		if ! (cd "$tmp" && apt-get -q -o APT::Sandbox::User=root download "$pkg=$ver" >&2); then
			rm -rf "$tmp"
			((apt_updated)) && die "cannot download $pkg $ver"
			# Stale lists name a version the mirror no longer has.
			apt_update_once
			fetch_kernel
			return
		fi
		dpkg-deb -x "$tmp"/*.deb "$tmp/root"
		rm -f "$tmp"/*.deb
		depmod -b "$tmp/root" "$(modules_version "$tmp/root")"
		# Keep only the newest kernel: each unpacked tree is ~400 MB.
		rm -rf "$cache"/kernel/linux-image-* "$cache"/artifacts/*
		mv "$tmp/root" "$kdir"
		rmdir "$tmp"
		touch "$kdir/.complete"
	fi
	printf '%s\n' "$kdir"
}

# Reads modules.dep and prints the module files (relative to the module dir)
# needed for the named modules, each after its dependencies. Names listed in
# modules.builtin are reported on stderr and skipped; unknown names fail.
resolve_modules() {
	local moddir=$1
	shift
	awk -v want="$*" '
		function norm(s) { sub(/.*\//, "", s); sub(/\.ko(\.[a-z]+)?$/, "", s); gsub(/-/, "_", s); return s }
		function visit(p,   n, d, i) {
			if (p in seen) return
			seen[p] = 1
			n = split(deps[p], d, " ")
			for (i = n; i >= 1; i--) visit(d[i])
			print p
		}
		FILENAME ~ /modules\.builtin$/ { builtin[norm($1)] = 1; next }
		{
			key = $1; sub(/:$/, "", key)
			file[norm(key)] = key
			$1 = ""; deps[key] = $0
		}
		END {
			n = split(want, w, " ")
			for (i = 1; i <= n; i++) {
				m = norm(w[i])
				if (m in file) visit(file[m])
				else if (m in builtin) printf "vm-build: %s is built into the kernel\n", m > "/dev/stderr"
				else { printf "vm-build: ERROR: no module %s\n", m > "/dev/stderr"; bad = 1 }
			}
			exit bad
		}
	' "$moddir/modules.builtin" "$moddir/modules.dep"
}

# Debian's bzImage is xz-compressed, and under TCG the boot stub needs ~6 s to
# unpack it. The ELF vmlinux inside boots directly through its PVH entry point
# (CONFIG_PVH) in well under a second, so extract it once here.
extract_vmlinux() {
	local bz=$1 out=$2 off
	off=$(LC_ALL=C grep -obUaP '\xfd7zXZ\x00' "$bz" | head -n1 | cut -d: -f1) || true
	[[ -n $off ]] || return 1
	# xz stops after the first stream; fed by a pipe, tail would then die of
	# SIGPIPE and pipefail would report that as a failure.
	xz -dc --single-stream <(tail -c +$((off + 1)) "$bz") >"$out" 2>/dev/null || return 1
	[[ $(head -c4 "$out" | od -An -c | tr -d ' ') == 177ELF ]]
}

build_initramfs() {
	local kdir=$1 out=$2 kver moddir
	kver=$(modules_version "$kdir")
	moddir=$kdir/lib/modules/$kver
	stage=$(mktemp -d "$cache/.stage.XXXXXX")

	local bb
	bb=$(command -v busybox)
	# A dynamically linked busybox would need the host's libc inside the initramfs.
	if ldd "$bb" >/dev/null 2>&1; then die "$bb is not static (is busybox-static installed?)"; fi

	mkdir -p "$stage"/{bin,dev,proc,sys,tmp,newroot,lib/modules/"$kver"}
	ln -s bin "$stage/sbin"
	cp "$bb" "$stage/bin/busybox"
	install -m 0755 "$here/init.sh" "$stage/init"
	# The kernel opens /dev/console before /init runs and mounts devtmpfs.
	mknod -m 600 "$stage/dev/console" c 5 1

	local preload ondemand
	preload=$(resolve_modules "$moddir" "${preload_modules[@]}") || die "module resolution failed"
	local extra=("${ondemand_modules[@]}") d
	for d in "${ondemand_dirs[@]}"; do
		[[ -d $moddir/$d ]] && while IFS= read -r f; do extra+=("$f"); done < <(cd "$moddir" && find "$d" -name '*.ko*')
	done
	ondemand=$(resolve_modules "$moddir" "${extra[@]}") || die "module resolution failed"

	local m
	while IFS= read -r m; do
		mkdir -p "$stage/lib/modules/$kver/$(dirname "$m")"
		cp "$moddir/$m" "$stage/lib/modules/$kver/$m"
	done < <(printf '%s\n%s\n' "$preload" "$ondemand" | sort -u)
	# preload.list: "<file> [param=value...]" per line, dependencies first.
	while IFS= read -r m; do
		local name=${m##*/}
		name=${name%%.ko*}
		printf '%s %s\n' "$m" "${module_params[${name//-/_}]:-}"
	done <<<"$preload" >"$stage/lib/modules/$kver/preload.list"
	# A modules.dep/alias for exactly this subset, for busybox modprobe.
	cp "$moddir"/modules.builtin "$moddir"/modules.builtin.modinfo "$moddir"/modules.order "$stage/lib/modules/$kver/"
	depmod -b "$stage" "$kver"
	if grep -qx 'CONFIG_PVH=y' "$kdir/boot/config-$kver" && extract_vmlinux "$kdir/boot/vmlinuz-$kver" "$out/kernel"; then
		log "kernel: vmlinux extracted (PVH boot)"
	else
		log "kernel: booting the compressed bzImage (no PVH entry or not xz): slower boot"
		cp "$kdir/boot/vmlinuz-$kver" "$out/kernel"
	fi

	log "initramfs: $(wc -l <<<"$preload") modules preloaded, $(find "$stage/lib/modules" -name '*.ko*' | wc -l) shipped"
	(cd "$stage" && find . -print0 | LC_ALL=C sort -z | cpio --null -o -H newc --owner=0:0 --quiet) |
		gzip -6 >"$out/initrd.img"
	printf '%s\n' "$kver" >"$out/kernel-version"
	cp "$stage/lib/modules/$kver/preload.list" "$out/preload.list"
}

stage=
trap 'rm -rf "${stage:-}"' EXIT

main() {
	mkdir -p "$cache/kernel" "$cache/artifacts"
	# run.sh may be started twice at once (a developer and CI on one machine).
	exec 9>"$cache/.lock"
	flock 9

	rm -rf "$cache"/kernel/.fetch.* "$cache"/.stage.* # left by an interrupted run

	install_packages
	local kdir key art hash
	# Artifacts depend on the kernel package and on these two scripts only.
	hash=$(cat "$here/init.sh" "$here/build.sh" | sha256sum | cut -c1-12)
	# Fast path without apt (whose look-ups cost seconds): any kernel built with
	# these scripts will do. --refresh asks apt for the current kernel package.
	if [[ ${1:-} != --refresh ]]; then
		for art in "$cache"/artifacts/*-"$hash"; do
			[[ -f $art/.complete ]] && { printf '%s\n' "$art"; return 0; }
		done
	fi
	kdir=$(fetch_kernel)
	key=$(basename "$kdir")-$hash
	art=$cache/artifacts/$key
	if [[ ! -f $art/.complete ]]; then
		log "building initramfs $key"
		rm -rf "$art"
		mkdir -p "$art"
		build_initramfs "$kdir" "$art"
		touch "$art/.complete"
		# Builds of an older kernel are dead weight (a VM still running from one
		# keeps its open files). Builds of this kernel by other versions of these
		# scripts stay: branches checked out side by side would otherwise
		# delete each other's build on every run.
		find "$cache/artifacts" -mindepth 1 -maxdepth 1 ! -name "$(basename "$kdir")-*" -exec rm -rf {} +
	fi
	printf '%s\n' "$art"
}

main "$@"
