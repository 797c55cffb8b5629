#!/usr/bin/env bash
# cert-manager's Certificate, Issuer and ClusterIssuer CRDs from its Go module, for
# test/operator/tls-cert-manager.test.ts: the operator's Certificates are validated by cert-manager's
# real schema. cert-manager's controller does not run here (no images); the test signs them itself.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
exec bash "$here/../support/crds-from-go-module.sh" cert-manager github.com/cert-manager/cert-manager v1.21.2 deploy/crds \
  cert-manager.io_certificates.yaml cert-manager.io_issuers.yaml cert-manager.io_clusterissuers.yaml
