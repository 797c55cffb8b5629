#!/usr/bin/env bash
# Fetches prometheus-operator's CRDs for ServiceMonitor, PodMonitor and PrometheusRule from its Go module
# (the module proxy serves it; no container image or registry needed) into
#   ${LATTICE_CACHE_DIR:-~/.cache/lattice}/prometheus-operator-<version>/crds/
# so that test/chart/cluster.test.ts can install them on its API server and dry-run the chart's
# monitoring objects against their real schemas. Idempotent; prints the directory.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
exec bash "$here/../support/crds-from-go-module.sh" prometheus-operator github.com/prometheus-operator/prometheus-operator v0.85.0 example/prometheus-operator-crd \
  monitoring.coreos.com_servicemonitors.yaml monitoring.coreos.com_podmonitors.yaml monitoring.coreos.com_prometheusrules.yaml
