#!/usr/bin/env bash
# Evaluation of a fleet whose hosts are expensive to evaluate, as real NixOS hosts are: a
# synthetic fixture (no nixpkgs) where every host costs about 2 s of CPU and a few hundred MB in
# `nix eval`. One `nix eval` of all hosts (the baseline, in this run) against Driftless with
# driftless.nix.eval-processes=1 and =<cores>, each timed by Driftless's own log line
# "commit … evaluated in N ms"; with the largest memory of any one evaluating process.
#
# Usage: bench/eval-spread.sh [hosts] [work]     (default 8 hosts; work 5000000 list elements a host)
set -euo pipefail
cd "$(dirname "$0")/.."
hosts=${1:-8} size=${2:-5000000} port=${BENCH_PORT:-18083} cores=$(nproc)
scripts/ensure-packages.sh nix-bin git openjdk-17-jdk-headless curl openssl time procps >/dev/null
[ -f target/quarkus-app/quarkus-run.jar ] || ./mvnw -B -q -ntp package -DskipTests
work=$(mktemp -d /tmp/driftless-eval-bench.XXXXXX)
. bench/lib.sh
app= sampler=
cleanup() { [ -n "$app" ] && kill "$app" 2>/dev/null; [ -n "$sampler" ] && kill "$sampler" 2>/dev/null; wait 2>/dev/null
  chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

# The fleet: each host's motd depends on a computation that costs what evaluating a NixOS host costs.
mkdir -p "$work/fleet/hosts"; cp -r examples/fleet/lib "$work/fleet/"
cat > "$work/fleet/flake.nix" <<EOF
{
  outputs = { self }:
    let
      mkHost = import ./lib/mk-host.nix;
      heavy = seed: builtins.foldl' (acc: i: acc + builtins.stringLength (toString (i * seed))) 0 (builtins.genList (i: i) $size);
      host = i: mkHost { name = "h\${toString i}"; motd = "h\${toString i} \${toString (heavy i)} \${builtins.readFile ./round}"; };
    in { nixosConfigurations = builtins.listToAttrs (builtins.genList (i: { name = "h\${toString (i + 1)}"; value = host (i + 1); }) $hosts); };
}
EOF
echo 1 > "$work/fleet/round"
git -C "$work/fleet" init -q -b main && git -C "$work/fleet" add -A && git -C "$work/fleet" commit -q -m v1
next_round() { echo "$1" > "$work/fleet/round"; git -C "$work/fleet" commit -q -am "round $1"; }
peak_rss() { # samples the nix processes until stopped; prints the largest RSS of one, in MB, to $1
  local max=0 r; while true; do
    for r in $(ps -C nix -o rss= 2>/dev/null); do [ "$r" -gt "$max" ] && max=$r && echo $(( max / 1024 )) > "$1"; done; sleep 0.5; done; }

# --- Baseline: one nix eval of every host ---------------------------------------------------------
next_round 2; sha=$(git -C "$work/fleet" rev-parse HEAD)
/usr/bin/time -f "%e %M" -o "$work/baseline.time" nix eval --json "git+file://$work/fleet?ref=refs/heads/main&rev=$sha#nixosConfigurations" \
  --apply 'cs: builtins.mapAttrs (n: c: c.config.system.build.toplevel.drvPath) cs' > /dev/null
read -r base_s base_kb < "$work/baseline.time"; base_ms=$(awk -v s="$base_s" 'BEGIN { printf "%d", s * 1000 }')

# --- What this machine gives <cores> nix processes: the hosts dealt out by hand, one nix eval each --
# Not a goal: it shows how far the cores scale here (two vCPUs may share one core), from this run.
next_round 5; sha=$(git -C "$work/fleet" rev-parse HEAD); start=$(now_ms)
for p in $(seq 0 $(( cores - 1 ))); do
  names=$(for i in $(seq 1 "$hosts"); do if [ $(( (i - 1) % cores )) -eq "$p" ]; then printf '"h%s" ' "$i"; fi; done)
  nix eval --json "git+file://$work/fleet?ref=refs/heads/main&rev=$sha#nixosConfigurations" \
    --apply "cs: builtins.listToAttrs (map (n: { name = n; value = cs.\${n}.config.system.build.toplevel.drvPath; }) [ $names ])" > /dev/null &
done
wait; hand_ms=$(( $(now_ms) - start ))

# --- Driftless, with 1 and with <cores> evaluation processes --------------------------------------
driftless_eval() { # processes round -> ms of Driftless's evaluation of that round's commit; peak RSS in $work/rss.$1
  local args=() i sha ms
  for i in $(seq 1 "$hosts"); do mkdir -p "$work/hosts$1/h$i"; args+=("-Ddriftless.hosts.h$i.target=local:$work/hosts$1/h$i"); done
  java @config/jvm.options -Dquarkus.http.port="$port" -Ddriftless.data-dir="$work/data$1" -Ddriftless.git.url="file://$work/fleet" \
    -Ddriftless.git.poll-interval=1h -Ddriftless.webhook.generic.secret="$WEBHOOK_SECRET" -Ddriftless.nix.eval-processes="$1" \
    "-Ddriftless.nix.options=substituters =,extra-sandbox-paths = /bin /usr /lib /lib64" "${args[@]}" \
    -jar target/quarkus-app/quarkus-run.jar > "$work/driftless$1.log" 2>&1 &
  app=$!
  until api "localhost:$port/q/health/ready" >/dev/null 2>&1; do sleep 0.1; done
  push "$port" "$work/fleet"; sha=$(git -C "$work/fleet" rev-parse HEAD)
  # The first commit's builds and deploys finish before the measured evaluation starts.
  until [ "$(applied_count "$port" "$sha")" -ge "$hosts" ]; do sleep 0.5; done
  next_round "$2"; sha=$(git -C "$work/fleet" rev-parse HEAD)
  echo 0 > "$work/rss.$1"; peak_rss "$work/rss.$1" & sampler=$!
  push "$port" "$work/fleet"
  until grep -q "commit ${sha:0:12} evaluated" "$work/driftless$1.log"; do sleep 0.2; done
  kill "$sampler"; wait "$sampler" 2>/dev/null || true; sampler=
  grep -o "commit ${sha:0:12} evaluated in [0-9]* ms" "$work/driftless$1.log" | grep -o '[0-9]* ms' | cut -d' ' -f1
  grep "evaluated [0-9]* host(s) in one process" "$work/driftless$1.log" | tail -n "$1" | sed -E 's/.*\] /      /' > "$work/shares$1" || true
  kill "$app"; wait "$app" 2>/dev/null || true; app=
}
one=$(driftless_eval 1 3)
many=$(driftless_eval "$cores" 4)

echo "Evaluation of $hosts hosts that each cost about 2 s to evaluate, $cores cores, $(nix --version)"
printf '  one nix eval of every host (baseline)        %6d ms, largest process %4d MB\n' "$base_ms" $(( base_kb / 1024 ))
printf '  Driftless, driftless.nix.eval-processes=1    %6d ms, largest process %4d MB\n' "$one" "$(cat "$work/rss.1")"
printf '  Driftless, driftless.nix.eval-processes=%-3s  %6d ms, largest process %4d MB\n' "$cores" "$many" "$(cat "$work/rss.$cores")"
cat "$work/shares$cores"
echo "  (Driftless's evaluating nix runs with GC_FREE_SPACE_DIVISOR=${GC_FREE_SPACE_DIVISOR:-2}, the baseline and the hand-started ones with ${GC_FREE_SPACE_DIVISOR:-3, the default of Boehm GC})"
printf '  (%s nix eval processes started by hand, the hosts dealt out: %s ms = %sx; how far %s cores scale on this machine)\n' \
  "$cores" "$hand_ms" "$(ratio "$hand_ms" "$base_ms")" "$cores"
printf '  RATIO %s hosts, Driftless with %s evaluation processes vs one nix eval of all: %s ms / %s ms = %sx   [<= 0.6x]\n' \
  "$hosts" "$cores" "$many" "$base_ms" "$(ratio "$many" "$base_ms")"
