#!/usr/bin/env bash
# Keeps the Helm chart's copies identical to their one source:
#   crds/*.yaml                              -> charts/lattice-operator/crds/
#   manifests/monitoring/lattice-rules.yaml  -> charts/lattice-operator/files/lattice-rules.yaml
#   manifests/monitoring/lattice-dashboard.json -> charts/lattice-operator/files/lattice-dashboard.json
# Usage: sync-crds.sh          copy (make target)
#        sync-crds.sh --check  fail, listing the differences, when a copy is stale (CI)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
chart="$root/charts/lattice-operator"
mode="${1:-sync}"

# source|destination pairs
pairs=()
shopt -s nullglob
for f in "$root"/crds/*.yaml; do pairs+=("$f|$chart/crds/$(basename "$f")"); done
pairs+=("$root/manifests/monitoring/lattice-rules.yaml|$chart/files/lattice-rules.yaml")
pairs+=("$root/manifests/monitoring/lattice-dashboard.json|$chart/files/lattice-dashboard.json")
if [[ ${#pairs[@]} -lt 2 ]]; then
  echo "sync-crds: no CRDs in $root/crds" >&2
  exit 1
fi

case "$mode" in
  sync)
    mkdir -p "$chart/crds" "$chart/files"
    # Remove copies whose source is gone.
    for f in "$chart"/crds/*.yaml; do
      [[ -f "$root/crds/$(basename "$f")" ]] || rm -f "$f"
    done
    for p in "${pairs[@]}"; do cp "${p%%|*}" "${p##*|}"; done
    echo "sync-crds: copied ${#pairs[@]} files into $chart"
    ;;
  --check)
    stale=0
    for p in "${pairs[@]}"; do
      src="${p%%|*}" dst="${p##*|}"
      if ! cmp -s "$src" "$dst"; then
        echo "sync-crds: ${dst#$root/} differs from ${src#$root/}" >&2
        stale=1
      fi
    done
    for f in "$chart"/crds/*.yaml; do
      if [[ ! -f "$root/crds/$(basename "$f")" ]]; then
        echo "sync-crds: ${f#$root/} has no source in crds/" >&2
        stale=1
      fi
    done
    if [[ $stale -ne 0 ]]; then
      echo "sync-crds: run test/chart/sync-crds.sh to update the chart's copies" >&2
      exit 1
    fi
    echo "sync-crds: chart copies are up to date"
    ;;
  *)
    echo "usage: $0 [--check]" >&2
    exit 2
    ;;
esac
