#!/usr/bin/env bash
# Creates (once) a Python virtual environment with what the browser tests need, from PyPI:
# selenium and axe-selenium-python (which bundles axe-core), aiosmtpd (the SMTP server the alert delivery
# tests send to) and prometheus-client (its text-format parser reads /metrics in Tests/system/metrics_scrape.py).
# Prints the environment's python. Idempotent.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
venv="${SMILEY_PYTHON_ENV:-${root}/.build/system-python}"
packages=(selenium axe-selenium-python aiosmtpd prometheus-client)
if [ ! -x "${venv}/bin/python" ]; then
    python3 -m venv "${venv}" >&2
fi
if ! "${venv}/bin/python" -c 'import selenium, axe_selenium_python, aiosmtpd, prometheus_client' 2>/dev/null; then
    "${venv}/bin/python" -m pip install --quiet "${packages[@]}" >&2
fi
echo "${venv}/bin/python"
