#!/usr/bin/env bash
# Runs the whole test suite on a fresh Debian 12 machine: installs what it needs, then
# `./mvnw verify` (unit tests, @QuarkusTest flows on real Nix, and the packaged-jar tests).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/ensure-packages.sh nix-bin git openjdk-17-jdk-headless curl ca-certificates openssh-client openssh-server iproute2 prometheus gnupg python3 strace systemd-container debootstrap
./mvnw -B -ntp verify "$@"
