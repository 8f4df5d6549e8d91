#!/usr/bin/env bash
# Test hosts as network namespaces: each host has its own network namespace on a bridge in
# $NET.0/24 (198.18.0.0/24 unless NET is set), its own mount namespace with its own /nix, /run,
# /etc/nix and /root, and its own sshd.
# Needs root. Everything it makes is named with the prefix and removed by `down`.
#
#   netns-fleet.sh up     DIR PREFIX INDEX PUBKEY_FILE TRUSTED_NIX_KEY   # make host INDEX (1..200)
#   netns-fleet.sh start  DIR PREFIX INDEX                               # (re)start its sshd
#   netns-fleet.sh stop   DIR PREFIX INDEX                               # kill its sshd
#   netns-fleet.sh link   DIR PREFIX INDEX down|up                       # cut the host off the network, or plug it back
#   netns-fleet.sh down   DIR PREFIX COUNT                               # remove hosts and bridge
#
# Host INDEX is reachable at $NET.(10+INDEX) port 22; its files live in DIR/hostINDEX.
set -euo pipefail
cmd=$1 dir=$2 prefix=$3
net=${NET:-198.18.0}
bridge="${prefix}br"
ip_of() { echo "$net.$((10 + $1))"; }

ensure_bridge() {
  ip link show "$bridge" >/dev/null 2>&1 && return
  ip link add "$bridge" type bridge
  ip addr add "$net.1/24" dev "$bridge"
  ip link set "$bridge" up
}

up() {
  local i=$1 pubkey=$2 nixkey=$3 ns="${prefix}$1" h="$dir/host$1"
  ensure_bridge
  mkdir -p "$h/nix" "$h/run/sshd" "$h/etc-nix" "$h/ssh" "$h/root"
  [ -f "$h/ssh/host_ed25519" ] || ssh-keygen -q -t ed25519 -N '' -f "$h/ssh/host_ed25519" -C "$ns"
  cp "$pubkey" "$h/ssh/authorized_keys"
  chmod 600 "$h/ssh/authorized_keys"
  printf 'experimental-features = nix-command\nsandbox = false\nsubstituters =\ntrusted-public-keys = %s\n' "$nixkey" > "$h/etc-nix/nix.conf"
  cat > "$h/ssh/sshd_config" <<EOC
ListenAddress $(ip_of "$i")
HostKey $h/ssh/host_ed25519
AuthorizedKeysFile $h/ssh/authorized_keys
PermitRootLogin prohibit-password
PasswordAuthentication no
StrictModes no
UsePAM no
PidFile $h/sshd.pid
MaxSessions 64
MaxStartups 100:30:200
EOC
  ip netns add "$ns"
  ip link add "${ns}h" type veth peer name "${ns}c"
  ip link set "${ns}c" netns "$ns"
  ip link set "${ns}h" master "$bridge" up
  ip netns exec "$ns" ip addr add "$(ip_of "$i")/24" dev "${ns}c"
  ip netns exec "$ns" ip link set "${ns}c" up
  ip netns exec "$ns" ip link set lo up
  start "$i"
}

start() {
  local i=$1 ns="${prefix}$1" h="$dir/host$1"
  stop "$i"
  # The host's own /nix, /run, /etc/nix and /root exist only inside this mount namespace; an
  # own /root also keeps the controller machine's shell start-up files out of the host's sessions.
  ip netns exec "$ns" unshare -m --propagation private sh -c "
    mount --bind '$h/nix' /nix && mount --bind '$h/run' /run && mkdir -p /run/sshd &&
    mount --bind '$h/etc-nix' /etc/nix && mount --bind '$h/root' /root &&
    exec /usr/sbin/sshd -f '$h/ssh/sshd_config'"
  for _ in $(seq 1 50); do
    [ -s "$h/sshd.pid" ] && ip netns exec "$ns" bash -c "exec 3<>/dev/tcp/$(ip_of "$i")/22" 2>/dev/null && return 0
    sleep 0.1
  done
  echo "sshd of $ns did not start" >&2; return 1
}

stop() {
  local i=$1 h="$dir/host$1" ns="${prefix}$1"
  if [ -s "$h/sshd.pid" ]; then kill "$(cat "$h/sshd.pid")" 2>/dev/null || true; rm -f "$h/sshd.pid"; fi
  # Sessions forked by sshd outlive the listener; they belong to this host too.
  ip netns pids "$ns" 2>/dev/null | xargs -r kill -9 2>/dev/null || true
}

# The host's own end of its cable: packets to and from it vanish, as when a host drops off the
# network, while its sshd and the sessions it holds stay as they are.
link() {
  local i=$1 state=$2 ns="${prefix}$1"
  ip netns exec "$ns" ip link set "${ns}c" "$state"
}

down() {
  local count=$1
  for i in $(seq 1 "$count"); do
    stop "$i" 2>/dev/null || true
    ip link del "${prefix}${i}h" 2>/dev/null || true
    ip netns del "${prefix}${i}" 2>/dev/null || true
  done
  ip link del "$bridge" 2>/dev/null || true
}

case "$cmd" in
  up) up "$4" "$5" "$6" ;;
  start) start "$4" ;;
  stop) stop "$4" ;;
  link) link "$4" "$5" ;;
  down) down "$4" ;;
  *) echo "unknown command $cmd" >&2; exit 2 ;;
esac
