{
  description = "Driftless example fleet: three hosts, no nixpkgs needed";

  outputs = { self }:
    let
      mkHost = import ./lib/mk-host.nix;
      host = name: mkHost ({ inherit name; } // import (./hosts + "/${name}.nix"));
    in {
      nixosConfigurations = {
        web1 = host "web1";
        web2 = host "web2";
        db1 = host "db1";
      };
    };
}
