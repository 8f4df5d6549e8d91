#!/usr/bin/env bash
# The controller itself at 10,000 hosts. SIMULATED HOSTS, for this benchmark only: each host is
# a directory seeded with the links a deployed NixOS host has (/run/current-system, the system
# profile and its generation link), read by Driftless's real directory transport, so that
# observing a host costs what reading those links costs and no nix runs per host. Every host
# runs the same toplevel (a fleet of identical nodes), so the commit builds once. Prints the
# heap (after a full GC) and RSS, one full resync, and GET /api/v1/hosts and /q/metrics, with
# the goals from issue 17 in brackets.
#
# Usage: bench/huge-fleet.sh [hosts]     (default 10000)
set -euo pipefail
cd "$(dirname "$0")/.."
top=$PWD N=${1:-10000} port=${BENCH_PORT:-18084}
scripts/ensure-packages.sh nix-bin git openjdk-17-jdk-headless curl openssl perl >/dev/null
[ -f target/quarkus-app/quarkus-run.jar ] || ./mvnw -B -q -ntp package -DskipTests
work=$(mktemp -d /tmp/driftless-huge-fleet.XXXXXX)
. bench/lib.sh
app=
cleanup() { [ -n "$app" ] && kill "$app" 2>/dev/null; wait 2>/dev/null; chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

mkdir -p "$work/fleet"; cp -r examples/fleet/lib "$work/fleet/"
cat > "$work/fleet/flake.nix" <<EOF
{
  outputs = { self }:
    let node = import ./lib/mk-host.nix { name = "node"; motd = "node \${builtins.readFile ./round}"; };
    in { nixosConfigurations = builtins.listToAttrs (builtins.genList (i: { name = "h\${toString (i + 1)}"; value = node; }) $N); };
}
EOF
echo 1 > "$work/fleet/round"
git -C "$work/fleet" init -q -b main && git -C "$work/fleet" add -A && git -C "$work/fleet" commit -q -m v1
sha=$(git -C "$work/fleet" rev-parse HEAD)
drv=$(nix eval --raw "git+file://$work/fleet?ref=refs/heads/main&rev=$sha#nixosConfigurations.h1.config.system.build.toplevel.drvPath")
out=$(nix build --json --no-link "$drv" | sed -E 's/.*"out":"([^"]+)".*/\1/')

echo "seeding $N simulated hosts running $out..." >&2
mkdir -p "$work/hosts"
perl -e 'my ($dir, $n, $out) = @ARGV; for my $i (1 .. $n) { my $h = "$dir/h$i";
  mkdir $h; mkdir "$h/run"; mkdir "$h/nix"; mkdir "$h/nix/var"; mkdir "$h/nix/var/nix"; mkdir "$h/nix/var/nix/profiles";
  symlink $out, "$h/run/current-system"; symlink $out, "$h/nix/var/nix/profiles/system-1-link";
  symlink "system-1-link", "$h/nix/var/nix/profiles/system"; }' "$work/hosts" "$N" "$out"
mkdir -p "$work/run"

# The hosts are the flake's nixosConfigurations, each reached through the one target pattern: no
# per-host configuration (docs/inventory.md). They come under management with the first commit.
started=$(now_ms)
(cd "$work/run" && exec java "@$top/config/jvm.options" -Dquarkus.http.port="$port" -Ddriftless.data-dir="$work/data" \
  -Ddriftless.git.url="file://$work/fleet" -Ddriftless.git.poll-interval=1h -Ddriftless.webhook.generic.secret="$WEBHOOK_SECRET" \
  -Ddriftless.reconcile.interval=30s "-Ddriftless.hosts-default.target=local:$work/hosts/{name}" "-Ddriftless.nix.options=substituters =,extra-sandbox-paths = /bin /usr /lib /lib64" \
  -jar "$top/target/quarkus-app/quarkus-run.jar" > "$work/driftless.log" 2>&1) &
app=$!
until api "localhost:$port/q/health/ready" >/dev/null 2>&1; do sleep 0.2; done
ready=$(( $(now_ms) - started ))
t0=$(now_ms); push "$port" "$work/fleet"
until [ "$(api "localhost:$port/api/v1/hosts" | grep -o '"state":"InSync"' | wc -l)" -ge "$N" ]; do sleep 2; done
converged=$(( $(now_ms) - t0 ))

# Two reads of the histogram around three resyncs at 30 s: its 10 MB page is not polled every second here.
resyncs() { curl -fs "localhost:$port/q/metrics" | awk '/^driftless_resync_duration_seconds_count/ {c=$2} /^driftless_resync_duration_seconds_sum/ {s=$2} END {print c + 0, s + 0}'; }
read -r c0 s0 <<< "$(resyncs)"
sleep 95
read -r c1 s1 <<< "$(resyncs)"
resync=$(awk -v c0="$c0" -v c1="$c1" -v s0="$s0" -v s1="$s1" 'BEGIN { c = c1 - c0; printf "%.0f ms over %d resyncs", (c > 0 ? (s1 - s0) / c * 1000 : -1), c }')
pid=$app  # the subshell exec'd java
jcmd "$pid" GC.run >/dev/null 2>&1 || true
# The serial collector's generations, each "… used NNNK …".
heap=$(jcmd "$pid" GC.heap_info | grep -o 'used [0-9]*K' | awk '{ s += $2 } END { printf "%d", s / 1024 }')
rss=$(awk '/^VmRSS/ {print int($2 / 1024)}' "/proc/$pid/status")
: > "$work/api.ms"; : > "$work/metrics.ms"
for i in $(seq 1 10); do
  curl -fs -o "$work/hosts.json" -w '%{time_total}\n' -H "Authorization: Bearer $DRIFTLESS_API_TOKEN" "localhost:$port/api/v1/hosts" >> "$work/api.ms"
  curl -fs -o "$work/metrics.txt" -w '%{time_total}\n' "localhost:$port/q/metrics" >> "$work/metrics.ms"
done
median_ms() { sort -n "$1" | awk '{a[NR]=$1} END {printf "%.0f", a[int((NR+1)/2)] * 1000}'; }

echo "$N SIMULATED directory hosts (seeded links, the real directory transport), $(nproc) cores"
printf '  start-up to ready %s ms; push -> all %s hosts InSync %s ms\n' "$ready" "$N" "$converged"
printf '  heap after a full GC %s MB, RSS %s MB   [heap < 1024 MB]\n' "$heap" "$rss"
printf '  one full resync: mean %s   [< 10 s]\n' "$resync"
printf '  GET /api/v1/hosts: median %s ms of 10 (%s KB)   [< 200 ms]\n' "$(median_ms "$work/api.ms")" $(( $(stat -c %s "$work/hosts.json") / 1024 ))
printf '  GET /q/metrics: median %s ms of 10 (%s KB, %s series)\n' "$(median_ms "$work/metrics.ms")" \
  $(( $(stat -c %s "$work/metrics.txt") / 1024 )) "$(grep -vc '^#' "$work/metrics.txt")"
