#!/usr/bin/env bash
# Copies CRD YAML files out of a Go module (the module proxy serves it: no container image, registry or
# git clone needed) into ${LATTICE_CACHE_DIR:-~/.cache/lattice}/<name>-<version>/crds/, once.
# Prints that directory. Idempotent.
# Usage: crds-from-go-module.sh NAME MODULE VERSION DIR_IN_MODULE FILE...
set -euo pipefail

name="$1" module="$2" version="$3" subdir="$4"
shift 4
files=("$@")
cache_root="${LATTICE_CACHE_DIR:-$HOME/.cache/lattice}"
dest="$cache_root/$name-$version/crds"

present() { for f in "${files[@]}"; do [[ -s "$dest/$f" ]] || return 1; done; }
if present; then echo "$dest"; exit 0; fi

dir="$(cd "${TMPDIR:-/tmp}" && GOFLAGS=-mod=mod go mod download -json "$module@$version" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
if [[ -z "$dir" || ! -d "$dir/$subdir" ]]; then
  echo "crds-from-go-module: $module@$version has no $subdir" >&2
  exit 1
fi
mkdir -p "$dest"
for f in "${files[@]}"; do cp "$dir/$subdir/$f" "$dest/"; done
chmod u+w "$dest"/*.yaml
echo "crds-from-go-module: copied ${#files[@]} CRDs of $module@$version" >&2
echo "$dest"
