#!/bin/sh
# switch-to-configuration of a fixture generation: what NixOS's does, cut down to what Driftless
# can observe, for a Debian host that boots systemd. Exit codes as NixOS's: 1 usage or lock,
# 2 activation failed, 3 systemd could not reload, 4 a unit failed.
# Every run is recorded in /var/lib/driftless-fixture/switches ("start ID GOAL PATH TIME", then
# "end ID STATUS TIME"), so tests can count the switches that ran on the host.
set -u
out=@out@
PATH=/usr/sbin:/usr/bin:/sbin:/bin
export PATH
action=${1:-}
case "$action" in
  switch|boot|test|dry-activate) ;;
  *)
    cat >&2 <<EOF
Usage: $0 [switch|boot|test|dry-activate]

switch:       make the configuration the boot default and activate now
boot:         make the configuration the boot default
test:         activate the configuration, but don't make it the boot default
dry-activate: show what would be done if this configuration were activated
EOF
    exit 1 ;;
esac

# No SIGPIPE handling of its own: like switch-to-configuration-ng, a switch whose output goes
# to a session that went away ends at its next line, half-way. Run it where its output cannot
# break (a transient unit writing to a file) to have it carry on.
record=/var/lib/driftless-fixture/switches
mkdir -p /run/nixos /run/driftless-fixture "${record%/*}"
id="$$-$(date +%s%N)"
echo "start $id $action $out $(date +%s.%N)" >> "$record"
trap 'status=$?; echo "end $id $status $(date +%s.%N)" >> "$record"' EXIT

exec 9> /run/nixos/switch-to-configuration.lock
if ! flock -n 9; then
  echo "Could not acquire lock" >&2
  exit 1
fi

# As NixOS's: a generation whose switch inhibitors differ from the running one's cannot be
# activated live (a new systemd, say); it can only be booted.
if [ "$action" = switch ] || [ "$action" = test ]; then
  if [ -f /run/current-system/switch-inhibitors ] && [ -f "$out/switch-inhibitors" ] \
      && ! cmp -s /run/current-system/switch-inhibitors "$out/switch-inhibitors" && [ -z "${NIXOS_NO_CHECK:-}" ]; then
    echo "There are changes to critical components of the system:" >&2
    diff /run/current-system/switch-inhibitors "$out/switch-inhibitors" >&2
    echo "Refusing to switch: reboot into it (switch-to-configuration boot)" >&2
    exit 1
  fi
fi

if [ "$action" = switch ] || [ "$action" = boot ]; then
  # The boot loader entry: what the host boots next.
  mkdir -p /boot
  ln -sfn "$out" /boot/driftless-fixture-default
  [ "$action" = boot ] && exit 0
fi

running=/run/systemd/system
installed=/run/driftless-fixture/units   # the units the current generation put in $running
new=$out/etc/systemd/system
active() { [ "$(systemctl is-active "$1" 2>/dev/null)" = active ]; }
list() { echo $* | tr ' ' '\n' | sort -u | paste -sd, - | sed 's/,/, /g'; }
units_of() { find "$1" -maxdepth 1 -type f -printf '%f\n' 2>/dev/null | sort; }

# As NixOS's: units gone from the generation stop; changed units that run stop now and start
# with their new file (stopIfChanged); units that do not run start (the new ones, and those that
# failed, which starting multi-user.target would start on NixOS).
stop="" changed="" start=""
for u in $(cat "$installed" 2>/dev/null); do
  if [ ! -e "$new/$u" ]; then
    stop="$stop $u"
  elif ! cmp -s "$new/$u" "$running/$u" && active "$u"; then
    stop="$stop $u"
    changed="$changed $u"
  fi
done
for u in $(units_of "$new"); do
  active "$u" || start="$start $u"
done

if [ "$action" = dry-activate ]; then
  [ -n "$stop" ] && echo "would stop the following units: $(list $stop)" >&2
  [ -n "$start$changed" ] && echo "would start the following units: $(list $start $changed)" >&2
  exit 0
fi

logger -t nixos "switching to system configuration $out"
if [ -n "$stop" ]; then
  echo "stopping the following units: $(list $stop)" >&2
  systemctl stop -- $stop
fi
for u in $stop; do
  [ -e "$new/$u" ] || rm -f "$running/$u"
done

res=0
echo "activating the configuration..." >&2
"$out/activate" || res=2
# On NixOS stage 2 sets /run/booted-system at boot; these hosts booted Debian, so the first
# activation stands in for that boot.
[ -e /run/booted-system ] || ln -sfn "$out" /run/booted-system

mkdir -p "$running"
units_of "$new" > "$installed.new"
for u in $(cat "$installed.new"); do
  cp "$new/$u" "$running/$u"
done
mv "$installed.new" "$installed"

systemctl reset-failed
systemctl daemon-reload || res=3

if [ -s /run/nixos/activation-restart-list ]; then
  again=$(sort -u /run/nixos/activation-restart-list)
  echo "restarting the following units: $(list $again)" >&2
  systemctl restart -- $again || res=4
  rm -f /run/nixos/activation-restart-list
fi
if [ -n "$start$changed" ]; then
  echo "starting the following units: $(list $start $changed)" >&2
  systemctl start -- $start $changed || res=4
fi

failed=$(systemctl list-units --state=failed --no-legend --plain --full | cut -d' ' -f1)
if [ -n "$failed" ]; then
  echo "warning: the following units failed: $(list $failed)" >&2
  for u in $failed; do
    echo >&2
    COLUMNS=1000 systemctl status --no-pager -- "$u" >&2
  done
  res=4
fi

if [ "$res" -eq 0 ]; then
  logger -t nixos "finished switching to system configuration $out"
else
  logger -t nixos "switching to system configuration $out failed (status $res)"
fi
exit "$res"
