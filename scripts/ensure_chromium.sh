#!/usr/bin/env bash
# Make sure Debian's Chromium exists: the workbench's browser tests drive /usr/bin/chromium through
# Playwright's Python package (Playwright's own browser download is never used). Installs Debian's chromium
# when it is absent.
exec bash "$(dirname "$0")/ensure_package.sh" /usr/bin/chromium chromium
