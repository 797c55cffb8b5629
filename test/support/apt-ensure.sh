#!/usr/bin/env bash
# Usage: apt-ensure.sh COMMAND PACKAGE...  Installs the Debian PACKAGEs unless COMMAND is already on the
# PATH (idempotent; for the tools the tests run, e.g. iptables for the silent-partition test).
set -euo pipefail
command_name=$1
shift
if command -v "$command_name" >/dev/null 2>&1; then
  echo "present: $command_name"
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "$@"
command -v "$command_name" >/dev/null 2>&1 || { echo "$command_name still missing after installing $*" >&2; exit 1; }
echo "installed: $command_name ($*)"
