#!/usr/bin/env bash
# Commit -> three hosts that boot a real systemd (Debian 12 under systemd-nspawn, see
# bench/lib-nspawn.sh) running it, on the fixture fleet src/test/fleets/systemd: Driftless (the
# packaged jar, over ssh, told of each commit by a signed webhook) against the same steps by
# hand over ssh, one host after another and three hosts at once, round by round in one run.
# Each round commits a new motd for all three hosts, so every host builds and switches.
#
# Usage: bench/systemd-fleet.sh [rounds]     (default 3; needs root; BENCH_KEEP=1 keeps the logs)
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-3}
port=${BENCH_PORT:-18083}
hosts=(web1 web2 db1)
[ "$(id -u)" = 0 ] || { echo "bench/systemd-fleet.sh needs root for systemd-nspawn" >&2; exit 1; }
scripts/ensure-packages.sh nix-bin git openjdk-17-jdk-headless curl openssl openssh-client iproute2 util-linux \
  systemd-container debootstrap >/dev/null
[ -f target/quarkus-app/quarkus-run.jar ] || ./mvnw -B -o -q package -DskipTests
! ss -Htln "sport = :$port" | grep -q . || { echo "port $port is taken; set BENCH_PORT" >&2; exit 1; }

. bench/lib.sh
. bench/lib-nspawn.sh
work=$(mktemp -d /tmp/driftless-systemd-bench.XXXXXX)
app= hand_ssh=()
cleanup() {
  local rc=$?
  set +e  # tear down everything, whatever fails on the way
  if [ "$rc" != 0 ] && [ -s "$work/by-hand.log" ]; then echo "by hand, last lines:" >&2; tail -n 20 "$work/by-hand.log" >&2; fi
  if [ -n "$app" ]; then kill "$app" 2>/dev/null || true; wait "$app" 2>/dev/null || true; fi
  by_hand_disconnect
  nspawn_down
  [ -n "${BENCH_KEEP:-}" ] && { echo "kept $work" >&2; return; }
  chmod -R u+w "$work" 2>/dev/null || true; rm -rf "$work"
}
by_hand_disconnect() {
  [ ${#hand_ssh[@]} -gt 0 ] || return 0
  for h in "${!nspawn_ip[@]}"; do ssh "${hand_ssh[@]}" -O exit "root@${nspawn_ip[$h]}" 2>/dev/null || true; done
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP

median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f\n", a / b}'; }

echo "booting ${#hosts[@]} systemd hosts..." >&2
nspawn_up "$work" "${hosts[@]}"

# The fleet repository: the fixture flake, whose toplevels switch like NixOS's on these hosts.
cp -r src/test/fleets/systemd "$work/fleet"
git -C "$work/fleet" init -q -b main && git -C "$work/fleet" add -A && git -C "$work/fleet" commit -q -m "initial fleet"
commit_all() { # tag -> commits a new motd for every host, prints nothing
  for h in "${hosts[@]}"; do sed -i -E "s|^  motd = .*|  motd = \"$h: $1\";|" "$work/fleet/hosts/$h.nix"; done
  git -C "$work/fleet" commit -q -am "every host: $1"
}
head_sha() { git -C "$work/fleet" rev-parse HEAD; }

# --- Driftless: poll and resync at an hour, so only the webhook starts a deploy and nothing
# touches the hosts while the by-hand rounds run. ----------------------------------------------
secret=bench-$(date +%s%N)
hostflags=()
for h in "${hosts[@]}"; do hostflags+=("-Ddriftless.hosts.$h.target=ssh://root@${nspawn_ip[$h]}:22"); done
start_driftless() { # [extra -D...]
  java @config/jvm.options -Dquarkus.http.port="$port" -Ddriftless.data-dir="$work/data" -Ddriftless.git.url="file://$work/fleet" \
    -Ddriftless.git.poll-interval=1h -Ddriftless.reconcile.interval=1h -Ddriftless.webhook.generic.secret="$secret" \
    "-Ddriftless.nix.options=substituters =,extra-sandbox-paths = /bin /usr /lib /lib64" \
    -Ddriftless.nix.signing-key-file="$work/signing.sec" -Ddriftless.ssh.known-hosts-file="$work/known_hosts" \
    -Ddriftless.ssh.private-key-file="$work/client_key" "${hostflags[@]}" "$@" \
    -jar target/quarkus-app/quarkus-run.jar >> "$work/driftless.log" 2>&1 &
  app=$!
}
stop_driftless() { kill "$app" 2>/dev/null; wait "$app" 2>/dev/null || true; app=; }
start_driftless
push() { # sha -> the signed generic webhook a Git server sends on a push
  local body sig
  body=$(printf '{"ref":"refs/heads/main","after":"%s","repository":"file://%s"}' "$1" "$work/fleet")
  sig=$(printf '%s' "$body" | openssl dgst -sha256 -hmac "$secret" -r | cut -d' ' -f1)
  curl -fs -o /dev/null -X POST -H 'Content-Type: application/json' -H "X-Driftless-Signature: sha256=$sig" \
    --data-binary "$body" "localhost:$port/api/v1/webhooks/generic"
}
in_sync_count() {
  local body; body=$(api "localhost:$port/api/v1/hosts") || { echo 0; return; }
  printf '%s' "$body" | grep -o "\"state\":\"InSync\",\"inSync\":true,\"desired\":{\"commit\":\"$1\"" | wc -l
}
wait_all_in_sync() { # sha seconds
  local deadline=$(( $(now_ms) + $2 * 1000 ))
  until [ "$(in_sync_count "$1")" -ge "${#hosts[@]}" ]; do
    if [ "$(now_ms)" -ge "$deadline" ]; then
      echo "timed out waiting for every host InSync on $1; log: $work/driftless.log" >&2
      api "localhost:$port/api/v1/hosts" >&2 || true; echo >&2; tail -20 "$work/driftless.log" >&2; exit 1
    fi
    sleep 0.05
  done
}

# --- By hand: what Driftless runs for each host, as raw commands. ----------------------------
# The ssh commands share one master connection per host, as nixos-rebuild's do; Nix's own ssh
# joins it but never starts one (a master forked inside nix copy would hold its pipes). Each
# by-hand round opens its connections afresh and closes them at the end, as a script run per
# commit would.
hand_ssh=("${nspawn_ssh_opts[@]}" -o ControlMaster=auto -o "ControlPath=$work/ctl/%C" -o ControlPersist=60)
mkdir -p "$work/ctl"
export NIX_SSHOPTS="${nspawn_ssh_opts[*]} -o ControlMaster=no -o ControlPath=$work/ctl/%C"
on() { local h=$1; shift; ssh "${hand_ssh[@]}" "root@${nspawn_ip[$h]}" -- "$@"; }
evaluate() { # -> $work/drvs.json: every host's toplevel drvPath at HEAD
  nix eval --json "git+file://$work/fleet?ref=refs/heads/main&rev=$(head_sha)#nixosConfigurations" \
    --apply 'cs: builtins.mapAttrs (n: c: c.config.system.build.toplevel.drvPath) cs' > "$work/drvs.json"
}
switch_to() { # host path unit -> sets the system profile, switches in a transient unit
  on "$1" nix-env -p /nix/var/nix/profiles/system --set "$2"
  on "$1" systemd-run --unit="$3" --collect --no-ask-password --quiet --service-type=exec --wait "$2/bin/switch-to-configuration" switch
}
deploy_by_hand() { # host unit -> build, sign, copy, set profile, switch, check what runs
  local h=$1 drv out now
  drv=$(grep -o "\"$h\":\"[^\"]*\"" "$work/drvs.json" | cut -d'"' -f4)
  out=$(nix build --json --no-link "$drv" | sed -E 's/.*"out":"([^"]+)".*/\1/')
  nix store sign --recursive --key-file "$work/signing.sec" "$out"
  nix copy --to "ssh-ng://root@${nspawn_ip[$h]}" "$out"
  switch_to "$h" "$out" "$2"
  now=$(on "$h" readlink -f /run/current-system)
  [ "$now" = "$out" ] || { echo "$h runs $now after its switch, not $out" >&2; return 1; }
}
one_at_a_time() { evaluate; for h in "${hosts[@]}"; do deploy_by_hand "$h" "bench-switch-$1-$h"; done; }
all_at_once() {
  local pids=() p
  evaluate
  for h in "${hosts[@]}"; do deploy_by_hand "$h" "bench-switch-$1-$h" & pids+=($!); done
  for p in "${pids[@]}"; do wait "$p"; done
}
# Puts the hosts back where Driftless left them, untimed, so that to Driftless the next round is
# a new commit on hosts it left as they are, not a change made outside it.
restore() { # unit-prefix
  local pids=() p
  for h in "${hosts[@]}"; do switch_to "$h" "${left[$h]}" "$1-$h" & pids+=($!); done
  for p in "${pids[@]}"; do wait "$p"; done
  by_hand_disconnect
}

booted=""
for h in "${hosts[@]}"; do booted+=$(printf ' %s %.1f s (%s),' "$h" "$(awk -v m="${nspawn_up_ms[$h]}" 'BEGIN {print m / 1000}')" "${nspawn_state[$h]}"); done
printf 'boot: %d systemd hosts (Debian 12, systemd-nspawn --boot), started at once, up and answering ssh in %.1f s\n' \
  "${#hosts[@]}" "$(awk -v m="$nspawn_boot_ms" 'BEGIN {print m / 1000}')"
echo "      systemd up (is-system-running):${booted%,}"

echo "waiting for Driftless to deploy the initial commit..." >&2
wait_all_in_sync "$(head_sha)" 600
declare -A left=()
: > "$work/d.ms"; : > "$work/obs.ms"; : > "$work/seq.ms"; : > "$work/par.ms"; : > "$work/r_seq"; : > "$work/r_par"
echo
echo "commit -> ${hosts[*]} all running it (every host changes each round), $rounds rounds, $(nproc) cores, $(nix --version)"
echo "               driftless     by hand, one at a time     by hand, 3 at once"
echo "                             time          ratio         time          ratio"
for i in $(seq 1 "$rounds"); do
  commit_all "round $i, driftless, $(date +%s%N)"; t0=$(now_ms); sha=$(head_sha)
  push "$sha"
  wait_all_in_sync "$sha" 600; d=$(( $(now_ms) - t0 ))
  observed=$(api "localhost:$port/api/v1/commits?limit=1" | sed -E 's/.*"observedAt":"([^"]+)".*/\1/')
  echo $(( $(date -d "$observed" +%s%3N) - t0 )) >> "$work/obs.ms"
  for h in "${hosts[@]}"; do left[$h]=$(on "$h" readlink -f /run/current-system); done
  by_hand_disconnect

  commit_all "round $i, by hand one at a time, $(date +%s%N)"; t0=$(now_ms)
  one_at_a_time "$i-seq" 2>>"$work/by-hand.log"; s=$(( $(now_ms) - t0 ))
  restore "bench-restore-$i-seq" 2>>"$work/by-hand.log"

  commit_all "round $i, by hand all at once, $(date +%s%N)"; t0=$(now_ms)
  all_at_once "$i-par" 2>>"$work/by-hand.log"; p=$(( $(now_ms) - t0 ))
  restore "bench-restore-$i-par" 2>>"$work/by-hand.log"

  echo "$d" >> "$work/d.ms"; echo "$s" >> "$work/seq.ms"; echo "$p" >> "$work/par.ms"
  ratio "$d" "$s" >> "$work/r_seq"; ratio "$d" "$p" >> "$work/r_par"
  printf '  round %-4s %6d ms      %6d ms   %6sx       %6d ms   %6sx\n' "$i" "$d" "$s" "$(ratio "$d" "$s")" "$p" "$(ratio "$d" "$p")"
done
printf '  median     %6d ms      %6d ms   %6sx       %6d ms   %6sx\n' "$(median < "$work/d.ms")" "$(median < "$work/seq.ms")" \
  "$(median < "$work/r_seq")" "$(median < "$work/par.ms")" "$(median < "$work/r_par")"
echo "  ratio = driftless / by hand, both from the same round (below 1: Driftless is faster); its median is the median of the rounds' ratios."
echo "  driftless: told by a webhook sent right after the commit; commit -> observed median $(median < "$work/obs.ms") ms. It also"
echo "    observes each host before and after, takes each host's deploy lock and records history; by hand does none of that."
echo "  by hand: nix eval; per host nix build, nix store sign, nix copy to ssh-ng, nix-env --set, systemd-run --wait"
echo "    switch-to-configuration switch, readlink /run/current-system; '3 at once' runs the three hosts' steps with & and wait."
echo "  load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"

# --- What the deep drift checks cost on these hosts, which have a NixOS /etc (setup-etc's links
# into /etc/static) and systemd units: resyncs every 2 s with the checks as configured by default
# (store hourly), with every check at every resync (store included: it reads the whole closure),
# and with the system check alone, in the same run.
echo
echo "one resync of ${#hosts[@]} systemd hosts: deep checks by default (store hourly), every check at every resync, the system check alone"
for mode in default every system; do
  stop_driftless
  case $mode in
    default) start_driftless -Ddriftless.reconcile.interval=2s ;;
    every) start_driftless -Ddriftless.reconcile.interval=2s -Ddriftless.reconcile.store-check-interval=0s ;;
    system) start_driftless -Ddriftless.reconcile.interval=2s -Ddriftless.drift.etc=ignore -Ddriftless.drift.units=ignore \
      -Ddriftless.drift.store=ignore -Ddriftless.drift.profiles=ignore -Ddriftless.drift.reboot=ignore ;;
  esac
  until api "localhost:$port/q/health/ready" >/dev/null 2>&1; do sleep 0.2; done
  wait_all_in_sync "$(head_sha)" 120
  read -r n mean max <<< "$(resync_window "$port" 16)"
  eval "mean_$mode=$mean"
  printf '  %-8s %2d resyncs, mean %5s ms, max %5s ms\n' "$mode" "$n" "$mean" "$max"
done
printf '  RATIO %d systemd hosts, one resync with the deep checks (store hourly) vs the system check alone: %s ms / %s ms = %sx   [<= 2x]\n' \
  "${#hosts[@]}" "$mean_default" "$mean_system" "$(ratio "$mean_default" "$mean_system")"
printf '  RATIO %d systemd hosts, one resync with every check at every resync (store included) vs the system check alone: %s ms / %s ms = %sx\n' \
  "${#hosts[@]}" "$mean_every" "$mean_system" "$(ratio "$mean_every" "$mean_system")"
