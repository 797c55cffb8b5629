#!/usr/bin/env bash
# Makes this machine able to build and run the Lattice images: Debian's podman with runc, debootstrap
# (the base image is made locally: no registry is reachable here), netavark + aardvark-dns (container
# networks with names), and the containers.conf settings podman needs on these hosts:
#   - runtime runc: crun refuses the hybrid cgroup layout ("cgroups in hybrid mode not supported");
#   - cgroup_manager cgroupfs: there is no systemd as PID 1;
#   - default_ulimits at or under the host's hard limits: podman's defaults are higher, and runc then
#     fails with "error setting rlimits ... operation not permitted".
# Idempotent: installs only what is missing and rewrites the settings file only when it changes.
# Called by `make test-deps` and `make images`.
set -euo pipefail

SUDO=""
if [[ "$(id -u)" != "0" ]]; then SUDO="sudo"; fi

packages=(podman runc conmon debootstrap netavark aardvark-dns iptables uidmap)
missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$'; then missing+=("$p"); fi
done
if ((${#missing[@]} > 0)); then
  export DEBIAN_FRONTEND=noninteractive
  # Other installers (the test-deps scripts) may hold dpkg's lock: wait for it instead of failing.
  $SUDO apt-get -o DPkg::Lock::Timeout=600 update -q
  # --no-install-recommends: no buildah (podman builds by itself), no rootless helpers.
  $SUDO apt-get -o DPkg::Lock::Timeout=600 install -y -q --no-install-recommends "${missing[@]}"
fi

# The limits podman gives containers by default: the host's hard limits, capped.
cap () { local hard="$1" max="$2"; if [[ "$hard" == unlimited ]] || ((hard > max)); then echo "$max"; else echo "$hard"; fi; }
nofile="$(cap "$(ulimit -Hn)" 65536)"
nproc="$(cap "$(ulimit -Hu)" 32768)"

conf_dir=/etc/containers/containers.conf.d
conf="$conf_dir/50-lattice.conf"
want="# Written by Lattice's images/setup-host.sh (see its header for why).
[containers]
default_ulimits = [\"nofile=${nofile}:${nofile}\", \"nproc=${nproc}:${nproc}\"]

[engine]
runtime = \"runc\"
cgroup_manager = \"cgroupfs\"
events_logger = \"file\"

[network]
network_backend = \"netavark\"
"
if [[ ! -f "$conf" ]] || [[ "$(cat "$conf")" != "$(printf '%s' "$want")" ]]; then
  $SUDO mkdir -p "$conf_dir"
  printf '%s' "$want" | $SUDO tee "$conf" >/dev/null
  echo "setup-host: wrote $conf"
fi

# Check that podman took the settings (skipped when the check passed before with the same podman and
# settings).
stamp_dir="${XDG_CACHE_HOME:-$HOME/.cache}/lattice"
stamp="$stamp_dir/podman-ok.$(printf '%s\n%s' "$(podman --version)" "$want" | sha256sum | cut -c1-16)"
if [[ ! -f "$stamp" ]]; then
  info="$(podman info --format '{{.Host.OCIRuntime.Name}} {{.Host.CgroupManager}} {{.Store.GraphDriverName}}')"
  echo "setup-host: podman $(podman --version | awk '{print $3}'): runtime, cgroups, storage: $info"
  case "$info" in
    "runc cgroupfs "*) ;;
    *) echo "setup-host: podman does not use runc with cgroupfs ($info): check $conf" >&2; exit 1 ;;
  esac
  mkdir -p "$stamp_dir"
  touch "$stamp"
fi
echo "setup-host: podman $(podman --version | awk '{print $3}'), runc, debootstrap ready"
