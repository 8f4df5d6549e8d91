#!/usr/bin/env bash
# Fleet-size figures on directory hosts (local:<dir>, the real deploy path: nix copy to the
# host's own store, nix-env, switch-to-configuration), each beside its baseline from this run:
#  1. start-up, idle RSS and one resync with 50 hosts;
#  2. one commit that changes all N hosts (default 500): Driftless against a raw script doing the
#     same steps with the best parallelism (one nix build, one sign, then xargs -P <cores>);
#  3. one resync of N hosts;
#  4. a commit that changes one host, on the N-host fleet and on a 3-host fleet, in turn.
# Driftless is told of commits by a signed webhook; its times are its own timestamps.
#
# Usage: bench/local-fleet.sh [N] [rounds]     (default 500 hosts, 15 rounds)
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-500} rounds=${2:-15} port=${BENCH_PORT:-18082} cores=$(nproc)
scripts/ensure-packages.sh nix-bin git openjdk-17-jdk-headless curl openssl >/dev/null
[ -f target/quarkus-app/quarkus-run.jar ] || ./mvnw -B -q -ntp package -DskipTests
work=$(mktemp -d /tmp/driftless-local-fleet.XXXXXX)
. bench/lib.sh
app= appN= app3=
cleanup() { for p in $app $appN $app3; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
nix key generate-secret --key-name bench-1 > "$work/key.sec"
pub=$(nix key convert-secret-to-public < "$work/key.sec")

# Every fleet's hosts are its own, in this run only: no build is found done from an earlier run or
# from another fleet of this one (the script's first, built by Driftless before it, say).
run=$(date +%s%N)
fleet_repo() { # dir count -> a fleet of hosts h1..h<count>
  mkdir -p "$1/hosts"; cp -r examples/fleet/lib examples/fleet/flake.nix "$1/"
  for i in $(seq 1 "$2"); do printf '{ motd = "h%s v1 %s"; }\n' "$i" "$run ${1##*/}" > "$1/hosts/h$i.nix"; done
  git -C "$1" init -q -b main && git -C "$1" add -A && git -C "$1" commit -q -m v1
}
start() { # name repo count -> Driftless managing h1..h<count> of repo, hosts under $work/<name>
  # The hosts are the flake's nixosConfigurations, reached through one target pattern (docs/inventory.md).
  local args=("-Ddriftless.hosts-default.target=local:$work/$1/{name}") i
  for i in $(seq 1 "$3"); do mkdir -p "$work/$1/h$i"; done
  java @config/jvm.options -Dquarkus.http.port="$port" -Ddriftless.data-dir="$work/$1-data" -Ddriftless.git.url="file://$2" \
    -Ddriftless.git.poll-interval=1h -Ddriftless.webhook.generic.secret="$WEBHOOK_SECRET" -Ddriftless.reconcile.interval=5s \
    "-Ddriftless.nix.options=substituters =,extra-sandbox-paths = /bin /usr /lib /lib64" -Ddriftless.nix.signing-key-file="$work/key.sec" \
    "${args[@]}" -jar target/quarkus-app/quarkus-run.jar > "$work/$1.log" 2>&1 &
  app=$!
  until api "localhost:$port/q/health/ready" >/dev/null 2>&1; do sleep 0.1; done
}
stop() { kill "$app" 2>/dev/null; wait "$app" 2>/dev/null || true; app=; }
wait_applied() { # sha count -> waits until count hosts applied sha; prints the latest InSync time
  local deadline=$(( $(now_ms) + 900000 ))
  until [ "$(applied_count "$port" "$1")" -ge "$2" ]; do
    [ "$(now_ms)" -lt "$deadline" ] || { echo "timed out waiting for $2 hosts on $1" >&2; exit 1; }; sleep 1; done
  applied_ms "$port" "$1" | awk '{ if ($2 > m) m = $2 } END { print m }'
}
resync_figure() { resync_window "$port" 16; }  # -> "count mean-ms max-ms" over about three resyncs at 5 s
one_round() { # name repo port i -> appends observed -> InSync of h1 for a commit that changes h1 alone
  local sha t1 tobs
  printf '{ motd = "h1 round %s %s"; }\n' "$4" "$(date +%s%N)" > "$2/hosts/h1.nix"; git -C "$2" commit -q -am "h1 round $4"
  sha=$(git -C "$2" rev-parse HEAD); push "$3" "$2"
  t1=; until [ -n "$t1" ]; do sleep 0.25; t1=$(host_applied_ms "$3" h1 "$sha"); done
  tobs=$(observed_ms "$3" "$sha")
  echo $(( t1 - tobs )) >> "$work/$1.one"
}
median() { sort -n "$1" | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

echo "directory hosts, $cores cores, $(nix --version); goals from issue 17 in brackets" >&2
# --- 50 hosts: start-up, idle RSS, resync ---------------------------------------------------
fleet_repo "$work/fleet50" 50
started=$(now_ms); start f50 "$work/fleet50" 50; ready=$(( $(now_ms) - started ))
push "$port" "$work/fleet50"; wait_applied "$(git -C "$work/fleet50" rev-parse HEAD)" 50 >/dev/null
quarkus=$(grep -o 'started in [0-9.]*s' "$work/f50.log" | head -1 || true)
# A restart knows its 50 hosts from the last ready commit at once: start-up and idle RSS with 50 hosts.
stop; mv "$work/f50.log" "$work/f50-first.log"
started=$(now_ms); start f50 "$work/fleet50" 50; restart=$(( $(now_ms) - started ))
restarted=$(grep -o 'started in [0-9.]*s' "$work/f50.log" | head -1 || true)
read -r c50 r50 m50 <<< "$(resync_figure)"
rss50=$(awk '/^VmRSS/ {print int($2 / 1024)}' "/proc/$app/status")
stop

# --- N hosts: a commit that changes every host, resync, a one-host commit ---------------------
fleet_repo "$work/fleetN" "$N"
start fN "$work/fleetN" "$N"
push "$port" "$work/fleetN"; wait_applied "$(git -C "$work/fleetN" rev-parse HEAD)" "$N" >/dev/null
for i in $(seq 1 "$N"); do printf '{ motd = "h%s v2 %s"; }\n' "$i" "$run fleetN" > "$work/fleetN/hosts/h$i.nix"; done
git -C "$work/fleetN" commit -q -am v2; t0=$(now_ms); sha=$(git -C "$work/fleetN" rev-parse HEAD); push "$port" "$work/fleetN"
all=$(( $(wait_applied "$sha" "$N") - t0 ))
steps "$port" > "$work/steps.txt"
read -r cN rN mN <<< "$(resync_figure)"
rssN=$(awk '/^VmRSS/ {print int($2 / 1024)}' "/proc/$app/status")

# --- 3 hosts beside it: the same one-host commit, rounds taken in turn with the N-host fleet ----
# Taken in turn (N then 3, then 3 then N, …) so that a change in this machine's speed over the
# minutes of the rounds falls on both fleets alike; each controller idles while the other works.
appN=$app; portN=$port; port=$(( portN + 1 ))
fleet_repo "$work/fleet3" 3
start f3 "$work/fleet3" 3
push "$port" "$work/fleet3"; wait_applied "$(git -C "$work/fleet3" rev-parse HEAD)" 3 >/dev/null
app3=$app; : > "$work/fN.one"; : > "$work/f3.one"
for i in $(seq 1 "$rounds"); do
  if [ $(( i % 2 )) -eq 1 ]; then one_round fN "$work/fleetN" "$portN" "$i"; one_round f3 "$work/fleet3" "$port" "$i"
  else one_round f3 "$work/fleet3" "$port" "$i"; one_round fN "$work/fleetN" "$portN" "$i"; fi
done
oneN=$(median "$work/fN.one"); one3=$(median "$work/f3.one")
stop; app3=; app=$appN; appN=; port=$portN; stop

# --- By hand: the same N-host commit, with the best parallelism a script has ---------------------
fleet_repo "$work/manual" "$N"
deploy_host() { # dir out -> copy, set the profile, switch
  nix copy --extra-trusted-public-keys "$pub" --to "local?root=$1" "$2" &&
  nix-env --store "local?root=$1" -p "$1/nix/var/nix/profiles/system" --set "$2" >/dev/null &&
  DRIFTLESS_HOST_ROOT="$1" "$1$2/bin/switch-to-configuration" switch >/dev/null
}
by_hand() { # evaluate, build every host in one nix build, sign once, then deploy <cores> at a time
  local sha; sha=$(git -C "$work/manual" rev-parse HEAD)
  nix eval --json "git+file://$work/manual?ref=refs/heads/main&rev=$sha#nixosConfigurations" \
    --apply 'cs: builtins.mapAttrs (n: c: c.config.system.build.toplevel.drvPath) cs' | tr ',' '\n' | tr -d '{}"' > "$work/drvs"
  cut -d: -f2 "$work/drvs" | xargs nix build --json --no-link --max-jobs auto | tr '}' '\n' \
    | sed -nE 's/.*"drvPath":"([^"]+)".*"out":"([^"]+)".*/\1 \2/p' > "$work/outs"
  cut -d' ' -f2 "$work/outs" | xargs nix store sign --recursive --key-file "$work/key.sec"
  awk 'NR == FNR { out[$1] = $2; next } { split($0, p, ":"); print p[1], out[p[2]] }' "$work/outs" "$work/drvs" \
    | while read -r h out; do echo "$work/manual-hosts/$h $out"; done > "$work/plan"
  cut -d' ' -f1 "$work/plan" | xargs mkdir -p
  xargs -P "$cores" -L 1 bash -c 'deploy_host "$0" "$1"' < "$work/plan"
}
export -f deploy_host; export pub
by_hand 2>/dev/null
for i in $(seq 1 "$N"); do printf '{ motd = "h%s v2 %s"; }\n' "$i" "$run manual" > "$work/manual/hosts/h$i.nix"; done
git -C "$work/manual" commit -q -am v2; t0=$(now_ms); by_hand 2>/dev/null; script=$(( $(now_ms) - t0 ))

# The part of a one-host commit that Nix itself spends before any host is known to change: one
# nix eval of a fresh commit (the git fetch of the whole flake source included), N-host and 3-host repositories.
raw_eval() { # repo -> median ms over 3 fresh one-host commits
  local i sha t0
  for i in 1 2 3; do
    printf '{ motd = "h1 raw %s"; }\n' "$(date +%s%N)" > "$1/hosts/h1.nix"; git -C "$1" commit -q -am "raw $i"
    sha=$(git -C "$1" rev-parse HEAD); t0=$(now_ms)
    nix eval --json "git+file://$1?ref=refs/heads/main&rev=$sha#nixosConfigurations" \
      --apply 'cs: builtins.mapAttrs (n: c: c.config.system.build.toplevel.drvPath) cs' >/dev/null
    echo $(( $(now_ms) - t0 ))
  done | sort -n | sed -n 2p
}
evalN=$(raw_eval "$work/manual"); eval3=$(raw_eval "$work/fleet3")

echo "Local fleet figures, $cores cores, $(nix --version)"
printf '  50 hosts: first start %s ms to ready (Quarkus: %s); restart managing them %s ms to ready (Quarkus: %s), idle RSS %s MB   [< 3 s, < 250 MB]\n' \
  "$ready" "$quarkus" "$restart" "$restarted" "$rss50"
printf '  50 hosts: one resync mean %s ms, max %s ms (%s resyncs)   [< 100 ms]\n' "$r50" "$m50" "$c50"
printf '  %s hosts: one resync mean %s ms, max %s ms (%s resyncs); RSS %s MB\n' "$N" "$rN" "$mN" "$cN" "$rssN"
printf '  RATIO %s hosts, commit -> all InSync vs raw script (one build, one sign, xargs -P %s): %s ms / %s ms = %sx   [<= 1.5x]\n' \
  "$N" "$cores" "$all" "$script" "$(ratio "$all" "$script")"
printf '  RATIO one-host commit, observed -> InSync (median of %s), %s-host fleet vs 3-host fleet: %s ms / %s ms = %sx   [0.8x-1.2x]\n' \
  "$rounds" "$N" "$oneN" "$one3" "$(ratio "$oneN" "$one3")"
printf '    of which raw nix alone: nix eval of a fresh one-host commit, %s-host repo vs 3-host repo: %s ms / %s ms = %sx\n' \
  "$N" "$evalN" "$eval3" "$(ratio "$evalN" "$eval3")"
echo "  where the $N-host controller's time went (its own histograms, both rollouts), by total:"
print_steps "$work/steps.txt"
