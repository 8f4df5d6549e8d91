# Shared by the bench scripts: offline Nix settings, a commit identity, and small helpers.
# The same settings Driftless builds with: sandboxed, with the host's shell for the fixture's /bin/sh builders.
export NIX_CONFIG=$'experimental-features = nix-command flakes\nsandbox = true\nsandbox-fallback = false\nextra-sandbox-paths = /bin /usr /lib /lib64\nsubstituters ='
export GIT_AUTHOR_NAME=bench GIT_AUTHOR_EMAIL=bench@driftless.invalid GIT_COMMITTER_NAME=bench GIT_COMMITTER_EMAIL=bench@driftless.invalid
# The API asks for a token on reads too: every Driftless process a bench starts takes this one
# from the environment (driftless.api.token), and api() sends it.
export DRIFTLESS_API_TOKEN=${DRIFTLESS_API_TOKEN:-$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')}
api() { curl -fs -H "Authorization: Bearer $DRIFTLESS_API_TOKEN" "$@"; }
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
# steps PORT: where a controller's time went, from its own histograms: "step calls mean-ms total-ms"
# lines for evaluation, build and each step on the hosts, the largest total first.
steps() {
  curl -s "localhost:$1/q/metrics" | awk '
    /^driftless_(host_step|evaluation|build)_duration_seconds_(sum|count)\{/ {
      split($1, p, "{"); kind = p[1]; sub(/_seconds_(sum|count)$/, "", kind); sub(/^driftless_/, "", kind); sub(/_duration$/, "", kind)
      key = kind; if (match($1, /step="[a-z]+"/)) key = substr($1, RSTART + 6, RLENGTH - 7)
      else if ($1 !~ /result="success"/) next
      if ($1 ~ /_sum\{/) sum[key] += $2; else cnt[key] += $2 }
    END { for (k in cnt) if (cnt[k] > 0) printf "%s %d %.1f %.0f\n", k, cnt[k], 1000 * sum[k] / cnt[k], 1000 * sum[k] }' | sort -k4 -rn
}
# print_steps FILE: the lines of steps, as a table
print_steps() { while read -r step calls mean total; do
  printf '    %-12s %4d calls   mean %7.1f ms   total %6d ms\n' "$step" "$calls" "$mean" "$total"; done < "$1"; }
# new_repo DIR: a Git repository made from the example fleet
new_repo() { cp -r examples/fleet "$1"; git -C "$1" init -q -b main; git -C "$1" add -A; git -C "$1" commit -q -m init; }

# kafka_bench NAME KAFKA_PORT HOSTS: what the Kafka benches share. Builds what is missing, makes
# $work, starts a broker from the Maven Central artifacts on KAFKA_PORT, and a fleet of HOSTS
# local hosts h1..hN ($hostflags) in $work/fleet with a signing key. Every pid in $pids is
# killed on exit, and $work removed unless BENCH_KEEP is set.
kafka_bench() {
  scripts/ensure-packages.sh nix-bin git openjdk-17-jdk-headless curl >/dev/null
  [ -f target/quarkus-app/quarkus-run.jar ] || ./mvnw -B -q -ntp package -DskipTests
  [ -s target/kafka-broker.classpath ] || ./mvnw -B -q -ntp generate-test-resources
  work=$(mktemp -d "/tmp/driftless-$1-bench.XXXXXX")
  pids=()
  trap kafka_bench_cleanup EXIT
  scripts/kafka-broker.sh "$2" "$work/kafka" > "$work/kafka.log" 2>&1 & pids+=($!)
  until (exec 3<>"/dev/tcp/127.0.0.1/$2") 2>/dev/null; do sleep 0.2; done
  new_repo "$work/fleet"
  for i in $(seq 1 "$3"); do printf '{ motd = "h%s"; }\n' "$i" > "$work/fleet/hosts/h$i.nix"; mkdir -p "$work/hosts/h$i"; done
  git -C "$work/fleet" add -A; git -C "$work/fleet" commit -q -m "$3 hosts"
  nix key generate-secret --key-name bench-1 > "$work/key.sec"
  hostflags=(); for i in $(seq 1 "$3"); do hostflags+=("-Ddriftless.hosts.h$i.target=local:$work/hosts/h$i"); done
}
kafka_bench_cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true
  [ -n "${BENCH_KEEP:-}" ] && { echo "kept $work" >&2; return; }
  chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"; }

# What a forge does on a push: a signed generic webhook. Benches start Driftless with
# -Ddriftless.webhook.generic.secret=$WEBHOOK_SECRET, so that a commit is fetched the moment it exists.
export WEBHOOK_SECRET=${WEBHOOK_SECRET:-bench-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')}
push() { # port repo-dir -> tells Driftless on port about the repo's head
  local sha body sig; sha=$(git -C "$2" rev-parse HEAD)
  body=$(printf '{"ref":"refs/heads/main","after":"%s","repository":"file://%s"}' "$sha" "$2")
  sig=$(printf '%s' "$body" | openssl dgst -sha256 -hmac "$WEBHOOK_SECRET" -r | cut -d' ' -f1)
  curl -fs -o /dev/null -X POST -H 'Content-Type: application/json' -H "X-Driftless-Signature: sha256=$sig" \
    --data-binary "$body" "localhost:$1/api/v1/webhooks/generic"
}
# applied_count port sha -> how many hosts have applied sha: cheap enough to poll while a bench runs.
applied_count() { api "localhost:$1/api/v1/hosts" | grep -o "\"lastApplied\":{\"commit\":\"$2\"" | wc -l; }
# applied_ms port sha -> per host "name ms" of hosts whose last applied commit is sha: when each
# became InSync on it, by the controller's own clock (so that the bench's polling adds nothing).
# One date process for all hosts: read it once the hosts are done, not in a polling loop.
applied_ms() {
  local lines; lines=$(api "localhost:$1/api/v1/hosts" | grep -o "\"name\":\"[^\"]*\"\|\"lastApplied\":{\"commit\":\"$2\",[^}]*\"at\":\"[^\"]*\"" \
    | awk -F'"' '/^"name"/ {n=$4; next} {print n, $(NF-1)}')
  [ -n "$lines" ] || return 0
  paste -d' ' <(printf '%s\n' "$lines" | cut -d' ' -f1) <(printf '%s\n' "$lines" | cut -d' ' -f2 | date -f - +%s%3N)
}
# host_applied_ms port host sha -> when host became InSync on sha, by the controller's clock; nothing
# before that. It reads that one host: a poll of the whole list costs a 500-host controller CPU and
# garbage while it works (its own allocation, its own GC pauses), a cost a 3-host one does not pay.
host_applied_ms() {
  local at; at=$(api "localhost:$1/api/v1/hosts/$2" | grep -o "\"lastApplied\":{\"commit\":\"$3\",[^}]*\"at\":\"[^\"]*\"" \
    | sed -E 's/.*"at":"([^"]+)".*/\1/')
  [ -z "$at" ] || date -d "$at" +%s%3N
}
# observed_ms port sha -> when the controller observed the commit, by its clock
observed_ms() { date -d "$(api "localhost:$1/api/v1/commits?limit=20" | grep -o "\"sha\":\"$2\"[^}]*\"observedAt\":\"[^\"]*\"" \
  | sed -E 's/.*"observedAt":"([^"]+)".*/\1/')" +%s%3N; }
# ratio a b -> a/b with two decimals
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }
# resync_window port seconds -> "count mean-ms max-ms" of the resyncs that end in the next
# seconds, each read from the change in driftless_resync_duration_seconds (sum and count) between
# two reads a second apart; a second in which two ended counts them at their mean.
resync_window() {
  local end=$(( $(now_ms) + $2 * 1000 )) c s pc ps n=0 total=0 max=0
  read -r pc ps <<< "$(curl -fs "localhost:$1/q/metrics" | awk '/^driftless_resync_duration_seconds_count/ {c=$2} /^driftless_resync_duration_seconds_sum/ {s=$2} END {print c + 0, s + 0}')"
  while [ "$(now_ms)" -lt "$end" ]; do
    sleep 1
    read -r c s <<< "$(curl -fs "localhost:$1/q/metrics" | awk '/^driftless_resync_duration_seconds_count/ {c=$2} /^driftless_resync_duration_seconds_sum/ {s=$2} END {print c + 0, s + 0}')"
    read -r n total max <<< "$(awk -v c="$c" -v s="$s" -v pc="$pc" -v ps="$ps" -v n="$n" -v t="$total" -v m="$max" \
      'BEGIN { d = c - pc; if (d > 0) { each = (s - ps) / d * 1000; n += d; t += s - ps; if (each > m) m = each }; printf "%d %.6f %.0f", n, t, m }')"
    pc=$c ps=$s
  done
  awk -v n="$n" -v t="$total" -v m="$max" 'BEGIN { printf "%d %.0f %.0f", n, (n > 0 ? t / n * 1000 : -1), m }'
}
