#!/usr/bin/env bash
# Run the whole test suite: creates .venv and installs what the tests need, then pytest.
# Extra arguments go to pytest (e.g. scripts/test.sh -k rules).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/bootstrap.sh
bash scripts/ensure_sshd.sh || echo "test.sh: no sshd: the SFTP tests will skip (and fail under CI=true)" >&2
bash scripts/ensure_chromium.sh || echo "test.sh: no chromium: the browser tests will skip (and fail under CI=true)" >&2
exec .venv/bin/python -m pytest "$@"
