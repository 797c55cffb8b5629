# Lattice: every target uses the project's pinned Node (node_modules/.bin/node, Node 24).
SHELL := /bin/bash
export PATH := $(CURDIR)/node_modules/.bin:$(PATH)
NODE := node_modules/.bin/node
JEST := $(NODE) --experimental-vm-modules node_modules/jest/bin/jest.js

.PHONY: all install build test test-deps lint run run-standin demo bench chaos controlplane images images-host clean

all: build

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

install: node_modules/.installed

# TypeScript (node, operator, tests) and the dashboard page (browser code, its own tsconfig).
build: install
	tsc -p tsconfig.json
	bash node/src/dashboard/web/build.sh dist

# Type-checks everything, then the dependency direction: node and operator import only packages/contracts
# and packages/log (never each other), and no src imports test code (test/lint/dependency-direction.ts).
lint: install
	tsc -p tsconfig.json --noEmit
	$(NODE) test/lint/dependency-direction.ts

# The local Kubernetes control plane (etcd, kube-apiserver, controller-manager, scheduler, kubectl,
# helm) built from Go modules into ~/.cache/lattice/k8s-<version>/bin; a no-op when cached.
controlplane:
	bash test/controlplane/build.sh

# Podman (with runc, cgroupfs and ulimits this host allows), debootstrap: Debian packages and
# /etc/containers/containers.conf.d/50-lattice.conf, idempotent (images/setup-host.sh).
images-host:
	bash images/setup-host.sh

# The container images lattice-node and lattice-operator in podman's storage, named
# lattice-<program>:dev-<input hash>, :dev and :<version>, and as docker archives
# ~/.cache/lattice/images/lattice-<program>.tar (for `ctr images import`). Built FROM a base made
# here (debootstrap bookworm + the pinned Node: about 2 min, once); cold 284 s in all, warm (nothing
# changed) 2 s. Prints each image's size. Details: images/build.sh and the README.
images: install images-host
	bash images/build.sh

# What the tests need besides npm packages: promtool, amtool and Alertmanager, Chromium (Debian packages),
# the control plane, Prometheus 3, prometheus-operator's monitoring CRDs and cert-manager's CRDs (Go modules, cached under
# ~/.cache/lattice), and the container images
# (test/images runs them through testcontainers and podman).
test-deps: controlplane images realnode
	bash test/monitoring/install-promtool.sh
	bash test/monitoring/install-prometheus.sh
	bash test/monitoring/install-monitoring-crds.sh
	bash test/operator/install-cert-manager-crds.sh
	bash test/dashboard/install-chromium.sh
	bash test/support/apt-ensure.sh iptables iptables
	bash test/support/apt-ensure.sh ip iproute2

# The real node suites (test/realnode) run here; LATTICE_REAL_NODE=0 leaves them out.
test: build test-deps
	LATTICE_REAL_NODE=$${LATTICE_REAL_NODE:-1} $(JEST) $(JEST_ARGS)

# The chaos suite (test/chaos) at full size: 100 kill -9 cycles during ingest, partitions, restarts in
# turn, and the real-cluster scenarios; each scenario prints what it did and found (`chaos ...:` lines).
# make test runs the same suite at a reduced size.
chaos: build test-deps
	LATTICE_CHAOS=full LATTICE_REAL_NODE=$${LATTICE_REAL_NODE:-1} nice -n 5 $(JEST) --maxWorkers=1 dist/test/chaos $(JEST_ARGS)

# The README's first command: the whole system on this machine: local control plane, a real node
# (containerd, kubelet, kube-proxy, CoreDNS), the built images, lattice-operator installed with Helm
# and the three-node network of manifests/samples/minimal.yaml (Ctrl-C stops it). Needs root.
run: build controlplane realnode images
	$(NODE) dist/test/demo/operator-demo.js --real-node

# The same with the stand-in kubelet (pods as processes) and the operator as a local process.
run-standin: build controlplane
	$(NODE) dist/test/demo/operator-demo.js

# Three lattice-node processes on loopback, without Kubernetes (dashboards printed).
demo: build
	$(NODE) dist/test/demo/local-lattice.js 3

bench: build
	$(NODE) dist/test/bench/run.js $(BENCH)

clean:
	rm -rf dist

# --- local Kubernetes (test/cluster; owner: control plane harness) ---
.PHONY: cluster-up bench-controlplane
# etcd, kube-apiserver (CRDs applied), controller-manager, scheduler and the local kubelet until Ctrl-C.
cluster-up: build controlplane
	$(NODE) dist/test/cluster/up.js
# Warm start of etcd + kube-apiserver to /readyz with the CRDs Established (5 runs, JSON line).
bench-controlplane: build controlplane
	$(NODE) dist/test/cluster/bench-start.js 5
# --- end local Kubernetes ---

# --- real Kubernetes node (test/realnode, test/cluster/realnode; owner: real node harness) ---
.PHONY: realnode realnode-up
# containerd, kubelet, kube-proxy, CoreDNS and pause built from Go modules into
# ~/.cache/lattice/realnode (a no-op when cached), runc, CNI plugins and nft from Debian.
realnode:
	bash test/realnode/install-packages.sh
	nice -n 10 bash test/realnode/build.sh
# The control plane and a real node (containerd, kubelet, kube-proxy, CoreDNS) until Ctrl-C.
realnode-up: build controlplane realnode
	$(NODE) dist/test/cluster/realnode/up.js
# --- end real node ---
