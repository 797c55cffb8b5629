# Lattice: every target uses the project's pinned Node (node_modules/.bin/node, Node 24).
SHELL := /bin/bash
export PATH := $(CURDIR)/node_modules/.bin:$(PATH)
NODE := node_modules/.bin/node
JEST := $(NODE) --experimental-vm-modules node_modules/jest/bin/jest.js

.PHONY: all install build test lint run bench clean

all: build

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

install: node_modules/.installed

build: install
	tsc -p tsconfig.json

lint: install
	tsc -p tsconfig.json --noEmit

test: build
	$(JEST) $(JEST_ARGS)

# One node on an embedded default until the local lattice and the operator demo take over this target.
run: build
	AETHEL_DATA_DIR=.data/node AETHEL_HTTP_LISTEN=127.0.0.1:8080 AETHEL_P2P_LISTEN=/ip4/127.0.0.1/tcp/9000 \
	  $(NODE) dist/node/src/main.js

bench: build
	$(NODE) dist/test/bench/run.js

clean:
	rm -rf dist
