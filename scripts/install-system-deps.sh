#!/usr/bin/env bash
# System packages the test suite needs: Debian's chromium for the browser tests of the HTML report.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "install-system-deps: /usr/bin/chromium is missing and this user cannot run apt-get;" >&2
    echo "  install the Debian package 'chromium' (apt-get install chromium) and re-run." >&2
    exit 2
  fi
fi
echo "install-system-deps: installing Debian package chromium" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
