#!/usr/bin/env bash
# ensure_package.sh PROGRAM PACKAGE: make sure PROGRAM exists, installing Debian's PACKAGE quietly (as root, or
# through password-less sudo) when it is absent. Idempotent. Used by ensure_sshd.sh and ensure_chromium.sh.
set -euo pipefail

program=$1 package=$2
[ -x "$program" ] && exit 0

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo -n "$@"; else return 1; fi; }

if ! command -v apt-get >/dev/null; then
  echo "ensure_package: $program not found and apt-get is unavailable: install $package yourself" >&2
  exit 1
fi
log=$(mktemp)
trap 'rm -f "$log"' EXIT
if ! { as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq &&
       as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$package"; } \
     >"$log" 2>&1; then
  cat "$log" >&2
  echo "ensure_package: could not install $package (apt-get said why above; it needs root or password-less sudo)" >&2
  exit 1
fi
[ -x "$program" ] || { echo "ensure_package: $package is installed but $program is missing" >&2; exit 1; }
