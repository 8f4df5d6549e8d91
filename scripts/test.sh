#!/usr/bin/env bash
# Runs the whole test suite on a fresh Debian 12 machine: installs what it needs, then
# `./mvnw verify` (unit tests, @QuarkusTest flows on real Nix, and the packaged-jar tests).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/ensure-packages.sh nix-bin git openjdk-17-jdk-headless curl ca-certificates openssh-client openssh-server iproute2 prometheus gnupg python3 strace systemd-container debootstrap
# The systemd test hosts' root file system takes minutes to build on a fresh machine, mostly
# waiting on the package mirror and the disk: build it beside the compile and the unit tests.
# The tests that need it wait for this build (it holds the cache's lock), or build it themselves.
if [ "$(id -u)" -eq 0 ]; then
  src/test/scripts/nspawn-rootfs.sh > "${TMPDIR:-/tmp}/driftless-rootfs-build.log" 2>&1 &
fi
./mvnw -B -ntp verify "$@"
