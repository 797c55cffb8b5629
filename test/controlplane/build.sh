#!/usr/bin/env bash
# Builds the local control plane (etcd, kube-apiserver, kube-controller-manager, kube-scheduler,
# kubectl, helm) from Kubernetes' own Go modules into a cache outside the work tree:
#   ${LATTICE_CACHE_DIR:-~/.cache/lattice}/k8s-<version>/bin
# Idempotent: when every binary exists and the stamp (a hash of this module's sources) matches,
# it exits at once. Safe to run concurrently (flock). Prints the bin dir on stdout when done.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"

version="$(awk '$1 == "k8s.io/kubernetes" { print $2; exit }' go.mod)"
if [[ -z "$version" ]]; then
  echo "build.sh: cannot read the k8s.io/kubernetes version from $here/go.mod" >&2
  exit 1
fi
cache_root="${LATTICE_CACHE_DIR:-$HOME/.cache/lattice}"
dest="$cache_root/k8s-$version"
bin="$dest/bin"
# Order matters only for waiting engineers: helm and kubectl are needed first (chart linting).
binaries=(helm kubectl etcd kube-apiserver kube-controller-manager kube-scheduler)

stamp_of_sources() {
  cat go.mod go.sum build.sh $(find cmd -name '*.go' | sort) | sha256sum | awk '{print $1}'
}
want_stamp="$(stamp_of_sources)"

all_present() {
  [[ -f "$dest/.stamp" ]] && [[ "$(cat "$dest/.stamp")" == "$want_stamp" ]] || return 1
  for b in "${binaries[@]}"; do [[ -x "$bin/$b" ]] || return 1; done
}

if all_present; then
  echo "$bin"
  exit 0
fi

mkdir -p "$dest"
exec 9>"$dest/.lock"
flock 9
# Another build may have finished while we waited for the lock.
if all_present; then
  echo "$bin"
  exit 0
fi

# A stale stamp means the sources changed: rebuild everything.
if [[ ! -f "$dest/.stamp" ]] || [[ "$(cat "$dest/.stamp")" != "$want_stamp" ]]; then
  rm -rf "$bin"
fi
mkdir -p "$bin"

export CGO_ENABLED="${CGO_ENABLED:-0}"
start=$(date +%s)

# Version stamps as the upstream Makefiles set them: without them every binary reports
# v0.0.0-master, and helm assumes Kubernetes 1.20 for .Capabilities and deprecation lint.
minor="$(echo "$version" | cut -d. -f2)"
helm_version="$(awk '$1 == "helm.sh/helm/v3" { print $2; exit }' go.mod)"
k8s_ldflags=""
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  k8s_ldflags+=" -X $pkg.gitVersion=$version -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor -X $pkg.gitTreeState=clean -X $pkg.buildDate=1970-01-01T00:00:00Z"
done
helm_ldflags="-X helm.sh/helm/v3/internal/version.version=$helm_version"
for pkg in helm.sh/helm/v3/pkg/chartutil helm.sh/helm/v3/pkg/lint/rules; do
  helm_ldflags+=" -X $pkg.k8sVersionMajor=1 -X $pkg.k8sVersionMinor=$minor"
done

build_one() { # name package
  local name="$1" pkg="$2"
  if [[ -x "$bin/$name" ]]; then return 0; fi
  local t0=$(date +%s)
  local extra="$k8s_ldflags"
  [[ "$name" == helm ]] && extra="$helm_ldflags"
  echo "build.sh: building $name ($pkg)" >&2
  go build -trimpath "-ldflags=-s -w $extra" -o "$bin/.$name.tmp" "$pkg"
  mv "$bin/.$name.tmp" "$bin/$name"
  echo "build.sh: built $name in $(( $(date +%s) - t0 )) s" >&2
}

build_one helm helm.sh/helm/v3/cmd/helm
build_one kubectl ./cmd/kubectl
build_one etcd ./cmd/etcd
build_one kube-apiserver ./cmd/kube-apiserver
build_one kube-controller-manager ./cmd/kube-controller-manager
build_one kube-scheduler ./cmd/kube-scheduler

echo "$want_stamp" > "$dest/.stamp"
echo "$version" > "$dest/VERSION"
echo "build.sh: control plane $version ready in $bin ($(( $(date +%s) - start )) s)" >&2
echo "$bin"
