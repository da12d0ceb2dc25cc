#!/usr/bin/env bash
# Make sure Debian's chromium is installed at /usr/bin/chromium (the browser tests drive it with
# Playwright; no browser is downloaded by Playwright itself). Does nothing when it is already there.
set -euo pipefail
CHROMIUM=/usr/bin/chromium
if [ -x "$CHROMIUM" ]; then
  echo "ensure_chromium: $CHROMIUM is present; nothing to do"
  exit 0
fi
SUDO=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    SUDO=(sudo)
  else
    echo "ensure_chromium: $CHROMIUM is missing and this is not root (no sudo): install Debian's chromium package" >&2
    exit 1
  fi
fi
echo "ensure_chromium: $CHROMIUM is missing; running: ${SUDO[*]:+${SUDO[*]} }apt-get update"
"${SUDO[@]}" apt-get update
echo "ensure_chromium: running: ${SUDO[*]:+${SUDO[*]} }apt-get install -y --no-install-recommends chromium"
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium
if [ ! -x "$CHROMIUM" ]; then
  echo "ensure_chromium: chromium was installed but $CHROMIUM is still missing" >&2
  exit 1
fi
echo "ensure_chromium: installed $("$CHROMIUM" --version 2>/dev/null || echo chromium)"
