#!/usr/bin/env bash
# Install headless Chromium (Debian's `chromium` package) for the HTML report tests.
# Idempotent: does nothing when a chromium binary is already on PATH.
# Needs root (or sudo) and apt; on other systems install Chromium by hand, or set
# GAPDOCTOR_CHROMIUM=/path/to/chromium. Without Chromium the browser tests are skipped.
set -euo pipefail

for candidate in "${GAPDOCTOR_CHROMIUM:-}" chromium chromium-browser; do
    if [ -n "$candidate" ] && command -v "$candidate" >/dev/null 2>&1; then
        echo "chromium already installed: $(command -v "$candidate")"
        exit 0
    fi
done

if ! command -v apt-get >/dev/null 2>&1; then
    echo "install-chromium: apt-get not found; install Chromium by hand (the HTML browser tests skip without it)" >&2
    exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
        SUDO="sudo"
    else
        echo "install-chromium: not root and no sudo; the HTML browser tests will be skipped" >&2
        exit 0
    fi
fi

export DEBIAN_FRONTEND=noninteractive
if ! { $SUDO apt-get update -qq && $SUDO apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null; }; then
    echo "install-chromium: apt-get could not install chromium; the HTML browser tests will be skipped" >&2
    exit 0
fi
echo "chromium installed: $(command -v chromium)"
