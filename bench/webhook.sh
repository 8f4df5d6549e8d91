#!/usr/bin/env bash
# Webhook receipt -> CommitObserved on loopback: n pushes, each a commit in the example fleet
# followed by a signed generic webhook; the poll interval is an hour, so only webhooks fetch.
# Prints the median and p99 of (observedAt reported by the API) - (time the POST was sent).
#
# Usage: bench/webhook.sh [pushes]     (default 200)
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-200}; port=${BENCH_PORT:-18480}
scripts/ensure-packages.sh nix-bin git openjdk-17-jdk-headless curl openssl >/dev/null
[ -f target/quarkus-app/quarkus-run.jar ] || ./mvnw -B -q -ntp package -DskipTests
. bench/lib.sh
work=$(mktemp -d /tmp/driftless-webhook-bench.XXXXXX); app=
cleanup() { [ -n "$app" ] && kill "$app" 2>/dev/null; wait 2>/dev/null; chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
secret=bench-$(date +%s%N)
new_repo "$work/fleet"; mkdir -p "$work/hosts/web1"
java @config/jvm.options -Dquarkus.http.port="$port" -Ddriftless.data-dir="$work/data" -Ddriftless.git.url="file://$work/fleet" \
  -Ddriftless.git.poll-interval=1h -Ddriftless.reconcile.interval=60s "-Ddriftless.nix.options=substituters =,extra-sandbox-paths = /bin /usr /lib /lib64" \
  -Ddriftless.webhook.generic.secret="$secret" -Ddriftless.hosts.web1.target="local:$work/hosts/web1" \
  -jar target/quarkus-app/quarkus-run.jar > "$work/driftless.log" 2>&1 &
app=$!
until curl -fs "localhost:$port/q/health/ready" >/dev/null 2>&1; do sleep 0.2; done
: > "$work/ms"
for i in $(seq 1 "$n"); do
  printf '{ motd = "web1 push %s %s"; }\n' "$i" "$(date +%s%N)" > "$work/fleet/hosts/web1.nix"
  git -C "$work/fleet" commit -q -am "push $i"; sha=$(git -C "$work/fleet" rev-parse HEAD)
  body=$(printf '{"ref":"refs/heads/main","after":"%s","repository":"file://%s"}' "$sha" "$work/fleet")
  sig=$(printf '%s' "$body" | openssl dgst -sha256 -hmac "$secret" -r | cut -d' ' -f1)
  sent=$(date +%s%N)
  curl -fs -o /dev/null -X POST -H 'Content-Type: application/json' -H "X-Driftless-Signature: sha256=$sig" \
    --data-binary "$body" "localhost:$port/api/v1/webhooks/generic"
  until observed=$(api "localhost:$port/api/v1/commits?limit=1" | grep -o "\"sha\":\"$sha\"[^}]*\"observedAt\":\"[^\"]*\"" \
      | sed -E 's/.*"observedAt":"([^"]+)".*/\1/') && [ -n "$observed" ]; do sleep 0.005; done
  echo $(( ($(date -d "$observed" +%s%N) - sent) / 1000 )) >> "$work/ms"   # microseconds
done
fetches=$(curl -fs "localhost:$port/q/metrics" | awk '/^driftless_git_fetch_total\{result="success"\}/ {print $2}')
sort -n "$work/ms" | awk -v n="$n" -v f="$fetches" '{a[NR]=$1} END {
  p = int(NR * 0.99); if (p < 1) p = 1; if (p > NR) p = NR
  printf "webhook receipt -> CommitObserved, %d pushes on loopback: median %.1f ms   p99 %.1f ms   max %.1f ms   (git fetches: %d)\n",
    NR, a[int((NR + 1) / 2)] / 1000, a[p] / 1000, a[NR] / 1000, f }'
