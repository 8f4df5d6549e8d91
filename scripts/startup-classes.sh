#!/usr/bin/env bash
# Writes src/main/resources/META-INF/driftless/startup-classes.txt: the classes a Driftless
# start-up loads, in the order it loads them, recorded by the JVM (-Xlog:class+load) while the
# example fleet starts, answers its readiness probe and brings its hosts to InSync: once on a
# fresh data directory, then again as a restart (the common case, whose order comes first).
# dev.driftless.boot.StartupClasses loads them ahead of the main thread. Run it again after
# changing dependencies or start-up code (StartupClassesTest fails when too many names in the
# list no longer exist), then rebuild.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/example-lib.sh
scripts/ensure-packages.sh nix-bin git openjdk-17-jdk-headless curl >/dev/null
built
work=$(mktemp -d /tmp/driftless-startup-classes.XXXXXX) port=${DRIFTLESS_PORT:-18097} app=
trap '[ -n "$app" ] && kill "$app" 2>/dev/null; wait 2>/dev/null; chmod -R u+w "$work"; rm -rf "$work"' EXIT
example_fleet "$work"
token=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')

record() { # log -> a start-up of the example until it is ready and its three hosts are InSync
  # The preloader is off, so that the log shows the order the start-up itself needs.
  java @config/jvm.options -Ddriftless.startup.preload=false "-Xlog:class+load=info:file=$1" \
    -Dquarkus.http.port="$port" -Ddriftless.data-dir="$work/data" -Ddriftless.git.url="file://$work/fleet" \
    -Ddriftless.api.token="$token" "-Ddriftless.nix.options=substituters =,extra-sandbox-paths = /bin /usr /lib /lib64" \
    -jar target/quarkus-app/quarkus-run.jar > "$work/driftless.log" 2>&1 &
  app=$!
  local deadline=$(( SECONDS + 300 ))
  until curl -fs "localhost:$port/q/health/ready" >/dev/null 2>&1 &&
      [ "$(curl -fs -H "Authorization: Bearer $token" "localhost:$port/api/v1/hosts" | grep -o '"inSync":true' | wc -l)" -ge 3 ]; do
    { [ "$SECONDS" -lt "$deadline" ] && kill -0 "$app" 2>/dev/null; } || {
      echo "the example did not reach InSync:" >&2; cat "$work/driftless.log" >&2; exit 1; }
    sleep 0.2
  done
  kill "$app"; wait "$app" 2>/dev/null || true; app=
}
record "$work/first.log"
record "$work/restart.log"

out=src/main/resources/META-INF/driftless/startup-classes.txt
mkdir -p "$(dirname "$out")"
{
  echo "# Written by scripts/startup-classes.sh: the classes a start-up loads, in order. Do not edit."
  # Classes from the JDK's shared archive are loaded already; hidden classes (lambdas) have no name to load.
  cat "$work/restart.log" "$work/first.log" | grep -v -e 'source: shared objects file' -e 'source: __' |
    awk '{ print $2 }' | grep -v -e '\$\$Lambda' -e 'LambdaForm\$' -e '/0x' | awk '!seen[$0]++'
} > "$out"
echo "wrote $(($(wc -l < "$out") - 1)) class names to $out" >&2
