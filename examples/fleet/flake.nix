{
  description = "Driftless example fleet: one file per host under hosts/, no nixpkgs needed";

  outputs = { self }:
    let
      mkHost = import ./lib/mk-host.nix;
      # Every hosts/<name>.nix is a host: adding a file adds a machine.
      names = map (file: builtins.replaceStrings [ ".nix" ] [ "" ] file)
        (builtins.attrNames (builtins.readDir ./hosts));
      settings = name: import (./hosts + "/${name}.nix");
      host = name: mkHost ({ inherit name; } // removeAttrs (settings name) [ "deploy" ]);
      # Where this copy's hosts are: scripts/run-example.sh commits a site.nix naming the
      # directory that stands in for each machine. Without one, the flake declares no hosts and
      # they come from Driftless's configuration instead.
      site = if builtins.pathExists ./site.nix then import ./site.nix else null;
    in {
      nixosConfigurations = builtins.listToAttrs (map (name: { inherit name; value = host name; }) names);
    } // (if site == null then { } else {
      # The hosts Driftless manages, and how: the same fields as driftless.hosts.<name>.* in its
      # configuration (docs/inventory.md). A host's file may add its own under `deploy`.
      driftless.hosts = builtins.listToAttrs (map (name: {
        inherit name;
        value = { target = "local:${site.hostsDir}/${name}"; } // (settings name).deploy or { };
      }) names);
    });
}
