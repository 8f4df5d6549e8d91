#!/usr/bin/env bash
# SSH fleet figures on network-namespace hosts (needs root):
#  1. one resync that observes 20 and 50 hosts (Driftless's driftless_resync_duration_seconds);
#  2. rolling one commit out to 10 hosts: Driftless against a shell script doing the same
#     nix copy + ssh steps, sequentially and with xargs -P, in the same run.
#
# Usage: bench/ssh-fleet.sh
set -euo pipefail
cd "$(dirname "$0")/.."
top=$PWD
[ "$(id -u)" = 0 ] || { echo "bench/ssh-fleet.sh needs root for network namespaces" >&2; exit 1; }
scripts/ensure-packages.sh nix-bin git openjdk-17-jdk-headless curl openssl openssh-server openssh-client iproute2 >/dev/null
[ -f target/quarkus-app/quarkus-run.jar ] || ./mvnw -B -q -ntp package -DskipTests

MAX=50 ROLL=10 PAR=${BENCH_PARALLELISM:-10} port=${BENCH_PORT:-18081}
work=$(mktemp -d /tmp/dlb.XXXXXX) prefix=dlb
netns=$top/src/test/scripts/netns-fleet.sh
. bench/lib.sh
app=
cleanup() {
  [ -n "$app" ] && kill "$app" 2>/dev/null && wait "$app" 2>/dev/null
  bash "$netns" down "$work/ns" "$prefix" "$MAX" || true
  chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"
}
trap cleanup EXIT
ip_of() { echo "198.18.0.$((10 + $1))"; }

echo "making $MAX namespace hosts..." >&2
mkdir -p "$work/ns"
ssh-keygen -q -t ed25519 -N '' -f "$work/client_key"
nix key generate-secret --key-name bench-1 > "$work/signing.sec"
pub=$(nix key convert-secret-to-public < "$work/signing.sec")
: > "$work/known_hosts"
for i in $(seq 1 "$MAX"); do
  bash "$netns" up "$work/ns" "$prefix" "$i" "$work/client_key.pub" "$pub"
  echo "$(ip_of "$i") $(cut -d' ' -f1,2 "$work/ns/host$i/ssh/host_ed25519.pub")" >> "$work/known_hosts"
done

# A fleet repository with hosts h1..h50, built on the example's mk-host.
mkdir -p "$work/fleet/hosts"; cp -r examples/fleet/lib examples/fleet/flake.nix "$work/fleet/"
for i in $(seq 1 "$MAX"); do printf '{ motd = "h%s v1"; }\n' "$i" > "$work/fleet/hosts/h$i.nix"; done
git -C "$work/fleet" init -q -b main && git -C "$work/fleet" add -A && git -C "$work/fleet" commit -q -m v1

run_driftless() { # count [extra -D...] -> starts Driftless managing h1..h<count>
  local count=$1 args=("${@:2}")
  for i in $(seq 1 "$count"); do
    args+=("-Ddriftless.hosts.h$i.target=ssh://root@$(ip_of "$i"):22" "-Ddriftless.hosts.h$i.health-check=none")
  done
  java @config/jvm.options -Dquarkus.http.port="$port" -Ddriftless.data-dir="$work/data-$count-${#args[@]}" -Ddriftless.git.url="file://$work/fleet" \
    -Ddriftless.git.poll-interval=1h -Ddriftless.webhook.generic.secret="$WEBHOOK_SECRET" -Ddriftless.reconcile.interval=5s -Ddriftless.deploy.parallelism="$PAR" \
    "-Ddriftless.nix.options=substituters =,extra-sandbox-paths = /bin /usr /lib /lib64" -Ddriftless.nix.signing-key-file="$work/signing.sec" \
    -Ddriftless.ssh.known-hosts-file="$work/known_hosts" -Ddriftless.ssh.private-key-file="$work/client_key" \
    "${args[@]}" -jar target/quarkus-app/quarkus-run.jar > "$work/driftless-$count.log" 2>&1 &
  app=$!
  until api "localhost:$port/q/health/ready" >/dev/null 2>&1; do sleep 0.1; done
  push "$port" "$work/fleet"
}
stop_driftless() { kill "$app" 2>/dev/null; wait "$app" 2>/dev/null || true; app=; }
in_sync_count() {
  local body; body=$(api "localhost:$port/api/v1/hosts") || { echo 0; return; }
  printf '%s' "$body" | grep -o "\"state\":\"InSync\",\"inSync\":true,\"desired\":{\"commit\":\"$1\"" | wc -l
}
wait_all_in_sync() { # count sha
  local deadline=$(( $(now_ms) + 300000 ))
  until [ "$(in_sync_count "$2")" -ge "$1" ]; do
    [ "$(now_ms)" -lt "$deadline" ] || { echo "timed out; see $work/driftless-$1.log" >&2; tail -5 "$work/driftless-$1.log" >&2; exit 1; }
    sleep 0.25
  done
}

