#!/usr/bin/env bash
# `make images`: builds lattice-node and lattice-operator with podman from node/Dockerfile and
# operator/Dockerfile, on the locally made base image (images/base.sh; no registry is reachable here),
# into podman's local storage, and exports each as a docker archive for other runtimes (containerd:
# `ctr -n k8s.io images import FILE`).
#
# Names (all on one image): lattice-<program>:dev-<hash>, lattice-<program>:dev and
# lattice-<program>:<package.json version>; <hash> is the hash of the image's inputs (the base image,
# the Dockerfile, .dockerignore, this script and the files the COPY instructions read). An image whose name exists is
# not built again, so a second run with nothing changed takes seconds.
# Archives: $LATTICE_CACHE/images/lattice-<program>-dev-<hash>.tar (default ~/.cache/lattice), with a
# stable link lattice-<program>.tar; inside, the names are docker.io/library/lattice-<program>:<tag>,
# what Kubernetes makes of the short names `lattice-node:0.1.0` in a pod spec.
#   build.sh [node|operator ...]       (default: both)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cache="${LATTICE_CACHE:-$HOME/.cache/lattice}/images"
mkdir -p "$cache" "$HOME/.npm"
programs=("$@")
((${#programs[@]} > 0)) || programs=(node operator)

# One build at a time on this machine (a test's setup and a developer's make may overlap).
exec 9>"$cache/.build.lock"
flock 9

base="$(bash "$root/images/base.sh")"
base_id="$(podman image inspect --format '{{.Id}}' "$base")"
version="$(sed -n 's/^  "version": "\(.*\)",$/\1/p' "$root/package.json" | head -n1)"

# The files an image is made of: the Dockerfile, .dockerignore, this script (its build arguments), and
# what the COPY instructions read from the context (directories expanded; *.test.ts stay out, as in
# .dockerignore).
inputs_of () {
  local dockerfile="$1"
  printf '%s\n' "${dockerfile#"$root/"}" .dockerignore images/build.sh
  sed -e ':a' -e '/\\$/N; s/\\\n//; ta' "$dockerfile" | awk '$1 == "COPY" && $0 !~ /--from=/ { for (i = 2; i < NF; i++) print $i }' |
    while read -r src; do
      (cd "$root" && find "$src" -type f ! -name '*.test.ts' | sort)
    done
}

# npm's settings for the build stages (mounted, not copied; see the podman build below).
npmrc="$cache/build.npmrc"
host_ca=/etc/ssl/certs/ca-certificates.crt
[[ -f "$host_ca" ]] || host_ca=/dev/null
printf '%s\n' "registry=$(npm config get registry)" prefer-offline=true update-notifier=false cafile=/run/lattice-build/ca.crt >"$npmrc"

mb () { awk -v b="$1" 'BEGIN { printf "%.0f MB", b / 1000000 }'; }

for program in "${programs[@]}"; do
  name="lattice-$program"
  dockerfile="$root/$program/Dockerfile"
  [[ -f "$dockerfile" ]] || { echo "images: no $dockerfile" >&2; exit 2; }
  mapfile -t files < <(inputs_of "$dockerfile")
  hash="$( { echo "$base_id"; (cd "$root" && sha256sum "${files[@]}"); } | sha256sum | cut -c1-12)"
  tag="dev-$hash"
  start=$SECONDS
  if podman image exists "$name:$tag"; then
    state="cached"
  else
    revision="$(git -C "$root" rev-parse HEAD 2>/dev/null || echo unknown)"
    if [[ "$revision" != unknown && -n "$(git -C "$root" status --porcelain -- "${files[@]}" 2>/dev/null)" ]]; then revision="$revision-dirty"; fi
    echo "images: building $name:$tag from ${dockerfile#"$root/"} on $base"
    # The host's npm cache serves the npm ci steps (offline-ish: the registry is asked only for what the
    # cache misses, through the host's registry setting and CA bundle, e.g. a proxy's own CA). These are
    # build-time mounts: nothing of them lands in a layer.
    podman build --layers \
      --volume "$HOME/.npm:/root/.npm" \
      --volume "$npmrc:/root/.npmrc:ro" \
      --volume "$host_ca:/run/lattice-build/ca.crt:ro" \
      --build-arg "NODE_IMAGE=$base" \
      --build-arg "VERSION=$version" \
      --build-arg "REVISION=$revision" \
      --build-arg "CREATED=$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
      -f "$dockerfile" -t "$name:$tag" "$root" >"$cache/$name-build.log" 2>&1 \
      || { tail -n 40 "$cache/$name-build.log" >&2; echo "images: $name failed (log: $cache/$name-build.log)" >&2; exit 1; }
    grep '^prune-deps:' "$cache/$name-build.log" | sed 's/^/images: /' || true
    state="built in $((SECONDS - start)) s"
  fi
  # Every name on this image, here (short names are localhost/...) and in the archive (docker.io/library/...).
  for t in "$tag" dev "$version"; do
    podman tag "$name:$tag" "$name:$t" "docker.io/library/$name:$t"
  done
  archive="$cache/$name-$tag.tar"
  if [[ ! -f "$archive" ]]; then
    podman save --quiet --format docker-archive -o "$archive.tmp" \
      "docker.io/library/$name:$tag" "docker.io/library/$name:dev" "docker.io/library/$name:$version"
    mv "$archive.tmp" "$archive"
  fi
  ln -sfn "$(basename "$archive")" "$cache/$name.tar"
  # Older builds of this image: their archives and names (an image still used by a container stays).
  find "$cache" -maxdepth 1 -name "$name-dev-*.tar" ! -name "$(basename "$archive")" -delete
  id="$(podman image inspect --format '{{.Id}}' "$name:$tag")"
  podman images --format '{{.ID}} {{.Repository}}:{{.Tag}}' | awk -v n="$name" -v id="${id:0:12}" \
    '$1 != id && ($2 ~ "^localhost/" n ":dev-" || $2 ~ "^docker.io/library/" n ":dev-") { print $2 }' |
    xargs -r podman rmi >/dev/null 2>&1 || true
  size="$(podman image inspect --format '{{.Size}}' "$name:$tag")"
  echo "images: $name:$tag ($name:dev, $name:$version) $state; size $(mb "$size"), archive $(mb "$(stat -c %s "$archive")") $cache/$name.tar"
done
