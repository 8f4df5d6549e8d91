#!/usr/bin/env bash
# Controllers sharing a fleet on a real Kafka broker (started here from the Maven Central
# artifacts), one worker, and a fleet of hosts whose switch each sleeps 1 s:
#   1. commit -> every host InSync with 1 controller, then with 2 sharing the hosts
#      (driftless.deploy.parallelism=2 each, so deploy capacity is what sharing adds);
#   2. how long a joining controller takes to get its share;
#   3. how long the hosts of a controller killed with SIGKILL take to reach the survivor.
#
# Usage: bench/controllers.sh [hosts]     (default 16)
set -euo pipefail
cd "$(dirname "$0")/.."
hosts=${1:-16}
. bench/lib.sh
kport=${BENCH_KAFKA_PORT:-19492}; port=${BENCH_PORT:-18490}
kafka_bench controllers "$kport" "$hosts"

start() { # name port role extra-flags... -> starts a Driftless process in the background, prints its pid
  local name=$1 port=$2 role=$3; shift 3
  java @config/jvm.options -Dquarkus.http.port="$port" -Ddriftless.data-dir="$work/$name" -Ddriftless.git.url="file://$work/fleet" \
    -Ddriftless.git.poll-interval=1s -Ddriftless.reconcile.interval=60s "-Ddriftless.nix.options=substituters =,extra-sandbox-paths = /bin /usr /lib /lib64" \
    -Ddriftless.nix.signing-key-file="$work/key.sec" -Ddriftless.role="$role" -Ddriftless.deploy.parallelism=2 \
    -Dquarkus.profile=kafka -Dkafka.bootstrap.servers=127.0.0.1:$kport "$@" \
    -jar target/quarkus-app/quarkus-run.jar > "$work/$name.log" 2>&1 &
  echo $!
}
ready() { until curl -fs "localhost:$1/q/health/ready" >/dev/null 2>&1; do sleep 0.1; done; }
owned() { api "localhost:$1/api/v1/hosts" | grep -o '"owned":true' | wc -l; }
head_sha() { git -C "$work/fleet" rev-parse HEAD; }
all_in_sync() { [ "$(api "localhost:$1/api/v1/hosts" | grep -o "\"inSync\":true,\"desired\":{\"commit\":\"$2\"" | wc -l)" -eq "$hosts" ]; }
wait_all() { until all_in_sync "$1" "$2"; do sleep 0.1; done; }
touch_all() { # label -> a commit that changes every host; each switch sleeps 1 s
  for i in $(seq 1 "$hosts"); do printf '{ motd = "h%s %s"; extraActivation = "sleep 1"; }\n' "$i" "$1" > "$work/fleet/hosts/h$i.nix"; done
  git -C "$work/fleet" commit -q -am "$1"; }
rollout() { # label port -> ms from commit to every host InSync, as the controller on port shows it
  touch_all "$1"; local sha t0; sha=$(head_sha); t0=$(now_ms); wait_all "$2" "$sha"; echo $(( $(now_ms) - t0 )); }

w=$(start worker $((port + 9)) worker); pids+=("$w"); ready $((port + 9))
a=$(start a "$port" controller "${hostflags[@]}"); pids+=("$a"); ready "$port"
wait_all "$port" "$(head_sha)"
one=$(rollout one-controller "$port")

t0=$(now_ms); b=$(start b $((port + 1)) controller "${hostflags[@]}"); pids+=("$b"); ready $((port + 1)); up=$(( $(now_ms) - t0 ))
until [ "$(owned $((port + 1)))" -gt 0 ] && [ $(( $(owned "$port") + $(owned $((port + 1))) )) -eq "$hosts" ]; do sleep 0.05; done
share=$(( $(now_ms) - t0 - up )); split="$(owned "$port") + $(owned $((port + 1)))"
two=$(rollout two-controllers "$port")

kill -9 "$a"; t0=$(now_ms)
until [ "$(owned $((port + 1)))" -eq "$hosts" ]; do sleep 0.05; done; moved=$(( $(now_ms) - t0 ))
until grep -q "leading rollouts" "$work/b.log"; do sleep 0.05; done; led=$(( $(now_ms) - t0 ))
after=$(rollout after-the-kill $((port + 1)))
twice=$(cat "$work"/a.log "$work"/b.log | grep -o "host h[0-9]* commit [0-9a-f]*: deploying" | sort | uniq -d | wc -l)

echo "Controllers sharing $hosts hosts on Kafka, $(nproc) cores, $(nix --version); each switch sleeps 1 s, deploy.parallelism 2 per controller"
echo "1. commit -> every host InSync:  1 controller $one ms   2 controllers $two ms (hosts split $split)"
echo "2. a joining controller: ready $up ms after its start, its share $share ms after that"
echo "3. a controller killed with SIGKILL: its hosts reached the other $moved ms later, the lead $led ms later;"
echo "   the next commit then took $after ms with 1 controller left; hosts deployed twice for one commit: $twice"