echo
echo "Resync: observe every host (all already in sync), deploy.parallelism=$PAR, $(nproc) cores"
for count in 20 50; do
  run_driftless "$count"
  wait_all_in_sync "$count" "$(git -C "$work/fleet" rev-parse HEAD)"
  read -r n mean max <<< "$(resync_window "$port" 26)"  # about five resyncs at 5 s, after the first
  printf '  %2d hosts: one resync mean %s ms, max %s ms (%s resyncs, the first after start not among them)   [50 hosts: mean < 500 ms, max < 1 s]\n' \
    "$count" "$mean" "$max" "$n"
  stop_driftless
done
# The same 50 hosts with the deep drift checks off: the system check alone. (The store check at every
# resync is measured by bench/systemd-fleet.sh: here it would verify 50 closures per resync.) These hosts have neither a
# NixOS /etc nor systemd, so the checks cost their round trip and answer "unknown": a floor, not a NixOS figure.
run_driftless 50 -Ddriftless.drift.etc=ignore -Ddriftless.drift.units=ignore -Ddriftless.drift.store=ignore \
  -Ddriftless.drift.profiles=ignore -Ddriftless.drift.reboot=ignore
wait_all_in_sync 50 "$(git -C "$work/fleet" rev-parse HEAD)"
read -r n0 mean0 max0 <<< "$(resync_window "$port" 26)"
stop_driftless
printf '  RATIO 50 hosts, one resync with the deep drift checks (store hourly) vs the system check alone: %s ms / %s ms = %sx   [<= 2x; hosts without NixOS /etc or systemd]\n' \
  "$mean" "$mean0" "$(awk -v a="$mean" -v b="$mean0" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')"

echo
echo "Rollout: one commit changes h1..h$ROLL, commit -> all $ROLL hosts running it"
run_driftless "$ROLL"
wait_all_in_sync "$ROLL" "$(git -C "$work/fleet" rev-parse HEAD)"
for i in $(seq 1 "$ROLL"); do printf '{ motd = "h%s v2"; }\n' "$i" > "$work/fleet/hosts/h$i.nix"; done
git -C "$work/fleet" commit -q -am v2; t0=$(now_ms); sha=$(git -C "$work/fleet" rev-parse HEAD); push "$port" "$work/fleet"
wait_all_in_sync "$ROLL" "$sha"
t1=$(applied_ms "$port" "$sha" | awk '{ if ($2 > m) m = $2 } END { print m }'); tobs=$(observed_ms "$port" "$sha")
steps "$port" > "$work/steps.txt"
stop_driftless
echo $((t1 - t0)) > "$work/driftless.ms"
printf '  driftless (parallelism %s)  commit -> all InSync %6d ms   (observed after %d ms, then %d ms)\n' "$PAR" $((t1 - t0)) $((tobs - t0)) $((t1 - tobs))
echo "  where that controller's time went (its own histograms, first convergence included), by total:"
print_steps "$work/steps.txt"

