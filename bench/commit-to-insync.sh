#!/usr/bin/env bash
# Time from `git commit` in the fleet repository to the changed host running the new
# generation: Driftless (standalone, told of each commit by a signed webhook, as a forge does)
# against the same steps done by hand with raw nix commands, in the same run, on the example
# fleet. Driftless's times are its own timestamps (commit observed, host InSync), read back
# from its API, so the bench's polling adds nothing to them.
#
# Usage: bench/commit-to-insync.sh [rounds]     (default 10)
set -euo pipefail
cd "$(dirname "$0")/.."
top=$PWD
rounds=${1:-10}
port=${BENCH_PORT:-18080}
scripts/ensure-packages.sh nix-bin git openjdk-17-jdk-headless curl openssl >/dev/null
[ -f target/quarkus-app/quarkus-run.jar ] || ./mvnw -B -q -ntp package -DskipTests

work=$(mktemp -d /tmp/driftless-bench.XXXXXX)
. bench/lib.sh
app=
cleanup() { [ -n "$app" ] && kill "$app" 2>/dev/null; wait 2>/dev/null; chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

change_web1() { # repo round -> commits a new web1 generation, prints nothing
  printf '{ motd = "web1: round %s at %s"; services = [ "nginx" ]; }\n' "$2" "$(date +%s%N)" > "$1/hosts/web1.nix"
  git -C "$1" commit -q -am "web1: round $2"
}
stats() { sort -n | awk '{a[NR]=$1} END {printf "min %5d ms   median %5d ms   max %5d ms   (n=%d)\n", a[1], a[int((NR+1)/2)], a[NR], NR}'; }
median() { sort -n "$1" | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# --- Driftless -------------------------------------------------------------------------------
new_repo "$work/fleet"
mkdir -p "$work/hosts/web1" "$work/hosts/web2" "$work/hosts/db1"
java @config/jvm.options -Dquarkus.http.port="$port" -Ddriftless.data-dir="$work/data" -Ddriftless.git.url="file://$work/fleet" \
  -Ddriftless.git.poll-interval=1h -Ddriftless.webhook.generic.secret="$WEBHOOK_SECRET" -Ddriftless.reconcile.interval=30s "-Ddriftless.nix.options=substituters =,extra-sandbox-paths = /bin /usr /lib /lib64" \
  -Ddriftless.hosts.web1.target="local:$work/hosts/web1" -Ddriftless.hosts.web2.target="local:$work/hosts/web2" \
  -Ddriftless.hosts.db1.target="local:$work/hosts/db1" -jar target/quarkus-app/quarkus-run.jar > "$work/driftless.log" 2>&1 &
app=$!
in_sync_on() { api "localhost:$port/api/v1/hosts/$1" | grep -q "\"state\":\"InSync\",\"inSync\":true,\"desired\":{\"commit\":\"$2\""; }
wait_in_sync() { local deadline=$(( $(now_ms) + 60000 )); until in_sync_on "$1" "$2"; do
  [ "$(now_ms)" -lt "$deadline" ] || { echo "timed out; log: $work/driftless.log" >&2; tail -20 "$work/driftless.log" >&2; exit 1; }
  sleep 0.02; done; }
until api "localhost:$port/q/health/ready" >/dev/null 2>&1; do sleep 0.1; done
push "$port" "$work/fleet"
for h in web1 web2 db1; do wait_in_sync "$h" "$(git -C "$work/fleet" rev-parse HEAD)"; done

: > "$work/driftless.ms"; : > "$work/observed.ms"; : > "$work/work.ms"
for i in $(seq 1 "$rounds"); do
  change_web1 "$work/fleet" "$i"; t0=$(now_ms); sha=$(git -C "$work/fleet" rev-parse HEAD)
  push "$port" "$work/fleet"
  until [ "$(applied_count "$port" "$sha")" -ge 1 ]; do sleep 0.25; done
  t1=$(applied_ms "$port" "$sha" | awk '$1 == "web1" {print $2}'); tobs=$(observed_ms "$port" "$sha")
  echo $(( t1 - t0 )) >> "$work/driftless.ms"; echo $(( tobs - t0 )) >> "$work/observed.ms"; echo $(( t1 - tobs )) >> "$work/work.ms"
done
# Where Driftless's time went, from its own histograms (first convergence of the 3 hosts included).
steps "$port" > "$work/steps.txt"
generations=$(for h in db1 web1 web2; do printf '%s=%s ' "$h" "$(readlink "$work/hosts/$h/nix/var/nix/profiles/system" | sed -E 's/system-([0-9]+)-link/\1/')"; done)

# --- By hand: the same steps with raw nix commands, run the moment the commit exists ---------
new_repo "$work/manual-fleet"
host="$work/manual-hosts/web1"; mkdir -p "$host"
nix key generate-secret --key-name bench-1 > "$work/key.sec"
pub=$(nix key convert-secret-to-public < "$work/key.sec")
deploy_by_hand() { # evaluate the commit, build web1 if its drv changed, sign, copy, set profile, switch
  local sha drv out
  sha=$(git -C "$work/manual-fleet" rev-parse HEAD)
  drv=$(nix eval --raw "git+file://$work/manual-fleet?ref=refs/heads/main&rev=$sha#nixosConfigurations.web1.config.system.build.toplevel.drvPath")
  [ "$drv" = "$(cat "$work/manual.drv" 2>/dev/null)" ] && return 0
  out=$(nix build --json --no-link "$drv" | sed -E 's/.*"out":"([^"]+)".*/\1/')
  nix store sign --recursive --key-file "$work/key.sec" "$out"
  nix copy --extra-trusted-public-keys "$pub" --to "local?root=$host" "$out"
  nix-env --store "local?root=$host" -p "$host/nix/var/nix/profiles/system" --set "$out"
  DRIFTLESS_HOST_ROOT="$host" "$host$out/bin/switch-to-configuration" switch >/dev/null
  echo "$drv" > "$work/manual.drv"
}
deploy_by_hand 2>/dev/null
: > "$work/manual.ms"
for i in $(seq 1 "$rounds"); do
  change_web1 "$work/manual-fleet" "$i"; t0=$(now_ms)
  deploy_by_hand 2>/dev/null; echo $(( $(now_ms) - t0 )) >> "$work/manual.ms"
done

echo "commit -> web1 running the new generation, $rounds rounds, $(nproc) cores, $(nix --version)"
printf '  driftless, commit -> InSync      '; stats < "$work/driftless.ms"
printf '    of which commit -> observed    '; stats < "$work/observed.ms"
printf '    of which observed -> InSync    '; stats < "$work/work.ms"
printf '  raw nix script, commit -> done   '; stats < "$work/manual.ms"
echo "  host generations after the Driftless rounds: $generations(only web1 changed)"
printf '  RATIO 1 host, observed -> InSync vs raw nix script (medians): %s ms / %s ms = %sx   (goal <= 1.2x)\n' \
  "$(median "$work/work.ms")" "$(median "$work/manual.ms")" "$(ratio "$(median "$work/work.ms")" "$(median "$work/manual.ms")")"
printf '  RATIO 1 host, commit -> InSync (webhook) vs raw nix script (medians): %s ms / %s ms = %sx\n' \
  "$(median "$work/driftless.ms")" "$(median "$work/manual.ms")" "$(ratio "$(median "$work/driftless.ms")" "$(median "$work/manual.ms")")"
echo "  where Driftless's time went (its own histograms, first convergence included), by total:"
print_steps "$work/steps.txt"
