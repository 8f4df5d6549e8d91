# What Driftless evaluates of a commit, in one nix process: { drvs; inventory; }.
# `select` maps nixosConfigurations to what is wanted of each host (its toplevel drvPath, or
# nothing when only the names are). `inventory` is the hosts the flake declares, read as plain
# data: only the fields named below are touched, so nothing lazy behind them (deploy-rs's
# profile paths, a Colmena node's modules) is evaluated. The hosts named in `first` (those the
# flake has) are evaluated before the others; printing would otherwise force them by name.
select: first: flake:
let
  pick = names: v:
    builtins.listToAttrs (builtins.concatMap
      (n: if builtins.isAttrs v && v ? ${n} then [ { name = n; value = v.${n}; } ] else [ ])
      names);
  deployRsFields = [ "sshUser" "user" "sshOpts" "confirmTimeout" "magicRollback" "autoRollback" ];
  # A Colmena node is a NixOS module: a function is called with empty arguments to reach its
  # `deployment`, which needs none of them in the usual hive.
  colmenaDeployment = name: m:
    let v = if builtins.isFunction m
      then m ((builtins.mapAttrs (_: _: { }) (builtins.functionArgs m)) // { inherit name; nodes = { }; })
      else m;
    in if builtins.isAttrs v && v ? deployment
      then pick [ "targetHost" "targetPort" "targetUser" "tags" "buildOnTarget" "sshOptions" ] v.deployment
      else { };
  inventory =
    if flake ? driftless then {
      source = "driftless";
      hosts = flake.driftless.hosts or { };
      extra = builtins.attrNames (removeAttrs flake.driftless [ "hosts" ]);
    } else if flake ? deploy && flake.deploy ? nodes then {
      source = "deploy-rs";
      defaults = pick deployRsFields flake.deploy;
      hosts = builtins.mapAttrs (n: node: pick ([ "hostname" ] ++ deployRsFields) node // {
        profiles = builtins.mapAttrs (_: p: pick deployRsFields p) (node.profiles or { });
      }) flake.deploy.nodes;
    } else if flake ? colmena then {
      source = "colmena";
      defaults = colmenaDeployment "" (flake.colmena.defaults or { });
      hosts = builtins.mapAttrs colmenaDeployment (removeAttrs flake.colmena [ "meta" "defaults" ]);
    } else {
      source = "none";
    };
  drvs = select flake.nixosConfigurations;
in {
  drvs = builtins.foldl' (acc: n: if drvs ? ${n} then builtins.seq drvs.${n} acc else acc) drvs first;
  inherit inventory;
}
