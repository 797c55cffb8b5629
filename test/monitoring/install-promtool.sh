#!/usr/bin/env bash
# Installs promtool (Debian package `prometheus`) and amtool (`prometheus-alertmanager`) for the monitoring
# tests; the paging test also runs that package's Alertmanager 0.25 (/usr/bin/prometheus-alertmanager).
# Debian's Prometheus server itself is not used (built without Kubernetes discovery: install-prometheus.sh
# builds Prometheus 3). Idempotent: does nothing when both exist. The packages also ship the Prometheus and Alertmanager
# servers; this is a test machine, so make sure none of them keeps running and grabs 9090/9093/9100.
set -euo pipefail

if command -v promtool >/dev/null 2>&1 && command -v amtool >/dev/null 2>&1; then
  echo "present: $(promtool --version 2>&1 | head -n1); $(amtool --version 2>&1 | head -n1)"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
# --no-install-recommends: promtool needs nothing from the recommended exporters and web assets.
$SUDO apt-get install -y -q --no-install-recommends prometheus prometheus-alertmanager

# Debian starts and enables the service where an init system allows it: stop and disable it.
for svc in prometheus prometheus-alertmanager prometheus-node-exporter; do
  if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
    $SUDO systemctl disable --now "$svc" >/dev/null 2>&1 || true
  elif command -v service >/dev/null 2>&1; then
    $SUDO service "$svc" stop >/dev/null 2>&1 || true
  fi
done

for tool in promtool amtool; do
  command -v "$tool" >/dev/null 2>&1 || { echo "$tool still missing after installing the packages" >&2; exit 1; }
done
echo "installed: $(promtool --version 2>&1 | head -n1); $(amtool --version 2>&1 | head -n1)"
