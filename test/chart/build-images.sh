#!/usr/bin/env bash
# Builds the container images lattice-node and lattice-operator (tag: package.json version) with the
# first container engine that answers: docker, podman or nerdctl ($CONTAINER_ENGINE picks one).
# Usage: build-images.sh [--require] [--push REGISTRY]
#   Without an engine it says so and exits 0, or 1 with --require (CI machines that must build).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
require=0
registry=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --require) require=1; shift ;;
    --push) registry="${2:?--push needs a registry}"; shift 2 ;;
    *) echo "usage: $0 [--require] [--push REGISTRY]" >&2; exit 2 ;;
  esac
done

engine=""
for candidate in ${CONTAINER_ENGINE:-docker podman nerdctl}; do
  if command -v "$candidate" >/dev/null 2>&1 && "$candidate" info >/dev/null 2>&1; then
    engine="$candidate"
    break
  fi
done
if [[ -z "$engine" ]]; then
  echo "build-images: no working container engine (docker, podman, nerdctl): images not built" >&2
  exit $(( require ? 1 : 0 ))
fi

version="$(sed -n 's/^  "version": "\(.*\)",$/\1/p' "$root/package.json" | head -n1)"
for image in node operator; do
  name="lattice-$image"
  ref="${registry:+$registry/}$name:$version"
  echo "build-images: $engine build -f $image/Dockerfile -t $ref"
  "$engine" build -f "$root/$image/Dockerfile" -t "$ref" "$root"
  if [[ -n "$registry" ]]; then "$engine" push "$ref"; fi
done
