#!/usr/bin/env bash
# Install Comunica 4 (a SPARQL engine over files, npm) into .ci/comunica/ for the store matrix
# in tests/test_stores.py. Idempotent: does nothing when the pinned version is there already.
# Version 4 because version 5 needs a newer Node than Debian's Node 20.
set -euo pipefail
cd "$(dirname "$0")"
VERSION="4.5.0"
BIN="comunica/node_modules/.bin/comunica-sparql-file-http"
if [ -x "$BIN" ] && grep -q "\"version\": \"$VERSION\"" \
    comunica/node_modules/@comunica/query-sparql-file/package.json 2>/dev/null; then
  exit 0
fi
command -v npm >/dev/null || { echo "npm is missing: apt-get install nodejs npm" >&2; exit 1; }
mkdir -p comunica
npm install --prefix comunica --no-audit --no-fund --loglevel=error \
  "@comunica/query-sparql-file@$VERSION" >&2
test -x "$BIN"
