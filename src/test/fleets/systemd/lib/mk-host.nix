# A stand-in for nixpkgs.lib.nixosSystem for hosts that boot a real systemd (Debian under
# systemd-nspawn, see SystemdFleet): config.system.build.toplevel is a store path laid out like a
# NixOS toplevel, with the generation's units under etc/systemd/system, kernel, initrd and
# kernel-modules, an activate script, and a bin/switch-to-configuration that does what NixOS's
# does (lib/switch-to-configuration.sh). No nixpkgs: the builder is the build machine's /bin/sh.
{ name
, motd ? name
, services ? [ ]          # <name>.service for each: a daemon that stays active
, failingServices ? [ ]   # <name>.service for each: its start fails, so the switch exits 4
, units ? { }             # more unit files, by file name: { "x.service" = "[Service]\n..."; }; @out@ is the toplevel
, etc ? { }               # more files under etc/, by path: { "app/app.conf" = "..."; }
, restartSshd ? false     # the activation asks for ssh.service to be restarted, as a changed sshd config does
, switchSleep ? 0         # seconds the activation takes, long enough to outlive an SSH session if need be
, kernel ? "6.1.0-driftless"  # what kernel, initrd and kernel-modules hold: another value makes booted != current
, inhibitors ? "systemd 252" # switch-inhibitors, as NixOS's system.switch.inhibitors: a change refuses a live switch
, dropNewSsh ? false      # a firewall unit whose nftables rule drops new ssh connections (bare SYNs to port 22)
, extraActivation ? ""    # shell run by the activation; a failing command fails it (exit 2), as on NixOS
, extraBuildCommands ? "" # shell run at build time; a failing command fails the build
, system ? "x86_64-linux"
}:
let
  daemon = n: ''
    [Unit]
    Description=fixture service ${n}
    [Service]
    ExecStart=/bin/sleep infinity
  '';
  failing = n: ''
    [Unit]
    Description=fixture service ${n}, which cannot start
    [Service]
    Type=oneshot
    ExecStart=/bin/sh -c 'echo "${n}: cannot bind to port 8080: address already in use" >&2; exit 1'
  '';
  # NixOS's firewall is a unit too: it comes with the generation and goes when a later one drops it.
  # Only bare SYNs: a rule on `ct state new` also cuts established connections that conntrack
  # first sees after the rule is loaded.
  firewall = ''
    [Unit]
    Description=fixture firewall: refuses new ssh connections
    [Service]
    Type=oneshot
    RemainAfterExit=yes
    ExecStart=/usr/sbin/nft -f @out@/etc/nftables.conf
    ExecStop=/usr/sbin/nft delete table inet driftless_fixture
  '';
  ruleset = ''
    table inet driftless_fixture
    delete table inet driftless_fixture
    table inet driftless_fixture {
      chain input {
        type filter hook input priority 0; policy accept;
        tcp dport 22 tcp flags & (syn | ack) == syn drop
      }
    }
  '';
  unitsOf = f: ns: builtins.listToAttrs (map (n: { name = "${n}.service"; value = f n; }) ns);
  allUnits = unitsOf daemon services // unitsOf failing failingServices // units
    // (if dropNewSsh then { "driftless-firewall.service" = firewall; } else { });
  under = dir: attrs: builtins.listToAttrs
    (map (n: { name = "${dir}/${n}"; value = attrs.${n}; }) (builtins.attrNames attrs));
  activation = ''
    #!/bin/sh
    # The generation's activation, which switch-to-configuration runs (as NixOS's $out/activate).
    systemConfig=@out@
    PATH=/usr/sbin:/usr/bin:/sbin:/bin
    _status=0
    mkdir -p /run/nixos
    ${if switchSleep > 0 then ''
    # Says where it is each second, as a long activation does: output to a session that is gone
    # ends it half-way, as it ends NixOS's switch-to-configuration-ng (a Rust program, whose
    # prints fail once stdout is a broken pipe).
    i=0
    while [ "$i" -lt ${toString switchSleep} ]; do
      i=$((i + 1))
      echo "activating: $i of ${toString switchSleep} s" >&2
      sleep 1
    done
    '' else ""}
    # As NixOS's setup-etc: /etc/static is the generation's etc, each of its files is linked from
    # /etc as /etc/static/<name>, and links to files the generation no longer has go.
    ln -sfn "$systemConfig/etc" /etc/.static.tmp && mv -T /etc/.static.tmp /etc/static
    (cd /etc/static/ && find . -mindepth 1 ! -type d -printf '%P\n') | while IFS= read -r f; do
      mkdir -p "/etc/$(dirname "$f")"
      ln -sfn "/etc/static/$f" "/etc/$f.driftless-tmp" && mv -T "/etc/$f.driftless-tmp" "/etc/$f"
    done
    find /etc -xdev -type l -lname '/etc/static/*' ! -exec test -e {} \; -delete 2>/dev/null || true
    ( :
    ${extraActivation}
    ) || _status=2
    ${if restartSshd then "echo ssh.service >> /run/nixos/activation-restart-list" else ""}
    ln -sfn "$systemConfig" /run/current-system
    exit $_status
  '';
  # As on NixOS, kernel, initrd and kernel-modules are links to store paths of their own, shared by
  # every generation with the same kernel: booted and current differ in them only when it changes.
  boot = {
    "kernel" = builtins.toFile "driftless-fixture-kernel-${kernel}" "driftless fixture kernel ${kernel}\n";
    "initrd" = builtins.toFile "driftless-fixture-initrd-${kernel}" "driftless fixture initrd for ${kernel}\n";
    "kernel-modules" = builtins.toFile "driftless-fixture-modules-${kernel}" "driftless fixture modules for ${kernel}\n";
  };
  # As wantedBy = [ "multi-user.target" ] does on NixOS: the generation wants its services.
  wanted = map (n: "${n}.service") (services ++ failingServices);
  linkList = map (p: "${p}=${boot.${p}}") (builtins.attrNames boot)
    ++ map (u: "etc/systemd/system/multi-user.target.wants/${u}=../${u}") wanted;
  # Every file of the toplevel, by path under $out; @out@ in them becomes the toplevel's path.
  files = {
    "activate" = activation;
    "nixos-version" = "driftless-fixture\n";
    "switch-inhibitors" = "${inhibitors}\n";
    "etc/motd" = "${motd}\n";
    "etc/hostname" = "${name}\n";
  } // (if dropNewSsh then { "etc/nftables.conf" = ruleset; } else { })
    // under "etc/systemd/system" allUnits // under "etc" etc;
  fileList = map (p: "${p}=${builtins.toFile "driftless-fixture-file" files.${p}}") (builtins.attrNames files);
in
{
  config.system.build.toplevel = derivation {
    inherit name system extraBuildCommands;
    builder = "/bin/sh";
    PATH = "/usr/bin:/bin";
    files = builtins.concatStringsSep "\n" fileList;
    links = builtins.concatStringsSep "\n" linkList;
    switch = ./switch-to-configuration.sh;
    args = [ "-c" ''
      set -e
      echo "$files" | while IFS='=' read -r path src; do
        mkdir -p "$out/$(dirname "$path")"
        sed "s|@out@|$out|g" "$src" > "$out/$path"
      done
      echo "$links" | while IFS='=' read -r path target; do mkdir -p "$out/$(dirname "$path")"; ln -s "$target" "$out/$path"; done
      chmod +x $out/activate
      mkdir -p $out/bin
      sed "s|@out@|$out|g" "$switch" > $out/bin/switch-to-configuration
      chmod +x $out/bin/switch-to-configuration
      eval "$extraBuildCommands"
    '' ];
  };
}
