#!/usr/bin/env bash
# Prints the path of a Debian 12 root file system for test hosts that boot a real systemd under
# systemd-nspawn, building it first when it is missing. Built once per recipe and cached outside
# the clone (under $DRIFTLESS_ROOTFS_CACHE, default /var/cache/driftless-test), keyed by a hash
# of this script, so a change to the recipe builds a new one. Hosts share it read-only
# (systemd-nspawn --volatile=overlay) and get their own /nix by a bind mount.
# Usage: src/test/scripts/nspawn-rootfs.sh   (root; needs debootstrap and systemd-container)
set -euo pipefail
[ "$(id -u)" -eq 0 ] || { echo "nspawn-rootfs.sh: building a root file system needs root" >&2; exit 1; }
cache=${DRIFTLESS_ROOTFS_CACHE:-/var/cache/driftless-test}
recipe=$(sha256sum "$0" | cut -c1-12)
rootfs=$cache/rootfs-$recipe
if [ -f "$rootfs/.complete" ]; then
  echo "$rootfs"
  exit 0
fi
mkdir -p "$cache"
exec 9>"$cache/.lock"
flock 9 # another test run may be building the same recipe
if [ -f "$rootfs/.complete" ]; then
  echo "$rootfs"
  exit 0
fi
work=$(mktemp -d "$cache/build-XXXXXX")
trap 'rm -rf "$work"' EXIT
mirror=$(sed -n 's/^URIs: *//p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -n1)
debootstrap --variant=minbase --include=systemd,systemd-sysv,dbus,openssh-server,iproute2 \
  bookworm "$work" "${mirror:-http://deb.debian.org/debian}" >&2
# nix-bin's Perl dependencies fail debootstrap's own configuration pass; apt in the chroot installs them.
mount -t proc proc "$work/proc"
trap 'umount "$work/proc" 2>/dev/null; rm -rf "$work"' EXIT
chroot "$work" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nix-bin sudo nftables >&2
umount "$work/proc"
# Trap 1 (DESIGN.md): root's user manager hangs on stop and every ssh login waits on it. Let root
# linger, so its manager never stops, and give user@.service a short stop timeout all the same.
mkdir -p "$work/var/lib/systemd/linger" "$work/etc/systemd/system/user@.service.d"
touch "$work/var/lib/systemd/linger/root"
printf '[Service]\nTimeoutStopSec=5s\n' > "$work/etc/systemd/system/user@.service.d/driftless-test.conf"
# Logins by key only; the test harness puts the controller's key and each host's own host key in place.
printf 'PasswordAuthentication no\nKbdInteractiveAuthentication no\nPermitRootLogin prohibit-password\nUseDNS no\n' \
  > "$work/etc/ssh/sshd_config.d/driftless-test.conf"
# Each host makes its own host keys at boot (the overlay is fresh each time), before sshd's config test.
rm -f "$work"/etc/ssh/ssh_host_*
printf '[Unit]\nBefore=ssh.service\n[Service]\nType=oneshot\nExecStart=/usr/bin/ssh-keygen -A\n[Install]\nWantedBy=multi-user.target\n' \
  > "$work/etc/systemd/system/driftless-hostkeys.service"
ln -s /etc/systemd/system/driftless-hostkeys.service "$work/etc/systemd/system/multi-user.target.wants/driftless-hostkeys.service"
# At boot, the system profile's generation is activated, as NixOS's stage 2 activates the boot
# entry's: its first activation makes /run/booted-system. A host with no generation yet boots plain.
printf '%s\n' '[Unit]' 'Description=Activate the system profile, as NixOS does at boot' \
  'ConditionPathExists=/nix/var/nix/profiles/system' 'After=nix-daemon.socket' 'Before=ssh.service' \
  '[Service]' 'Type=oneshot' 'RemainAfterExit=yes' \
  'ExecStart=/nix/var/nix/profiles/system/bin/switch-to-configuration test' \
  '[Install]' 'WantedBy=multi-user.target' > "$work/etc/systemd/system/driftless-boot.service"
ln -s /etc/systemd/system/driftless-boot.service "$work/etc/systemd/system/multi-user.target.wants/driftless-boot.service"
# A non-root user for deploys through sudo: logs in by key (a password of '*' is no password,
# not a locked account), talks to Nix's daemon (its socket is for nix-users), lingers as root does
# (trap 1), and has no sudoers entry: tests install the lines they mean to prove.
chroot "$work" useradd --create-home --shell /bin/sh --groups nix-users deploy
chroot "$work" usermod --password '*' deploy
touch "$work/var/lib/systemd/linger/deploy"
# Closures copied as a user that Nix does not trust go through Nix's daemon, which checks their
# signatures (require-sigs) against trusted-public-keys. Debian's nix-bin ships and enables the
# daemon's socket and service; say so here rather than rely on its maintainer scripts.
chroot "$work" systemctl enable --quiet nix-daemon.socket nix-daemon.service
# The harness binds a per-fleet copy of this file that adds the test signing key to
# trusted-public-keys, so root and the daemon read the same settings from boot on.
printf 'experimental-features = nix-command\nsandbox = false\nsubstituters =\nrequire-sigs = true\ntrusted-users = root\n' \
  > "$work/etc/nix/nix.conf"
# debootstrap copies this machine's name; without the file systemd keeps the name nspawn gives.
rm -f "$work/etc/hostname"
chroot "$work" apt-get clean
touch "$work/.complete"
mv "$work" "$rootfs"
trap - EXIT
echo "$rootfs"
