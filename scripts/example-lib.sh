# Shared by run-example.sh and run-distributed.sh: the example fleet and an up-to-date build.

# example_fleet DIR: a Git repository made from examples/fleet in DIR/fleet (once), and host directories
example_fleet() {
  mkdir -p "$1/hosts/web1" "$1/hosts/web2" "$1/hosts/db1"
  if [ ! -d "$1/fleet/.git" ]; then
    cp -r examples/fleet "$1/fleet"
    # The flake declares the hosts; this names the directories that stand in for the machines.
    printf '{ hostsDir = "%s"; }\n' "$(cd "$1/hosts" && pwd)" > "$1/fleet/site.nix"
    git -C "$1/fleet" init -q -b main
    git -C "$1/fleet" add -A
    git -C "$1/fleet" -c user.name="Driftless example" -c user.email=example@driftless.invalid \
      commit -q -m "example fleet: web1, web2, db1"
  elif [ ! -f "$1/fleet/site.nix" ]; then
    # A fleet made by an older version, whose hosts came from flags: declare them in Git now.
    cp examples/fleet/flake.nix "$1/fleet/flake.nix"
    printf '{ hostsDir = "%s"; }\n' "$(cd "$1/hosts" && pwd)" > "$1/fleet/site.nix"
    git -C "$1/fleet" add flake.nix site.nix
    git -C "$1/fleet" -c user.name="Driftless example" -c user.email=example@driftless.invalid \
      commit -q -m "declare the example hosts in the flake"
  fi
}

# built: packages Driftless unless the jar is newer than every source
built() {
  if [ ! -f target/quarkus-app/quarkus-run.jar ] || [ -n "$(find src pom.xml -newer target/quarkus-app/quarkus-run.jar -print -quit)" ]; then
    echo "building Driftless (the first build downloads dependencies)..." >&2
    ./mvnw -B -q -ntp package -DskipTests
  fi
}
