#!/usr/bin/env bash
# Builds the dashboard page into the compile output, next to the server code that serves it:
#   bash node/src/dashboard/web/build.sh [OUT]     (OUT defaults to dist; e.g. /tmp/x-dist)
# → OUT/node/src/dashboard/web/{index.html,style.css,*.js}
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../../../.." && pwd)"
out="${1:-$root/dist}"
dest="$out/node/src/dashboard/web"
mkdir -p "$dest"
# The page's imports of packages/contracts are types only: of the output, only the page's own files ship.
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
"$root/node_modules/.bin/node" "$root/node_modules/typescript/bin/tsc" -p "$here/tsconfig.json" --outDir "$tmp"
cp "$tmp/node/src/dashboard/web/"*.js "$dest/"
cp "$here/index.html" "$here/style.css" "$dest/"
