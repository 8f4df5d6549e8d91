#!/usr/bin/env bash
# Starts Driftless standalone (in-process events, embedded H2) against the example fleet:
# a Git repository made from examples/fleet and three hosts that are directories with their
# own Nix stores, all under .driftless-example/ (or $DRIFTLESS_EXAMPLE_DIR).
# Extra arguments go to the JVM, for example -Ddriftless.webhook.generic.secret=s3cret.
set -euo pipefail
cd "$(dirname "$0")/.."
top=$PWD
scripts/ensure-packages.sh nix-bin git openjdk-17-jdk-headless curl ca-certificates

work=${DRIFTLESS_EXAMPLE_DIR:-$top/.driftless-example}
port=${DRIFTLESS_PORT:-8080}
. scripts/example-lib.sh
example_fleet "$work"
built

cat >&2 <<EOT

Driftless is starting on http://localhost:$port with the example fleet in $work/fleet.
  export DRIFTLESS_TOKEN=\$(cat $work/data/api-token)   # the API token, written on first start; reads need it too
  curl -s -H "Authorization: Bearer \$DRIFTLESS_TOKEN" localhost:$port/api/v1/hosts   # the three hosts, InSync in a few seconds
  scripts/driftless status                        # the same as a table; it takes \$DRIFTLESS_TOKEN
  cd $work/fleet && \$EDITOR hosts/web1.nix && git commit -am "web1: change"   # watch web1 converge
  curl -s localhost:$port/q/metrics | grep driftless_host_in_sync   # metrics and health need no token
Stop with Ctrl-C; start again with the same command: nothing is redeployed.

EOT
# The hosts come from the flake (its driftless.hosts output, with site.nix naming their directories).
# Builds run in Nix's sandbox. The example's toplevels are raw derivations whose builder is the host's
# /bin/sh, so the sandbox gets read-only system software (no secrets there); nothing to substitute.
exec java @config/jvm.options -Dquarkus.http.port="$port" \
  -Ddriftless.data-dir="$work/data" \
  -Ddriftless.git.url="file://$work/fleet" \
  -Ddriftless.git.branch=main \
  -Ddriftless.git.poll-interval="${DRIFTLESS_POLL:-5s}" \
  -Ddriftless.reconcile.interval=30s \
  "-Ddriftless.nix.options=substituters =,extra-sandbox-paths = /bin /usr /lib /lib64" \
  "$@" \
  -jar target/quarkus-app/quarkus-run.jar
