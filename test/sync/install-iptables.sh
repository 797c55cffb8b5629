#!/usr/bin/env bash
# Installs iptables (Debian package) for the silent-partition test, which drops the lattice's P2P
# packets on loopback. Idempotent: does nothing when iptables exists.
set -euo pipefail
if command -v iptables >/dev/null 2>&1; then
  echo "present: $(iptables --version)"
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends iptables
echo "installed: $(iptables --version)"
