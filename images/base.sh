#!/usr/bin/env bash
# Makes the base image the Dockerfiles build FROM when no registry is reachable (their NODE_IMAGE
# argument; node:24-slim elsewhere) and prints its name on stdout:
#   1. lattice-debian:<suite>-<hash>: `debootstrap --variant=minbase <suite>` from Debian's mirror
#      (about 2.5 min), imported with podman. Its root filesystem is kept as a tarball in the cache, so
#      a machine whose podman storage is empty imports it again in seconds.
#   2. lattice-nodejs:<node version>-<hash>: that plus the project's pinned Node (the npm `node`
#      package's binary) and npm, made with images/nodejs.Dockerfile (seconds).
# Each name carries the hash of its inputs; an image that exists is reused.
#   Environment: LATTICE_CACHE (default ~/.cache/lattice), DEBIAN_SUITE (bookworm),
#   DEBIAN_MIRROR (http://deb.debian.org/debian).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cache="${LATTICE_CACHE:-$HOME/.cache/lattice}/images"
suite="${DEBIAN_SUITE:-bookworm}"
mirror="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
# ca-certificates: the runtime images copy its bundle (Node also has its own roots built in).
include="ca-certificates"
# npm inside the build stages (the `node` package has only the node binary); pinned like Node.
npm_version="11.19.1"
mkdir -p "$cache"
log () { echo "base: $*" >&2; }
exists () { podman image exists "$1"; }
hash_of () { sha256sum | cut -c1-12; }

# ---- 1. Debian minbase
debian_hash="$(printf '%s\n' "$suite" minbase "$include" "$mirror" | hash_of)"
debian="lattice-debian:$suite-$debian_hash"
rootfs_tar="$cache/debian-$suite-minbase-$debian_hash.tar"
if ! exists "$debian"; then
  if [[ ! -f "$rootfs_tar" ]]; then
    start=$SECONDS
    dir="$(mktemp -d "$cache/debootstrap.XXXXXX")"
    trap 'rm -rf "$dir"' EXIT
    log "debootstrap --variant=minbase $suite (a few minutes, once per machine)"
    debootstrap --variant=minbase --include="$include" "$suite" "$dir" "$mirror" >"$cache/debootstrap.log" 2>&1 \
      || { tail -n 20 "$cache/debootstrap.log" >&2; exit 1; }
    # What a container image does not need: apt lists, caches, logs, docs, man pages.
    rm -rf "$dir"/var/lib/apt/lists/* "$dir"/var/cache/apt/* "$dir"/var/log/* "$dir"/usr/share/doc/* "$dir"/usr/share/man/* "$dir"/usr/share/info/*
    tar --numeric-owner -C "$dir" -cf "$rootfs_tar.tmp" .
    mv "$rootfs_tar.tmp" "$rootfs_tar"
    rm -rf "$dir"
    trap - EXIT
    log "debootstrap done in $((SECONDS - start)) s: $(du -m "$rootfs_tar" | cut -f1) MB"
  fi
  podman import --quiet --change 'CMD ["/bin/bash"]' "$rootfs_tar" "$debian" >/dev/null
  log "imported $debian"
fi

# ---- 2. Debian + Node + npm
node_bin="$(readlink -f "$root/node_modules/.bin/node")"
[[ -x "$node_bin" ]] || { echo "base: $root/node_modules/.bin/node is missing: run make install" >&2; exit 1; }
node_version="$("$node_bin" --version)"
nodejs_hash="$( { podman image inspect --format '{{.Id}}' "$debian"; echo "$node_version" "$npm_version"; cat "$root/images/nodejs.Dockerfile"; } | hash_of)"
nodejs="lattice-nodejs:${node_version#v}-$nodejs_hash"
if ! exists "$nodejs"; then
  ctx="$(mktemp -d "$cache/nodejs-context.XXXXXX")"
  trap 'rm -rf "$ctx"' EXIT
  cp "$node_bin" "$ctx/node"
  npm_tgz="$cache/npm-$npm_version.tgz"
  if [[ ! -f "$npm_tgz" ]]; then
    (cd "$cache" && npm pack --silent "npm@$npm_version" >/dev/null)
  fi
  cp "$npm_tgz" "$ctx/npm.tgz"
  podman build --quiet --build-arg "DEBIAN_IMAGE=$debian" -f "$root/images/nodejs.Dockerfile" -t "$nodejs" "$ctx" >/dev/null
  rm -rf "$ctx"
  trap - EXIT
  log "built $nodejs"
fi
echo "$nodejs"
