#!/bin/busybox sh
# PID 1 of the test VM (copied into the initramfs as /init by build.sh).
#
# It loads the netfilter modules, mounts the host's / read-only over 9p as the
# guest's root, runs the command that run.sh left in the writable "results"
# share, records its exit code there and powers off. Everything the command
# needs (nft, iperf3, dotnet, ...) comes from the host's own filesystem.
#
# Contract with run.sh (paths relative to the results share):
#   .vm/cmd.sh   the script to run (inside the chroot, with /bin/sh)
#   .vm/stdout   .vm/stderr   what the command printed
#   .vm/rc       its exit code; written last, so its presence means "finished"
#   .vm/init.log what this init had to say (module failures, mount errors)

/bin/busybox mkdir -p /bin /sbin /proc /sys /dev
/bin/busybox --install -s /bin
export PATH=/bin

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
# The kernel opened /dev/console from the initramfs node; reopen it on devtmpfs
# so that output survives whatever happens to the initramfs' /dev.
exec </dev/console >/dev/console 2>&1

errors=0
# Until the results share is mounted, the log can only go to the initramfs.
logfile=/tmp/init.log
log() { echo "vm-init: $*"; echo "vm-init: $*" >>"$logfile"; }
fail() { log "ERROR: $*"; errors=$((errors + 1)); }
halt() {
	sync
	poweroff -f
	# poweroff -f does not return; if it ever did, panic=-1 + -no-reboot ends qemu.
	exit 1
}
mkdir -p /tmp
: >/tmp/init.log

kver=$(uname -r)
moddir=/lib/modules/$kver

# Load order comes from build.sh (dependencies first). insmod rather than
# modprobe so that a failure names the exact file.
while read -r mod params; do
	[ -n "$mod" ] || continue
	# shellcheck disable=SC2086 # one word per module parameter
	out=$(insmod "$moddir/$mod" $params 2>&1) || fail "insmod $mod failed: $out"
done <"$moddir/preload.list"

# Anything else the kernel asks for (nft expression types, xt matches, ...)
# is loaded on demand by busybox modprobe from the initramfs' module tree.
echo /sbin/modprobe >/proc/sys/kernel/modprobe

mkdir -p /newroot
if ! mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000,cache=loose,ro hostroot /newroot; then
	log "FATAL: cannot mount the host root (9p tag hostroot)"
	halt
fi

# The host root is read-only: only mount points that exist on every Debian
# host are used (/tmp, /run, /proc, /sys, /dev). Fresh tmpfs/proc/sysfs
# instances also hide the host's own /tmp, /run and /proc contents.
mount -t tmpfs -o mode=1777 tmpfs /newroot/tmp || fail "tmpfs on /tmp"
mount -t tmpfs -o mode=0755 tmpfs /newroot/run || fail "tmpfs on /run"
mount -t proc proc /newroot/proc || fail "proc"
mount -t sysfs sysfs /newroot/sys || fail "sysfs"
mount -t devtmpfs devtmpfs /newroot/dev || fail "devtmpfs"
mkdir -p /newroot/dev/pts /newroot/dev/shm
mount -t devpts -o newinstance,ptmxmode=0666 devpts /newroot/dev/pts || fail "devpts"
mount -t tmpfs -o mode=1777 tmpfs /newroot/dev/shm || fail "tmpfs on /dev/shm"
# `ip netns add` bind-mounts nsfs files under /run/netns and relies on shared
# propagation; the initramfs root starts private.
mount --make-rshared /newroot 2>/dev/null || mount --make-shared /newroot/run || fail "make-shared"

# The writable results share. /run is the guest's own tmpfs, so the mount point
# can be created there whatever the host's / looks like.
results=/newroot/run/vm/results
mkdir -p "$results"
if ! mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000,cache=none results "$results"; then
	log "FATAL: cannot mount the results share (9p tag results)"
	halt
fi
ctl=$results/.vm
cat /tmp/init.log >>"$ctl/init.log"
logfile=$ctl/init.log

if [ ! -f "$ctl/cmd.sh" ]; then
	log "FATAL: no .vm/cmd.sh in the results share"
	echo 125 >"$ctl/rc"
	halt
fi

if [ -f "$ctl/workdir" ]; then
	workdir=$(cat "$ctl/workdir")
	mkdir -p "/newroot$workdir" &&
		mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000,cache=loose,ro work "/newroot$workdir" ||
		fail "the working directory $workdir (9p tag work)"
fi

if [ "$errors" -ne 0 ]; then
	# A missing module makes any netfilter test meaningless: refuse to run.
	log "FATAL: $errors setup error(s); not running the command"
	echo 125 >"$ctl/rc"
	halt
fi

# The 9p root ignores ownership (security_model=none on the host side), so
# nothing needs remapping; the command runs as root like the host's CI does.
chroot /newroot /bin/sh /run/vm/results/.vm/cmd.sh </dev/null >"$ctl/stdout" 2>"$ctl/stderr"
rc=$?
# Write to a temporary name first: run.sh treats the presence of rc as "done".
echo "$rc" >"$ctl/rc.tmp" && mv "$ctl/rc.tmp" "$ctl/rc"
umount "$results" 2>/dev/null
halt
