#!/usr/bin/env bash
# Make sure Debian's Chromium exists: the workbench's browser tests drive /usr/bin/chromium through
# Playwright's Python package (Playwright's own browser download is never used). When it is absent,
# installs Debian's chromium quietly (as root, or through sudo). Idempotent; called by scripts/test.sh.
set -euo pipefail

CHROMIUM=/usr/bin/chromium
[ -x "$CHROMIUM" ] && exit 0

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo -n "$@"; else return 1; fi; }

if ! command -v apt-get >/dev/null; then
  echo "ensure_chromium: $CHROMIUM not found and apt-get is unavailable: install Chromium yourself" >&2
  exit 1
fi
log=$(mktemp)
trap 'rm -f "$log"' EXIT
if ! { as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq &&
       as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium; } \
     >"$log" 2>&1; then
  cat "$log" >&2
  echo "ensure_chromium: could not install chromium (needs root or password-less sudo)" >&2
  exit 1
fi
[ -x "$CHROMIUM" ] || { echo "ensure_chromium: chromium is installed but $CHROMIUM is missing" >&2; exit 1; }
