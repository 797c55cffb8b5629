#!/usr/bin/env bash
# Fetches prometheus-operator's CRDs for ServiceMonitor, PodMonitor and PrometheusRule from its Go module
# (the module proxy serves it; no container image or registry needed) into
#   ${LATTICE_CACHE_DIR:-~/.cache/lattice}/prometheus-operator-<version>/crds/
# so that test/chart/cluster.test.ts can install them on its API server and dry-run the chart's
# monitoring objects against their real schemas. Idempotent; prints the directory.
set -euo pipefail

version=v0.85.0
module=github.com/prometheus-operator/prometheus-operator
cache_root="${LATTICE_CACHE_DIR:-$HOME/.cache/lattice}"
dest="$cache_root/prometheus-operator-$version/crds"
kinds=(servicemonitors podmonitors prometheusrules)

present() { for k in "${kinds[@]}"; do [[ -s "$dest/monitoring.coreos.com_$k.yaml" ]] || return 1; done; }
if present; then echo "$dest"; exit 0; fi

dir="$(cd "${TMPDIR:-/tmp}" && GOFLAGS=-mod=mod go mod download -json "$module@$version" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
if [[ -z "$dir" || ! -d "$dir/example/prometheus-operator-crd" ]]; then
  echo "install-monitoring-crds: $module@$version has no example/prometheus-operator-crd" >&2
  exit 1
fi
mkdir -p "$dest"
for k in "${kinds[@]}"; do cp "$dir/example/prometheus-operator-crd/monitoring.coreos.com_$k.yaml" "$dest/"; done
chmod u+w "$dest"/*.yaml
echo "install-monitoring-crds: copied ${#kinds[@]} CRDs of $module@$version" >&2
echo "$dest"
