#!/usr/bin/env bash
# Distributed mode on a real Kafka broker (started here from the Maven Central artifacts),
# measured against the in-process default and a raw nix script in the same run:
#   1. events per second through the controller: a burst of build results it must read and judge;
#   2. build-job throughput with 1 and then 2 worker processes on a fleet of cheap builds;
#   3. commit -> InSync for one host: in-process, Kafka, and the raw nix script.
#
# Usage: bench/kafka.sh [events] [hosts] [rounds]     (defaults 20000 24 8)
set -euo pipefail
cd "$(dirname "$0")/.."
events=${1:-20000}; hosts=${2:-24}; rounds=${3:-8}
. bench/lib.sh
kport=${BENCH_KAFKA_PORT:-19392}; cport=${BENCH_PORT:-18390}
# A fleet of $hosts hosts whose builds each sleep 1 s (see touch_all): cheap in CPU, long enough to see parallelism.
kafka_bench kafka "$kport" "$hosts"
cp=$(cat target/kafka-broker.classpath)
kafka_tool() { java -cp "$cp" -Dlog4j2.configurationFile="$work/kafka/log4j2.properties" "$@" 2>/dev/null; }
stats() { sort -n | awk '{a[NR]=$1} END {printf "min %5d ms   median %5d ms   max %5d ms   (n=%d)\n", a[1], a[int((NR+1)/2)], a[NR], NR}'; }


