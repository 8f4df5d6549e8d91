# Hosts that boot a real systemd, for the benches: the shell counterpart of SystemdFleet
# (src/test/java/dev/driftless/testing). Debian 12 containers (systemd-nspawn --boot) from the
# root file system src/test/scripts/nspawn-rootfs.sh makes and caches, shared read-only
# (--volatile=overlay), each with its own empty /nix, on a bridge over a /24 of 198.19.0.0/16
# that no interface here uses. Root logs in with a client key made here; the hosts' own keys are
# pinned from inside, never learnt over the network; Nix on the hosts trusts a signing key made here.
#
# Source it, then:
#   nspawn_up DIR NAME...   boots the hosts at once and waits until each is up and answers ssh.
#                           DIR gets client_key, known_hosts and signing.sec. Sets
#                           nspawn_ip[NAME]; nspawn_state[NAME]: running, or degraded and
#                           the units that failed; nspawn_up_ms[NAME]: launch -> systemd up;
#                           nspawn_boot_ms: launch -> every host up and answering ssh.
#   nspawn_ssh_opts         ssh options that reach the hosts with that key and pin (an array).
#   nspawn_down             powers the hosts off (SIGTERM to nspawn, SIGKILL after a grace time),
#                           ends ssh processes still talking to them, removes the bridge. Safe to
#                           call twice and after an nspawn_up that failed half-way: call it from
#                           the caller's EXIT trap.
# Needs root, systemd-nspawn, nsenter, ss and (the first time) debootstrap.

declare -gA nspawn_ip=() nspawn_state=() nspawn_up_ms=() nspawn_pid=() nspawn_init=() nspawn_machine=()
nspawn_net= nspawn_bridge= nspawn_dir= nspawn_boot_ms= nspawn_ssh_opts=()
NSPAWN_BOOT_SECONDS=${NSPAWN_BOOT_SECONDS:-180}
NSPAWN_STOP_SECONDS=${NSPAWN_STOP_SECONDS:-8}

nspawn_up() {
  nspawn_dir=$1; shift
  local rootfs name i=0 start
  rootfs=$(bash src/test/scripts/nspawn-rootfs.sh)
  # Names short enough for interface names: nspawn calls the host end of a veth vb-<machine>.
  local id="dsb$(( $$ % 100000 ))"
  nspawn_bridge="${id}br"
  nspawn_claim_net
  ssh-keygen -q -t ed25519 -N '' -f "$nspawn_dir/client_key"
  nix key generate-secret --key-name driftless-bench-1 > "$nspawn_dir/signing.sec"
  { cat "$rootfs/etc/nix/nix.conf"; printf 'trusted-public-keys = %s\n' "$(nix key convert-secret-to-public < "$nspawn_dir/signing.sec")"; } \
    > "$nspawn_dir/nix.conf"
  nspawn_ssh_opts=(-o BatchMode=yes -o StrictHostKeyChecking=yes -o "UserKnownHostsFile=$nspawn_dir/known_hosts"
    -o GlobalKnownHostsFile=/dev/null -o ConnectTimeout=10 -o IdentitiesOnly=yes -i "$nspawn_dir/client_key")

  start=$(nspawn_now_ms)
  for name in "$@"; do
    i=$((i + 1))
    nspawn_ip[$name]="$nspawn_net.$((10 + i))"
    nspawn_machine[$name]="${id}h$i"
    mkdir -p "$nspawn_dir/$name/nix"
    systemd-nspawn --quiet --directory="$rootfs" --volatile=overlay --boot --register=no --keep-unit \
      --machine="${nspawn_machine[$name]}" --hostname="$name" --network-bridge="$nspawn_bridge" \
      --bind="$nspawn_dir/$name/nix:/nix" --bind-ro="$nspawn_dir/nix.conf:/etc/nix/nix.conf" --console=read-only \
      < /dev/null > "$nspawn_dir/$name/console.log" 2>&1 &
    nspawn_pid[$name]=$!
  done
  for name in "$@"; do nspawn_find_init "$name"; done
  # Each host boots on its own; wait for all of them at once.
  local pids=() failed=0
  for name in "$@"; do nspawn_await "$name" "$start" & pids+=($!); done
  for i in "${pids[@]}"; do wait "$i" || failed=1; done
  [ "$failed" = 0 ] || return 1
  : > "$nspawn_dir/known_hosts"
  for name in "$@"; do
    echo "${nspawn_ip[$name]} $(cat "$nspawn_dir/$name/hostkey")" >> "$nspawn_dir/known_hosts"
    nspawn_state[$name]=$(cat "$nspawn_dir/$name/state")
    nspawn_up_ms[$name]=$(( $(cat "$nspawn_dir/$name/up") - start ))
  done
  for name in "$@"; do nspawn_await_ssh "$name"; done
  nspawn_boot_ms=$(( $(nspawn_now_ms) - start ))
}

# The bridge, as .1 of the first /24 from 198.19.250 down that no interface has; another run
# may claim one at the same moment, so a claim is checked after it is made.
nspawn_claim_net() {
  local k n
  for k in $(seq 0 253); do
    n="198.19.$(( (249 - k + 254) % 254 + 1 ))"
    ip -o -4 addr show | grep -qF " $n." && continue
    ip link add "$nspawn_bridge" type bridge
    ip addr add "$n.1/24" dev "$nspawn_bridge" && ip link set "$nspawn_bridge" up
    if [ "$(ip -o -4 addr show | grep -cF " $n.")" = 1 ]; then nspawn_net=$n; return 0; fi
    ip link del "$nspawn_bridge"
  done
  echo "no free /24 left in 198.19.0.0/16 for systemd hosts" >&2; return 1
}

