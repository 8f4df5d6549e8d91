{
  description = "Driftless test fleet whose generations behave like NixOS on hosts that boot systemd (SystemdFleet)";

  outputs = { self }:
    let
      mkHost = import ./lib/mk-host.nix;
      # Every hosts/<name>.nix is a host: adding a file adds a machine.
      names = map (file: builtins.replaceStrings [ ".nix" ] [ "" ] file)
        (builtins.attrNames (builtins.readDir ./hosts));
      host = name: mkHost ({ inherit name; } // import (./hosts + "/${name}.nix"));
    in {
      nixosConfigurations = builtins.listToAttrs (map (name: { inherit name; value = host name; }) names);
    };
}
