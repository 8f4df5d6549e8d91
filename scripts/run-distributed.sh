#!/usr/bin/env bash
# Distributed mode on one machine, to try it: a Kafka broker (KRaft, from Maven Central), two
# worker processes and two controllers that share the hosts ($DRIFTLESS_CONTROLLERS of them),
# all on the example fleet of scripts/run-example.sh (under .driftless-distributed/, or
# $DRIFTLESS_EXAMPLE_DIR). Ctrl-C stops everything. Extra arguments go to the controllers' JVMs.
set -euo pipefail
cd "$(dirname "$0")/.."
top=$PWD
scripts/ensure-packages.sh nix-bin git openjdk-17-jdk-headless curl ca-certificates
work=${DRIFTLESS_EXAMPLE_DIR:-$top/.driftless-distributed}
port=${DRIFTLESS_PORT:-8080}; kport=${DRIFTLESS_KAFKA_PORT:-9092}
mkdir -p "$work/logs"
. scripts/example-lib.sh
example_fleet "$work"
built
[ -s target/kafka-broker.classpath ] || ./mvnw -B -q -ntp generate-test-resources
# Workers and controller share one signing key, so that hosts accept what any worker built.
[ -f "$work/signing-key.sec" ] || NIX_CONFIG="experimental-features = nix-command" \
  nix key generate-secret --key-name driftless-example-1 > "$work/signing-key.sec"

pids=()
trap 'kill "${pids[@]}" 2>/dev/null; wait 2>/dev/null' EXIT INT TERM
scripts/kafka-broker.sh "$kport" "$work/kafka" > "$work/logs/kafka.log" 2>&1 & pids+=($!)
until (exec 3<>"/dev/tcp/127.0.0.1/$kport") 2>/dev/null; do sleep 0.2; done
common=(-Dquarkus.profile=kafka "-Dkafka.bootstrap.servers=127.0.0.1:$kport" "-Ddriftless.git.url=file://$work/fleet"
  -Ddriftless.git.branch=main "-Ddriftless.nix.options=substituters =,extra-sandbox-paths = /bin /usr /lib /lib64"
  "-Ddriftless.nix.signing-key-file=$work/signing-key.sec")
for w in 1 2; do
  java @config/jvm.options -Dquarkus.http.port=$((port + w)) "${common[@]}" -Ddriftless.role=worker -Ddriftless.data-dir="$work/worker$w" \
    -jar target/quarkus-app/quarkus-run.jar > "$work/logs/worker$w.log" 2>&1 & pids+=($!)
done
controller() { # number, port; each controller has a data directory (a Git mirror) of its own
  java @config/jvm.options -Dquarkus.http.port="$2" "${common[@]}" -Ddriftless.role=controller -Ddriftless.data-dir="$work/controller$1" \
    -Ddriftless.git.poll-interval="${DRIFTLESS_POLL:-5s}" \
    "${@:3}" -jar target/quarkus-app/quarkus-run.jar
}
controllers=${DRIFTLESS_CONTROLLERS:-2}
for ((c = 2; c <= controllers; c++)); do
  controller "$c" $((port + 10 + c)) "$@" > "$work/logs/controller$c.log" 2>&1 & pids+=($!)
done
cat >&2 <<EOT

Kafka on 127.0.0.1:$kport, workers on :$((port + 1)) and :$((port + 2)), $((controllers - 1)) more controller(s)
from :$((port + 12)) (logs in $work/logs), and a controller on http://localhost:$port in the foreground:
  export DRIFTLESS_TOKEN=\$(cat $work/controller1/api-token)   # this controller's API token; reads need it too
  curl -s -H "Authorization: Bearer \$DRIFTLESS_TOKEN" localhost:$port/api/v1/hosts   # "owned": true for the hosts it reconciles
  cd $work/fleet && \$EDITOR hosts/web1.nix && git commit -am "web1: change"
  grep built $work/logs/worker*.log          # which worker built what

EOT
controller 1 "$port" "$@" & pids+=($!)
wait "${pids[-1]}"
