#!/usr/bin/env bash
# Installs the Debian packages Smiley builds and tests with, only those missing. Idempotent.
set -euo pipefail

packages=(libgpiod-dev gpiod libsqlite3-dev pkg-config curl python3 fonts-ddc-uchen "$@")
missing=()
for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -eq 0 ]; then
    exit 0
fi
echo "installing: ${missing[*]}"
sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
