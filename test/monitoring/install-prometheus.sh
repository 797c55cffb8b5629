#!/usr/bin/env bash
# Builds the Prometheus server the paging tests run (test/monitoring/paging.test.ts) from its Go module
# into a cache outside the work tree, keyed by version:
#   ${LATTICE_CACHE_DIR:-~/.cache/lattice}/prometheus-<version>/bin/prometheus
# Debian's prometheus 2.42 (installed by install-promtool.sh for promtool) is built without the
# Kubernetes service discovery, which the tests use. Only that discovery is compiled in
# (remove_all_sd + enable_kubernetes_sd), which spares the cloud providers' SDKs.
# Idempotent: exits at once when the binary exists; safe to run concurrently (flock). Prints the binary's
# path on stdout.
set -euo pipefail

version=v0.316.0        # the Go module's version of Prometheus 3.16.0
release=3.16.0
cache_root="${LATTICE_CACHE_DIR:-$HOME/.cache/lattice}"
dest="$cache_root/prometheus-$version"
bin="$dest/bin/prometheus"

if [[ -x "$bin" ]]; then echo "$bin"; exit 0; fi
mkdir -p "$dest/bin"
exec 9>"$dest/.lock"
flock 9
if [[ -x "$bin" ]]; then echo "$bin"; exit 0; fi

start=$(date +%s)
echo "install-prometheus: building prometheus $version (github.com/prometheus/prometheus/cmd/prometheus)" >&2
# -mod=mod: `go install module@version` with the module's own go.mod; CGO off like upstream releases.
GOFLAGS=-mod=mod CGO_ENABLED=0 GOBIN="$dest/bin.tmp" nice -n 10 go install -trimpath \
  -tags remove_all_sd,enable_kubernetes_sd \
  "-ldflags=-s -w -X github.com/prometheus/common/version.Version=$release -X github.com/prometheus/common/version.Branch=module" \
  "github.com/prometheus/prometheus/cmd/prometheus@$version"
mv "$dest/bin.tmp/prometheus" "$bin"
rmdir "$dest/bin.tmp"
echo "install-prometheus: prometheus $version built in $(( $(date +%s) - start )) s" >&2
echo "$bin"