start() { # name port role extra-flags... -> starts a Driftless process, waits until ready
  local name=$1 port=$2 role=$3; shift 3
  java @config/jvm.options -Dquarkus.http.port="$port" -Ddriftless.data-dir="$work/$name" -Ddriftless.git.url="file://$work/fleet" \
    -Ddriftless.git.poll-interval=1s -Ddriftless.reconcile.interval=60s "-Ddriftless.nix.options=substituters =,extra-sandbox-paths = /bin /usr /lib /lib64" \
    -Ddriftless.nix.signing-key-file="$work/key.sec" -Ddriftless.role="$role" "$@" \
    -jar target/quarkus-app/quarkus-run.jar > "$work/$name.log" 2>&1 & pids+=($!)
  until curl -fs "localhost:$port/q/health/ready" >/dev/null 2>&1; do sleep 0.2; done
}
kafka=(-Dquarkus.profile=kafka -Dkafka.bootstrap.servers=127.0.0.1:$kport)
head_sha() { git -C "$work/fleet" rev-parse HEAD; }
commit_status() { api "localhost:$cport/api/v1/commits?limit=1" | grep -o "\"sha\":\"$1\"[^}]*\"status\":\"[a-z]*\"" | sed -E 's/.*"status":"([a-z]+)"/\1/'; }
wait_ready() { until [ "$(commit_status "$1")" = ready ]; do sleep 0.05; done; }
all_in_sync() { [ "$(api "localhost:$cport/api/v1/hosts" | grep -o "\"inSync\":true,\"desired\":{\"commit\":\"$1\"" | wc -l)" -eq "$hosts" ]; }
wait_all() { until all_in_sync "$1"; do sleep 0.1; done; }
touch_all() { # label -> a commit that changes every host, each build sleeping 1 s; never built before
  for i in $(seq 1 "$hosts"); do printf '{ motd = "h%s %s %s"; extraBuildCommands = "sleep 1"; }\n' "$i" "$1" "$(date +%s%N)" > "$work/fleet/hosts/h$i.nix"; done
  git -C "$work/fleet" commit -q -am "$1"; }

start controller "$cport" controller "${kafka[@]}" "${hostflags[@]}"
start worker1 $((cport + 1)) worker "${kafka[@]}"
wait_all "$(head_sha)"

# --- 2. build throughput: 1 worker, then 2 ---------------------------------------------------
touch_all one-worker; sha=$(head_sha); t0=$(now_ms); wait_ready "$sha"; one=$(( $(now_ms) - t0 )); wait_all "$sha"
start worker2 $((cport + 2)) worker "${kafka[@]}"
sleep 3 # let the group rebalance before the next commit
touch_all two-workers; sha=$(head_sha); t0=$(now_ms); wait_ready "$sha"; two=$(( $(now_ms) - t0 )); wait_all "$sha"
b1=$(grep -c "commit ${sha:0:12} built" "$work/worker1.log" || true); b2=$(grep -c "commit ${sha:0:12} built" "$work/worker2.log" || true)

# --- 1. events through the controller --------------------------------------------------------
# build.succeeded records for a commit the controller is not waiting for: each is read,
# decoded, judged stale and committed, which is the controller's per-event overhead on Kafka.
for i in $(seq 1 "$events"); do
  printf 'h%s\t{"specversion":"1.0","id":"bench-%s","source":"/bench","type":"dev.driftless.build.succeeded","subject":"h%s","datacontenttype":"application/json","data":{"sha":"0000000000000000000000000000000000000000","host":"h%s","drvPath":"/nix/store/x.drv","outPath":"/nix/store/y"}}\n' $((i % hosts + 1)) "$i" $((i % hosts + 1)) $((i % hosts + 1))
done > "$work/events.txt"
consumed() { curl -fs "localhost:$cport/q/metrics" | awk -F' ' '/^kafka_consumer_fetch_manager_records_consumed_total\{client_id="kafka-consumer-build-results-in"/ {printf "%d", $2}'; }
group_tool() { kafka_tool org.apache.kafka.tools.consumer.group.ConsumerGroupCommand --bootstrap-server "127.0.0.1:$kport" "$@"; }
# Each controller reads the results in a group of its own, named after the process.
lag() { group_tool --describe --group "$(group_tool --list | grep '^driftless-controller-' | head -1)" | awk '$2 == "driftless.build-results" && $6 ~ /^[0-9]+$/ {s += $6} END {print s + 0}'; }
base=$(consumed)
kafka_tool org.apache.kafka.tools.ConsoleProducer --bootstrap-server "127.0.0.1:$kport" --topic driftless.build-results \
  --property parse.key=true --property key.separator=$'\t' < "$work/events.txt" &
# The rate is taken from the controller's own consumer counter, sampled every 50 ms, from the
# first record it read to the last; the group's lag must then be 0 (all handled and committed).
until [ "$(consumed)" -gt "$base" ]; do sleep 0.05; done; t0=$(now_ms)
until [ "$(consumed)" -ge $(( base + events )) ]; do sleep 0.05; done; drain=$(( $(now_ms) - t0 ))
wait $!
until [ "$(lag)" -eq 0 ]; do sleep 0.5; done
dead=$(kafka_tool org.apache.kafka.tools.GetOffsetShell --bootstrap-server "127.0.0.1:$kport" --topic driftless.dead-letter | awk -F: '{s += $3} END {print s + 0}')

# --- 3. commit -> InSync: Kafka now, then in-process, then raw nix ----------------------------
change_h1() { printf '{ motd = "h1 round %s %s"; }\n' "$2" "$(date +%s%N)" > "$1/hosts/h1.nix"; git -C "$1" commit -q -am "h1: round $2"; }
in_sync_on() { api "localhost:$1/api/v1/hosts/h1" | grep -q "\"inSync\":true,\"desired\":{\"commit\":\"$2\""; }
observed_ms() { date -d "$(api "localhost:$1/api/v1/commits?limit=1" | sed -E 's/.*"observedAt":"([^"]+)".*/\1/')" +%s%3N; }
measure() { # port label -> rounds of commit -> h1 InSync, split at observed
  : > "$work/$2.total"; : > "$work/$2.work"
  for i in $(seq 1 "$rounds"); do
    change_h1 "$work/fleet" "$i"; t0=$(now_ms); sha=$(head_sha)
    until in_sync_on "$1" "$sha"; do sleep 0.02; done; t1=$(now_ms)
    echo $(( t1 - t0 )) >> "$work/$2.total"; echo $(( t1 - $(observed_ms "$1") )) >> "$work/$2.work"
  done
}
measure "$cport" kafka
kill "${pids[@]:1}" 2>/dev/null || true; sleep 2
start standalone $((cport + 3)) all "${hostflags[@]}"
standalone_ready() { [ "$(api "localhost:$((cport + 3))/api/v1/hosts" | grep -o '"state":"InSync"' | wc -l)" -eq "$hosts" ]; }
until standalone_ready; do sleep 0.2; done
measure $((cport + 3)) inproc

new_repo "$work/manual-fleet"; host="$work/manual-hosts/h1"; mkdir -p "$host"
printf '{ motd = "h1"; }\n' > "$work/manual-fleet/hosts/h1.nix"; git -C "$work/manual-fleet" add -A; git -C "$work/manual-fleet" commit -q -m h1
pub=$(nix key convert-secret-to-public < "$work/key.sec")
by_hand() { local sha drv out
  sha=$(git -C "$work/manual-fleet" rev-parse HEAD)
  drv=$(nix eval --raw "git+file://$work/manual-fleet?ref=refs/heads/main&rev=$sha#nixosConfigurations.h1.config.system.build.toplevel.drvPath")
  out=$(nix build --json --no-link "$drv" | sed -E 's/.*"out":"([^"]+)".*/\1/')
  nix store sign --recursive --key-file "$work/key.sec" "$out"
  nix copy --extra-trusted-public-keys "$pub" --to "local?root=$host" "$out"
  nix-env --store "local?root=$host" -p "$host/nix/var/nix/profiles/system" --set "$out" >/dev/null 2>&1
  DRIFTLESS_HOST_ROOT="$host" "$host$out/bin/switch-to-configuration" switch >/dev/null; }
by_hand 2>/dev/null; : > "$work/manual.total"
for i in $(seq 1 "$rounds"); do change_h1 "$work/manual-fleet" "$i"; t0=$(now_ms); by_hand 2>/dev/null; echo $(( $(now_ms) - t0 )) >> "$work/manual.total"; done

echo "Driftless on Kafka $(basename "$(tr ':' '\n' < target/kafka-broker.classpath | grep '/kafka_2.13-')" .jar), $(nproc) cores, $(nix --version)"
echo "1. events through the controller: $events build results drained in $drain ms = $(( events * 1000 / (drain > 0 ? drain : 1) )) events/s (dead letters: $dead)"
echo "2. build throughput, $hosts hosts, each build sleeps 1 s (commit observed -> commit ready):"
echo "     1 worker : $one ms = $(( hosts * 60000 / one )) builds/min"
echo "     2 workers: $two ms = $(( hosts * 60000 / two )) builds/min   (builds per worker: $b1 + $b2)"
echo "3. commit -> h1 InSync, $rounds rounds, poll 1 s:"
printf '     in-process  commit -> InSync    '; stats < "$work/inproc.total"
printf '                 observed -> InSync  '; stats < "$work/inproc.work"
printf '     Kafka       commit -> InSync    '; stats < "$work/kafka.total"
printf '                 observed -> InSync  '; stats < "$work/kafka.work"
printf '     raw nix script                  '; stats < "$work/manual.total"
