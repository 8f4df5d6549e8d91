# A stand-in for nixpkgs.lib.nixosSystem: it yields config.system.build.toplevel, a store path
# with bin/switch-to-configuration, which is all Driftless needs from a host configuration.
#
# The switch script follows the DRIFTLESS_HOST_ROOT convention: it activates the generation
# under that directory (a host-as-a-directory), or at / when the variable is unset (a real host).
{ name
, motd ? "${name}"
, services ? [ ]
, system ? "x86_64-linux"
, extraBuildCommands ? ""   # shell run at build time; a failing command fails the build
, extraActivation ? ""      # shell run at switch time; a failing command fails the activation
}:
{
  config.system.build.toplevel = derivation {
    inherit name system motd;
    builder = "/bin/sh";
    PATH = "/usr/bin:/bin";
    services = builtins.concatStringsSep "\n" services;
    inherit extraBuildCommands extraActivation;
    args = [ "-c" ''
      set -e
      mkdir -p $out/bin $out/etc
      printf '%s\n' "$motd" > $out/etc/motd
      printf '%s\n' "$services" > $out/etc/services
      eval "$extraBuildCommands"
      cat > $out/bin/switch-to-configuration <<EOS
      #!/bin/sh
      set -e
      root="\''${DRIFTLESS_HOST_ROOT:-}"
      [ "\$1" = switch ] || [ "\$1" = test ] || { echo "usage: \$0 switch|test" >&2; exit 1; }
      $extraActivation
      mkdir -p "\$root/run"
      ln -sfn $out "\$root/run/current-system"
      echo "${name}: activated $out"
      EOS
      chmod +x $out/bin/switch-to-configuration
    '' ];
  };
}
