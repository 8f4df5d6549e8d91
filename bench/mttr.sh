#!/usr/bin/env bash
# MTTR for a generation switched by hand, with the default 30 s resync: N times per host, switch
# the host to a generation that is not in Git (as `nixos-rebuild switch` on the box does), and
# read Driftless's incident: detection = opened - switched, repair = closed - opened.
# Two hosts: web1, a local directory host (file-system notifications), and web2, an SSH host in a
# network namespace (a watch over its master connection; needs root, skipped otherwise). Each
# figure is printed beside its baseline from the same run: the same injections with the watches
# off (driftless.reconcile.watch=false), where only the 30 s resync notices, as a ratio.
#
# Usage: bench/mttr.sh [injections]     (default 10 per host and mode; about 13 minutes)
set -euo pipefail
cd "$(dirname "$0")/.."
top=$PWD
n=${1:-10}
port=${BENCH_PORT:-18082}
resync=${BENCH_RESYNC:-30}
scripts/ensure-packages.sh nix-bin git openjdk-17-jdk-headless curl openssl openssh-server openssh-client iproute2 >/dev/null
[ -f target/quarkus-app/quarkus-run.jar ] || ./mvnw -B -q -ntp package -DskipTests

work=$(mktemp -d /tmp/driftless-mttr.XXXXXX) prefix=dlm
netns=$top/src/test/scripts/netns-fleet.sh
. bench/lib.sh
app= ssh_host=
[ "$(id -u)" = 0 ] && ssh_host=web2
cleanup() {
  [ -n "$app" ] && kill "$app" 2>/dev/null; wait 2>/dev/null || true
  [ -n "$ssh_host" ] && NET=198.18.2 bash "$netns" down "$work/ns" "$prefix" 1 >/dev/null 2>&1 || true
  chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"
}
trap cleanup EXIT
ms_of() { date -d "$1" +%s%3N; }
ip=198.18.2.11

new_repo "$work/fleet"
mkdir -p "$work/hosts/web1" "$work/hosts/db1"
nix key generate-secret --key-name mttr-1 > "$work/signing.sec"
pub=$(nix key convert-secret-to-public < "$work/signing.sec")
targets=("-Ddriftless.hosts.web1.target=local:$work/hosts/web1" "-Ddriftless.hosts.db1.target=local:$work/hosts/db1")
if [ -n "$ssh_host" ]; then
  mkdir -p "$work/ns"; ssh-keygen -q -t ed25519 -N '' -f "$work/client_key"
  NET=198.18.2 bash "$netns" up "$work/ns" "$prefix" 1 "$work/client_key.pub" "$pub"
  echo "$ip $(cut -d' ' -f1,2 "$work/ns/host1/ssh/host_ed25519.pub")" > "$work/known_hosts"
  targets+=("-Ddriftless.hosts.web2.target=ssh://root@$ip:22" "-Ddriftless.hosts.web2.health-check=none"
    "-Ddriftless.ssh.known-hosts-file=$work/known_hosts" "-Ddriftless.ssh.private-key-file=$work/client_key")
else
  mkdir -p "$work/hosts/web2"; targets+=("-Ddriftless.hosts.web2.target=local:$work/hosts/web2")
  echo "not root: the SSH host is left out" >&2
fi
sshopts="-o BatchMode=yes -o StrictHostKeyChecking=yes -o UserKnownHostsFile=$work/known_hosts -o IdentitiesOnly=yes -i $work/client_key"

# The generations made by hand: web1 and web2 configurations that are not in Git, built once.
cp -r "$work/fleet" "$work/by-hand"; rm -rf "$work/by-hand/.git"
for h in web1 web2; do echo "{ motd = \"$h: edited on the box\"; }" > "$work/by-hand/hosts/$h.nix"; done
other_of() { nix build --no-link --json "path:$work/by-hand#nixosConfigurations.$1.config.system.build.toplevel" | sed -E 's/.*"out":"([^"]+)".*/\1/'; }
other1=$(other_of web1) other2=$(other_of web2)
nix copy --no-check-sigs --to "local?root=$work/hosts/web1" "$other1"
if [ -n "$ssh_host" ]; then
  nix store sign --recursive --key-file "$work/signing.sec" "$other2"
  NIX_SSHOPTS=$sshopts nix copy --to "ssh-ng://root@$ip" "$other2"
fi

switch_by_hand() { # host
  if [ "$1" = web1 ]; then
    nix-env --store "local?root=$work/hosts/web1" -p "$work/hosts/web1/nix/var/nix/profiles/system" --set "$other1"
    DRIFTLESS_HOST_ROOT="$work/hosts/web1" "$work/hosts/web1$other1/bin/switch-to-configuration" switch >/dev/null
  else
    ssh $sshopts "root@$ip" -- "nix-env -p /nix/var/nix/profiles/system --set $other2 && $other2/bin/switch-to-configuration switch" >/dev/null </dev/null
  fi
}