# By hand: evaluate the commit, build and sign the changed toplevels, then per host the same
# steps Driftless runs: nix copy to ssh-ng, set the profile, switch.
sshopts="-o BatchMode=yes -o StrictHostKeyChecking=yes -o UserKnownHostsFile=$work/known_hosts -o IdentitiesOnly=yes -i $work/client_key"
export NIX_SSHOPTS=$sshopts
commit_v() { for i in $(seq 1 "$ROLL"); do printf '{ motd = "h%s %s"; }\n' "$i" "$1" > "$work/fleet/hosts/h$i.nix"; done; git -C "$work/fleet" commit -q -am "$1"; }
build_all() {
  local sha; sha=$(git -C "$work/fleet" rev-parse HEAD)
  nix eval --json "git+file://$work/fleet?ref=refs/heads/main&rev=$sha#nixosConfigurations" \
    --apply 'cs: builtins.mapAttrs (n: c: c.config.system.build.toplevel.drvPath) cs' > "$work/drvs.json"
  for i in $(seq 1 "$ROLL"); do
    drv=$(grep -o "\"h$i\":\"[^\"]*\"" "$work/drvs.json" | cut -d'"' -f4)
    out=$(nix build --json --no-link "$drv" | sed -E 's/.*"out":"([^"]+)".*/\1/')
    nix store sign --recursive --key-file "$work/signing.sec" "$out"
    echo "$i $out"
  done > "$work/outs"
}
deploy_one() { # index out
  local ip; ip=$(ip_of "$1")
  nix copy --to "ssh-ng://root@$ip" "$2"
  ssh $sshopts "root@$ip" -- "nix-env -p /nix/var/nix/profiles/system --set $2 && $2/bin/switch-to-configuration switch" >/dev/null
}
export -f deploy_one ip_of; export sshopts
commit_v v3; t0=$(now_ms); build_all 2>/dev/null
# ssh reads stdin: without </dev/null the first host's ssh would swallow the rest of the list.
while read -r i out; do deploy_one "$i" "$out" 2>/dev/null </dev/null; done < "$work/outs"; t1=$(now_ms)
seq_ms=$((t1 - t0)); dl_ms=$(( $(cat "$work/driftless.ms") ))
switched() { # -> how many hosts run the out path the script built for them (a failing step is silent above)
  local n=0 i out; while read -r i out; do
    [ "$(ssh $sshopts "root@$(ip_of "$i")" readlink -f /run/current-system 2>/dev/null </dev/null)" = "$out" ] && n=$((n + 1)); done < "$work/outs"; echo "$n"; }
seq_ok=$(switched)
printf '  shell script, sequential    commit -> all switched %6d ms   (%s of %s hosts switched)\n' "$seq_ms" "$seq_ok" "$ROLL"
commit_v v4; t0=$(now_ms); build_all 2>/dev/null
xargs -P "$PAR" -L 1 bash -c 'deploy_one "$0" "$1" 2>/dev/null' < "$work/outs"; t1=$(now_ms)
xargs_ms=$((t1 - t0)); xargs_ok=$(switched)
printf '  shell script, xargs -P %-4s commit -> all switched %6d ms   (%s of %s hosts switched)\n' "$PAR" "$xargs_ms" "$xargs_ok" "$ROLL"
best=$(( seq_ms < xargs_ms ? seq_ms : xargs_ms ))
printf '  RATIO %s SSH hosts, commit -> all InSync vs the faster script: %s ms / %s ms = %sx   [<= 1.0x]\n' "$ROLL" "$dl_ms" "$best" "$(ratio "$dl_ms" "$best")"
echo "  (Driftless also observes each host before and after, confirms each switch over a new connection (magic rollback),"
echo "   and records history; the script does none of it.)"
