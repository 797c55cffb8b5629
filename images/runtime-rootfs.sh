#!/bin/sh
# Lays out the root filesystem of a distroless-style runtime image in OUT (run in a build stage of
# node/Dockerfile and operator/Dockerfile, on the Node image it builds from):
#   the node binary, the shared libraries it links (glibc, libstdc++, libgcc_s: found with ldd),
#   the CA bundle when the build image has one, /etc/passwd and /etc/group with the image's user
#   (lattice, 10001: the uid the operator's pods and the chart run as), an empty /tmp (sticky) and
#   /var/lib/lattice owned by that user (the node's data volume).
# No shell, no package manager, no npm: the image runs one program.
#   runtime-rootfs.sh OUT
set -eu
out="${1:?usage: runtime-rootfs.sh OUT}"
uid=10001

node="$(command -v node)"
node="$(readlink -f "$node")"
mkdir -p "$out/usr/local/bin" "$out/etc" "$out/tmp" "$out/var/lib/lattice"
cp "$node" "$out/usr/local/bin/node"
# `ldd` prints "libX.so => /path (addr)" and the loader as "/lib64/ld-linux-x86-64.so.2 (addr)".
for lib in $(ldd "$node" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }'); do
  cp --parents -L "$lib" "$out/"
done
if [ -f /etc/ssl/certs/ca-certificates.crt ]; then
  mkdir -p "$out/etc/ssl/certs"
  cp -L /etc/ssl/certs/ca-certificates.crt "$out/etc/ssl/certs/"
fi
printf 'root:x:0:0:root:/root:/sbin/nologin\nlattice:x:%s:%s:lattice:/var/lib/lattice:/sbin/nologin\n' "$uid" "$uid" > "$out/etc/passwd"
printf 'root:x:0:\nlattice:x:%s:\n' "$uid" > "$out/etc/group"
chmod 1777 "$out/tmp"
chown "$uid:$uid" "$out/var/lib/lattice"
# The program starts with only what was copied.
chroot "$out" /usr/local/bin/node -e 'process.exit(0)'
