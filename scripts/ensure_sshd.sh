#!/usr/bin/env bash
# Make sure OpenSSH's sshd exists: the SFTP tests and benchmarks/deliver_bench.py start a private one
# on 127.0.0.1 (never the system's). Installs Debian's openssh-server when /usr/sbin/sshd is absent.
exec bash "$(dirname "$0")/ensure_package.sh" /usr/sbin/sshd openssh-server
