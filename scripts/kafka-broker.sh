#!/usr/bin/env bash
# Runs a single-node Apache Kafka broker (KRaft, combined mode) on 127.0.0.1 from the Maven
# Central artifacts the build resolves, to try distributed mode or run the benchmarks.
# Usage: scripts/kafka-broker.sh [port] [data-dir]   (foreground; Ctrl-C stops it)
set -euo pipefail
cd "$(dirname "$0")/.."
port=${1:-9092}
dir=${2:-$(mktemp -d /tmp/driftless-kafka.XXXXXX)}
controller=$((port + 1))
[ -s target/kafka-broker.classpath ] || ./mvnw -B -ntp -q generate-test-resources
cp=$(cat target/kafka-broker.classpath)
mkdir -p "$dir"
cat > "$dir/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$controller
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$controller
advertised.listeners=PLAINTEXT://127.0.0.1:$port
controller.listener.names=CONTROLLER
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=$dir/data
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
group.initial.rebalance.delay.ms=0
PROPS
cat > "$dir/log4j2.properties" <<PROPS
rootLogger.level=WARN
rootLogger.appenderRef.out.ref=out
appender.out.type=Console
appender.out.name=out
appender.out.layout.type=PatternLayout
appender.out.layout.pattern=%d{HH:mm:ss.SSS} %-5p [%c{1}] %m%n
PROPS
java=java
if [ ! -d "$dir/data" ]; then
  "$java" -cp "$cp" -Dlog4j2.configurationFile="$dir/log4j2.properties" kafka.tools.StorageTool format \
    -t "$(cat /proc/sys/kernel/random/uuid)" -c "$dir/server.properties" >/dev/null
fi
echo "Kafka on 127.0.0.1:$port, data in $dir" >&2
exec "$java" -Xmx512m -cp "$cp" -Dlog4j2.configurationFile="$dir/log4j2.properties" kafka.Kafka "$dir/server.properties"
