#!/usr/bin/env bash
# The main job on the shipped samples: validate the sample batch (clean), then show what
# batchkit says about the deliberately broken sample. Creates .venv on first use.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/bootstrap.sh
bk=.venv/bin/batchkit

echo "== 1. validate the sample batch (four kinds, one batch) =="
$bk validate samples/batch/*.csv

echo
echo "== 2. the broken sample: findings a finance user can act on (exit code 1 expected) =="
set +e
$bk validate samples/broken/acme_order-modifications_broken.csv --max-samples 3
code=$?
set -e
if [ "$code" -ne 1 ]; then
  echo "demo: expected exit code 1 for the broken sample, got $code" >&2
  exit 1
fi
echo
echo "demo: done (clean batch valid; broken sample rejected with exit code 1)"
