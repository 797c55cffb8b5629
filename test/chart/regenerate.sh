#!/usr/bin/env bash
# Regenerates everything derived from crds/, manifests/monitoring/lattice-rules.yaml and the chart, after
# any of them changed (the chart tests fail until this has run):
#   chart copies of the CRDs and rules  (sync-crds.sh)
#   manifests/install.yaml, manifests/monitoring/lattice-prometheusrule.yaml  (render-install.sh)
#   the value and CRD tables of charts/lattice-operator/README.md  (readme-gen.js, from the compile output)
# Usage: regenerate.sh [DIST]   DIST: the compile output holding test/chart/readme-gen.js (default dist)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
dist="${1:-${LATTICE_DIST:-$root/dist}}"
bash "$root/test/chart/sync-crds.sh"
bash "$root/test/chart/render-install.sh"
if [[ ! -f "$dist/test/chart/readme-gen.js" ]]; then
  echo "regenerate: $dist/test/chart/readme-gen.js missing: build first (make build)" >&2
  exit 1
fi
"$root/node_modules/.bin/node" "$dist/test/chart/readme-gen.js"
