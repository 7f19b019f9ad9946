#!/usr/bin/env bash
# Install Virtuoso 7 (Debian's virtuoso-opensource) for the store matrix in tests/test_stores.py.
# Idempotent: does nothing when virtuoso-t is there. The tests start their own server with a
# temporary database and ini; the package's own service is not needed (and not started here).
set -euo pipefail
if command -v virtuoso-t >/dev/null; then
  exit 0
fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends virtuoso-opensource
command -v virtuoso-t >/dev/null
