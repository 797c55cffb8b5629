#!/usr/bin/env bash
# Builds the real node's Go programs into a cache outside the work tree, one directory per
# component and version:
#   ${LATTICE_CACHE_DIR:-~/.cache/lattice}/realnode/
#     k8s-<version>/bin/{kubelet,kube-proxy}     same Kubernetes version as test/controlplane
#     containerd-<version>/bin/{containerd,containerd-shim-runc-v2,ctr}
#     coredns-<version>/bin/coredns
#     pause-<version>/bin/pause                   Kubernetes' pause.c, static (the sandbox image)
# containerd is built with `go install module/cmd@version`: the upstream go.mod as released, nothing
# to maintain here. CoreDNS comes from coredns/ (its own go.mod requiring the upstream module): a main
# with only the plugins the real node's Corefile uses, a third of the cold build of the full one. Idempotent (a stamp per component), safe to run concurrently
# (flock), prints the realnode cache dir on stdout when done. Debian packages (runc, CNI plugins,
# nft, busybox for the test image) come from install-packages.sh.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
k8s_version="$(awk '$1 == "k8s.io/kubernetes" { print $2; exit }' "$here/k8s/go.mod")"
cp_version="$(awk '$1 == "k8s.io/kubernetes" { print $2; exit }' "$here/../controlplane/go.mod")"
coredns_mod_version="$(awk '{ for (i = 1; i < NF; i++) if ($i == "github.com/coredns/coredns") { print $(i + 1); exit } }' "$here/coredns/go.mod")"
if [[ "$k8s_version" != "$cp_version" ]]; then
  echo "build.sh: test/realnode/k8s/go.mod has $k8s_version, test/controlplane/go.mod has $cp_version: keep them equal" >&2
  exit 1
fi
# shellcheck source=versions.env
source "$here/versions.env"
containerd_version="$CONTAINERD_VERSION"
coredns_version="$COREDNS_VERSION"
if [[ "$coredns_mod_version" != "$coredns_version" ]]; then
  echo "build.sh: test/realnode/coredns/go.mod has CoreDNS $coredns_mod_version, versions.env $coredns_version: keep them equal" >&2
  exit 1
fi
cache_root="${LATTICE_CACHE_DIR:-$HOME/.cache/lattice}/realnode"
mkdir -p "$cache_root"
exec 9>"$cache_root/.lock"
flock 9

export CGO_ENABLED="${CGO_ENABLED:-0}"
start=$(date +%s)

# component_ready DEST STAMP BINARIES...: all binaries present and the stamp matches.
component_ready() {
  local dest="$1" stamp="$2"; shift 2
  [[ -f "$dest/.stamp" && "$(cat "$dest/.stamp")" == "$stamp" ]] || return 1
  for b in "$@"; do [[ -x "$dest/bin/$b" ]] || return 1; done
}

# build COMPONENT DEST STAMP BINARIES... -- COMMAND...: runs COMMAND (which writes into $out) unless ready.
build() {
  local name="$1" dest="$2" stamp="$3"; shift 3
  local bins=()
  while [[ "$1" != "--" ]]; do bins+=("$1"); shift; done
  shift
  if component_ready "$dest" "$stamp" "${bins[@]}"; then return 0; fi
  local t0=$(date +%s)
  echo "build.sh: building $name" >&2
  rm -rf "$dest"
  mkdir -p "$dest/bin.tmp"
  out="$dest/bin.tmp" "$@"
  mv "$dest/bin.tmp" "$dest/bin"
  echo "$stamp" > "$dest/.stamp"
  echo "build.sh: built $name in $(( $(date +%s) - t0 )) s" >&2
}

k8s_build() {
  local minor ldflags=""
  minor="$(echo "$k8s_version" | cut -d. -f2)"
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ldflags+=" -X $pkg.gitVersion=$k8s_version -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor -X $pkg.gitTreeState=clean -X $pkg.buildDate=1970-01-01T00:00:00Z"
  done
  (cd "$here/k8s" && for b in kubelet kube-proxy; do
    go build -trimpath "-ldflags=-s -w $ldflags" -o "$out/$b" "./cmd/$b"
  done)
}

containerd_build() {
  local ldflags="-s -w -X github.com/containerd/containerd/v2/version.Version=$containerd_version -X github.com/containerd/containerd/v2/version.Revision=$containerd_version"
  for cmd in containerd containerd-shim-runc-v2 ctr; do
    GOBIN="$out" go install -trimpath -tags no_btrfs "-ldflags=$ldflags" "github.com/containerd/containerd/v2/cmd/$cmd@$containerd_version"
  done
}

coredns_build() {
  (cd "$here/coredns" && go build -trimpath "-ldflags=-s -w -X github.com/coredns/coredns/coremain.GitCommit=$coredns_version" -o "$out/coredns" .)
}

# The sandbox ("pause") container's program, from the same Kubernetes module's build/pause.
pause_build() {
  local src
  src="$(cd "$here/k8s" && go list -m -f '{{.Dir}}' k8s.io/kubernetes)/build/pause/linux/pause.c"
  gcc -Os -static -Wall -Werror -DVERSION="$k8s_version" -o "$out/pause" "$src"
  strip "$out/pause"
}

k8s_stamp="$(cat "$here/k8s/go.mod" "$here/k8s/go.sum" $(find "$here/k8s/cmd" -name '*.go' | sort) | sha256sum | awk '{print $1}')"
build "kubelet and kube-proxy $k8s_version" "$cache_root/k8s-$k8s_version" "$k8s_stamp" kubelet kube-proxy -- k8s_build
build "containerd $containerd_version" "$cache_root/containerd-$containerd_version" "$containerd_version" containerd containerd-shim-runc-v2 ctr -- containerd_build
coredns_stamp="$(cat "$here/coredns/go.mod" "$here/coredns/go.sum" "$here/coredns/main.go" | sha256sum | awk '{print $1}')"
build "coredns $coredns_version" "$cache_root/coredns-$coredns_version" "$coredns_stamp" coredns -- coredns_build
build "pause $k8s_version" "$cache_root/pause-$k8s_version" "$k8s_version" pause -- pause_build

elapsed=$(( $(date +%s) - start ))
[[ $elapsed -gt 1 ]] && echo "build.sh: real node programs ready in $cache_root ($elapsed s)" >&2
echo "$cache_root"