# systemd as the container's PID 1: the child of nspawn that runs it.
nspawn_find_init() {
  local name=$1 deadline=$((SECONDS + NSPAWN_BOOT_SECONDS)) init
  until init=$(pgrep -P "${nspawn_pid[$name]}" -x systemd); do
    if ! kill -0 "${nspawn_pid[$name]}" 2>/dev/null || [ "$SECONDS" -ge "$deadline" ]; then
      echo "$name: systemd-nspawn did not start systemd:" >&2; tail -n 30 "$nspawn_dir/$name/console.log" >&2; return 1
    fi
    sleep 0.05
  done
  nspawn_init[$name]=$init
}

# Runs a shell snippet inside the host as root, as on its console: no network, no ssh.
nspawn_inside() {
  local name=$1 script=$2; shift 2
  LC_ALL=C nsenter -t "${nspawn_init[$name]}" -m -u -i -n -p -- sh -ec "$script" sh "$@"
}

# Gives the host its address, waits for systemd to finish booting, authorizes the client key for
# root and writes down the host's own key.
nspawn_await() {
  local name=$1 start=$2 d="$nspawn_dir/$1" deadline=$((SECONDS + NSPAWN_BOOT_SECONDS)) state=
  nspawn_inside "$name" 'ip addr add "$1/24" dev host0 && ip link set host0 up && ip link set lo up' "${nspawn_ip[$name]}"
  while :; do
    # --wait blocks until the boot ends; a boot that hangs must still meet the deadline.
    state=$(nspawn_inside "$name" 'timeout 5 systemctl is-system-running --wait 2>/dev/null || true')
    case $state in running|degraded) break ;; esac
    if [ "$SECONDS" -ge "$deadline" ]; then
      echo "$name: systemd not up after ${NSPAWN_BOOT_SECONDS} s (is-system-running: $state):" >&2
      tail -n 30 "$d/console.log" >&2; return 1
    fi
    sleep 0.2
  done
  nspawn_now_ms > "$d/up"
  # A degraded boot says which units failed, as SystemdFleet does: the figures may depend on it.
  [ "$state" = degraded ] && state="degraded, failed: $(nspawn_inside "$name" \
    'systemctl list-units --state=failed --no-legend --plain | cut -d" " -f1 | paste -sd" "')"
  echo "$state" > "$d/state"
  nspawn_inside "$name" '
    install -d -m 700 /root/.ssh && printf "%s\n" "$1" > /root/.ssh/authorized_keys
    cut -d" " -f1,2 /etc/ssh/ssh_host_ed25519_key.pub' "$(cat "$nspawn_dir/client_key.pub")" > "$d/hostkey"
}

nspawn_await_ssh() {
  local name=$1 deadline=$((SECONDS + 60))
  until [ "$(ssh "${nspawn_ssh_opts[@]}" "root@${nspawn_ip[$name]}" -- echo ok 2>/dev/null)" = ok ]; do
    [ "$SECONDS" -lt "$deadline" ] || { echo "$name: no ssh login at ${nspawn_ip[$name]} within 60 s" >&2; return 1; }
    sleep 0.2
  done
}

nspawn_down() {
  local name pid deadline
  for name in "${!nspawn_pid[@]}"; do kill -TERM "${nspawn_pid[$name]}" 2>/dev/null || true; done
  deadline=$((SECONDS + NSPAWN_STOP_SECONDS))
  for name in "${!nspawn_pid[@]}"; do
    pid=${nspawn_pid[$name]}
    while kill -0 "$pid" 2>/dev/null && [ "$SECONDS" -lt "$deadline" ]; do sleep 0.2; done
    if kill -0 "$pid" 2>/dev/null; then
      echo "$name: no power-off within ${NSPAWN_STOP_SECONDS} s, killing systemd-nspawn" >&2
      kill -KILL "$pid" 2>/dev/null || true
    fi
    wait "$pid" 2>/dev/null || true
    # Killing PID 1 of a PID namespace ends everything in it.
    [ -n "${nspawn_init[$name]:-}" ] && kill -KILL "${nspawn_init[$name]}" 2>/dev/null || true
    rm -rf "/run/systemd/nspawn/propagate/${nspawn_machine[$name]}"
  done
  [ -n "$nspawn_net" ] && nspawn_end_ssh "$nspawn_net."
  [ -n "$nspawn_bridge" ] && ip link del "$nspawn_bridge" 2>/dev/null || true
  nspawn_pid=() nspawn_init=()
  nspawn_net= nspawn_bridge=
}

# Ends every ssh process that talks to an address starting with PREFIX (such as 198.19.250.):
# by its TCP connections, since a master that ControlPersist forked rewrites its command line,
# and by its arguments, for one still connecting. The subnet is this run's alone.
nspawn_end_ssh() {
  local prefix=$1 pid
  for pid in $( { ss -Htnp 2>/dev/null | awk -v p="$prefix" 'index($5, p) == 1' | grep -o 'pid=[0-9]*' | cut -d= -f2
                  pgrep -f -- "${prefix//./\\.}" || true; } | sort -u); do
    [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = ssh ] && kill -KILL "$pid" 2>/dev/null || true
  done
}

nspawn_now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
