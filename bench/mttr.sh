#!/usr/bin/env bash
# MTTR for an out-of-band change on a local host, resync every 5 s: inject N changes made by
# hand (a different generation switched on the host), and for each read Driftless's incident:
# detection = opened - injected, repair = closed - opened. Prints the medians.
#
# Usage: bench/mttr.sh [injections]     (default 20)
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-20}
port=${BENCH_PORT:-18082}
scripts/ensure-packages.sh nix-bin git openjdk-17-jdk-headless curl >/dev/null
[ -f target/quarkus-app/quarkus-run.jar ] || ./mvnw -B -q -ntp package -DskipTests

work=$(mktemp -d /tmp/driftless-mttr.XXXXXX)
. bench/lib.sh
app=
cleanup() { [ -n "$app" ] && kill "$app" 2>/dev/null; wait 2>/dev/null; chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
ms_of() { date -d "$1" +%s%3N; }

new_repo "$work/fleet"
mkdir -p "$work/hosts/web1" "$work/hosts/web2" "$work/hosts/db1"
java @config/jvm.options -Dquarkus.http.port="$port" -Ddriftless.data-dir="$work/data" -Ddriftless.git.url="file://$work/fleet" \
  -Ddriftless.reconcile.interval=5s "-Ddriftless.nix.options=substituters =,extra-sandbox-paths = /bin /usr /lib /lib64" \
  -Ddriftless.hosts.web1.target="local:$work/hosts/web1" -Ddriftless.hosts.web2.target="local:$work/hosts/web2" \
  -Ddriftless.hosts.db1.target="local:$work/hosts/db1" -jar target/quarkus-app/quarkus-run.jar > "$work/driftless.log" 2>&1 &
app=$!
in_sync() { api "localhost:$port/api/v1/hosts/web1" | grep -q '"state":"InSync"'; }
until in_sync; do sleep 0.2; done

# The change made by hand: a web1 generation that is not in Git, built once.
cp -r "$work/fleet" "$work/by-hand"; rm -rf "$work/by-hand/.git"
echo '{ motd = "web1: edited on the box"; }' > "$work/by-hand/hosts/web1.nix"
other=$(nix build --no-link --json "path:$work/by-hand#nixosConfigurations.web1.config.system.build.toplevel" | sed -E 's/.*"out":"([^"]+)".*/\1/')
host=$work/hosts/web1
nix copy --no-check-sigs --to "local?root=$host" "$other"

: > "$work/detect"; : > "$work/repair"; : > "$work/total"
for i in $(seq 1 "$n"); do
  sleep "$((RANDOM % 5)).$((RANDOM % 10))"   # land anywhere in the 5 s resync period
  before=$(api "localhost:$port/api/v1/incidents?host=web1&limit=1" | grep -o '"id":[0-9]*' | head -1 || true)
  nix-env --store "local?root=$host" -p "$host/nix/var/nix/profiles/system" --set "$other"
  DRIFTLESS_HOST_ROOT="$host" "$host$other/bin/switch-to-configuration" switch >/dev/null
  injected=$(now_ms)
  while :; do
    latest=$(api "localhost:$port/api/v1/incidents?host=web1&limit=1" || true)
    id=$(printf '%s' "$latest" | grep -o '"id":[0-9]*' | head -1 || true)
    [ "$id" != "$before" ] && printf '%s' "$latest" | grep -q '"closedAt":"' && break
    sleep 0.05
  done
  opened=$(ms_of "$(printf '%s' "$latest" | sed -E 's/.*"openedAt":"([^"]+)".*/\1/')")
  closed=$(ms_of "$(printf '%s' "$latest" | sed -E 's/.*"closedAt":"([^"]+)".*/\1/')")
  echo $(( opened - injected )) >> "$work/detect"; echo $(( closed - opened )) >> "$work/repair"; echo $(( closed - injected )) >> "$work/total"
done

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
echo "MTTR for an out-of-band change on a local host, resync 5 s, $n injections, $(nproc) cores"
printf '  detection (change -> incident opened)   median %5d ms   max %5d ms\n' "$(median < "$work/detect")" "$(sort -n "$work/detect" | tail -1)"
printf '  repair    (incident opened -> InSync)   median %5d ms   max %5d ms\n' "$(median < "$work/repair")" "$(sort -n "$work/repair" | tail -1)"
printf '  total     (change -> InSync)            median %5d ms   max %5d ms\n' "$(median < "$work/total")" "$(sort -n "$work/total" | tail -1)"
curl -fs "localhost:$port/q/metrics" | grep -E '^driftless_recovery_seconds_(count|sum) ' | sed 's/^/  /'
