#!/usr/bin/env bash
# Make sure OpenSSH's sshd exists: the SFTP tests and benchmarks/deliver_bench.py start a private one
# on 127.0.0.1 (never the system's). When /usr/sbin/sshd is absent, installs Debian's openssh-server
# quietly (as root, or through sudo). Idempotent; called by scripts/test.sh.
set -euo pipefail

SSHD=/usr/sbin/sshd
[ -x "$SSHD" ] && exit 0

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo -n "$@"; else return 1; fi; }

if ! command -v apt-get >/dev/null; then
  echo "ensure_sshd: $SSHD not found and apt-get is unavailable: install OpenSSH's server yourself" >&2
  exit 1
fi
log=$(mktemp)
trap 'rm -f "$log"' EXIT
if ! { as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq &&
       as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends openssh-server; } \
     >"$log" 2>&1; then
  cat "$log" >&2
  echo "ensure_sshd: could not install openssh-server (needs root or password-less sudo)" >&2
  exit 1
fi
[ -x "$SSHD" ] || { echo "ensure_sshd: openssh-server is installed but $SSHD is missing" >&2; exit 1; }
