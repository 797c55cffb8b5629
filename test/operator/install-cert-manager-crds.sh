#!/usr/bin/env bash
# Fetches cert-manager's Certificate CRD (and Issuer/ClusterIssuer) from its Go module (the module proxy
# serves it; no container image or registry needed) into
#   ${LATTICE_CACHE_DIR:-~/.cache/lattice}/cert-manager-<version>/crds/
# so that test/operator/tls-cert-manager.test.ts can install them on its API server: the operator's
# Certificates are then validated by cert-manager's real schema. cert-manager's controller does not run
# here (no images); the test signs the Certificates itself. Idempotent; prints the directory.
set -euo pipefail

version=v1.21.2
module=github.com/cert-manager/cert-manager
cache_root="${LATTICE_CACHE_DIR:-$HOME/.cache/lattice}"
dest="$cache_root/cert-manager-$version/crds"
kinds=(certificates issuers clusterissuers)

present() { for k in "${kinds[@]}"; do [[ -s "$dest/cert-manager.io_$k.yaml" ]] || return 1; done; }
if present; then echo "$dest"; exit 0; fi

dir="$(cd "${TMPDIR:-/tmp}" && GOFLAGS=-mod=mod go mod download -json "$module@$version" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
if [[ -z "$dir" || ! -d "$dir/deploy/crds" ]]; then
  echo "install-cert-manager-crds: $module@$version has no deploy/crds" >&2
  exit 1
fi
mkdir -p "$dest"
for k in "${kinds[@]}"; do cp "$dir/deploy/crds/cert-manager.io_$k.yaml" "$dest/"; done
chmod u+w "$dest"/*.yaml
echo "install-cert-manager-crds: copied ${#kinds[@]} CRDs of $module@$version" >&2
echo "$dest"
