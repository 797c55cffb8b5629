#!/usr/bin/env bash
# Debian packages of the real node: runc (containerd's OCI runtime), the CNI plugins (bridge,
# host-local, loopback, portmap), nftables (kube-proxy's nftables mode execs `nft`), iptables and
# conntrack (portmap, kube-proxy's cleanup of the other mode), busybox-static (the test image) and
# gcc's static libc (the pause program). Idempotent: installs only what is missing.
set -euo pipefail

packages=(runc containernetworking-plugins nftables iptables conntrack busybox-static gcc libc6-dev)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [[ ${#missing[@]} -eq 0 ]]; then
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
# Other installers may hold the dpkg lock (make test-deps installs several things): wait for it.
apt_get() { $SUDO apt-get -o DPkg::Lock::Timeout=600 "$@"; }
apt_get install -y -q --no-install-recommends "${missing[@]}" || { apt_get update -q && apt_get install -y -q --no-install-recommends "${missing[@]}"; }
echo "installed: ${missing[*]}"