run() { # mode(watch|resync) -> $work/<mode>-<host>-{detect,total}
  local mode=$1 watch=true; [ "$mode" = resync ] && watch=false
  java @config/jvm.options -Dquarkus.http.port="$port" -Ddriftless.data-dir="$work/data-$mode" -Ddriftless.git.url="file://$work/fleet" \
    -Ddriftless.git.poll-interval=1h -Ddriftless.reconcile.interval="${resync}s" -Ddriftless.reconcile.watch="$watch" \
    "-Ddriftless.nix.options=substituters =,extra-sandbox-paths = /bin /usr /lib /lib64" -Ddriftless.nix.signing-key-file="$work/signing.sec" \
    -Ddriftless.webhook.generic.secret="$WEBHOOK_SECRET" "${targets[@]}" -jar target/quarkus-app/quarkus-run.jar > "$work/driftless-$mode.log" 2>&1 &
  app=$!
  until api "localhost:$port/q/health/ready" >/dev/null 2>&1; do sleep 0.2; done
  push "$port" "$work/fleet"
  for h in web1 $ssh_host; do
    until api "localhost:$port/api/v1/hosts/$h" | grep -q '"state":"InSync"'; do sleep 0.2; done
  done
  for h in web1 $ssh_host; do
    : > "$work/$mode-$h-detect"; : > "$work/$mode-$h-total"
    for i in $(seq 1 "$n"); do
      # Without watches, detection depends on where in the resync period the switch lands, and each
      # repair happens at a resync: wait a uniformly random part of the period so the baseline is not
      # biased to its worst case. With watches it does not depend on the phase; a short pause does.
      if [ "$mode" = resync ]; then sleep "$((RANDOM % resync)).$((RANDOM % 10))"; else sleep "$((RANDOM % 3)).$((RANDOM % 10))"; fi
      before=$(api "localhost:$port/api/v1/incidents?host=$h&limit=1" | grep -o '"id":[0-9]*' | head -1 || true)
      # From before the switch command: its own time (an ssh login, the activation) counts as detection time.
      injected=$(now_ms)
      switch_by_hand "$h"
      while :; do
        latest=$(api "localhost:$port/api/v1/incidents?host=$h&limit=1" || true)
        id=$(printf '%s' "$latest" | grep -o '"id":[0-9]*' | head -1 || true)
        [ "$id" != "$before" ] && printf '%s' "$latest" | grep -q '"closedAt":"' && break
        [ $(( $(now_ms) - injected )) -lt $(( 4 * resync * 1000 )) ] || { echo "$mode $h: no repair after $((4 * resync)) s; see $work/driftless-$mode.log" >&2; exit 1; }
        sleep 0.05
      done
      opened=$(ms_of "$(printf '%s' "$latest" | sed -E 's/.*"openedAt":"([^"]+)".*/\1/')")
      closed=$(ms_of "$(printf '%s' "$latest" | sed -E 's/.*"closedAt":"([^"]+)".*/\1/')")
      echo $(( opened - injected )) >> "$work/$mode-$h-detect"; echo $(( closed - injected )) >> "$work/$mode-$h-total"
    done
  done
  kill "$app"; wait "$app" 2>/dev/null || true; app=
}

echo "running $n injections per host with watches, then without (resync every ${resync} s alone)..." >&2
run watch
run resync

median() { sort -n "$1" | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
max() { sort -n "$1" | tail -1; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", (b > 0 ? a / b : 0) }'; }
echo "MTTR for a generation switched by hand, resync every ${resync} s, $n injections per host and mode, $(nproc) cores"
for h in web1 $ssh_host; do
  kind="local directory host"; [ "$h" = web2 ] && kind="SSH host (namespace)"
  dw=$(median "$work/watch-$h-detect") dr=$(median "$work/resync-$h-detect")
  tw=$(median "$work/watch-$h-total") tr=$(median "$work/resync-$h-total")
  printf '  %-22s detection (switch -> incident opened)  watch median %6d ms (max %6d)   resync only median %6d ms (max %6d)\n' \
    "$kind" "$dw" "$(max "$work/watch-$h-detect")" "$dr" "$(max "$work/resync-$h-detect")"
  printf '  %-22s total     (switch -> back InSync)      watch median %6d ms (max %6d)   resync only median %6d ms (max %6d)\n' \
    "" "$tw" "$(max "$work/watch-$h-total")" "$tr" "$(max "$work/resync-$h-total")"
  printf '  RATIO %s, detection with the watch vs the resync alone: %s ms / %s ms = %sx   [well inside the %s s resync]\n' \
    "$kind" "$dw" "$dr" "$(ratio "$dw" "$dr")" "$resync"
done
