#!/usr/bin/env bash
# The main job on the shipped samples: build the sample exports into batch files, validate
# them, deliver them to ./outbox (exactly once), show what batchkit says about a broken file, then start
# the local impact.com sandbox, mirror its actions and show one. Creates .venv on first use.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/bootstrap.sh
bk=.venv/bin/batchkit

out=out/demo-$(date -u +%Y%m%dT%H%M%SZ)
# The demo's state (ledger and journal) stays in ./out, never in your own state folder: out/state is kept between
# demo runs, so a second run shows the same content skipped; the sandbox steps (6-12) use a fresh one of their own.
export BATCHKIT_STATE_DIR="$PWD/out/state"
echo "== 1. build: the sample returns, Shopify and WooCommerce exports -> impact.com batch files =="
$bk build samples/returns/returns_export.csv --config samples/returns/batchkit.toml -o "$out"
$bk build samples/shopify/orders_export.csv --config samples/shopify/batchkit.toml -o "$out"
$bk build samples/woocommerce/orders_export.csv --config samples/woocommerce/batchkit.toml -o "$out/woocommerce"  # its own folder: the sandbox (steps 6-10) has no actions for these orders

echo
echo "== 2. validate what was built, as one batch =="
$bk validate "$out"/*.csv

echo
echo "== 3. deliver them, exactly once, to the local outbox (the default destination) =="
$bk deliver "$out"/*.csv --to outbox
echo "outbox now holds: $(ls outbox | wc -l) file(s); run the demo again: the same content is skipped, not sent twice"

echo
echo "== 4. validate the sample batch files (four kinds, one batch) =="
$bk validate samples/batch/*.csv

echo
echo "== 5. the broken sample: findings a finance user can act on (exit code 1 expected) =="
set +e
$bk validate samples/broken/acme_order-modifications_broken.csv --max-samples 3
code=$?
set -e
if [ "$code" -ne 1 ]; then
  echo "demo: expected exit code 1 for the broken sample, got $code" >&2
  exit 1
fi
echo
echo "== 6. the impact.com API, rehearsed against the local sandbox (127.0.0.1 only) =="
export BATCHKIT_STATE_DIR="$out/state"
unset IMPACT_AUTH_TOKEN   # the sandbox makes one up and prints it (never a real account's token)
sandbox_log=$(mktemp)
drop="$out/sandbox-drop"   # the sandbox watches this folder as impact.com watches an SFTP drop
$bk sandbox --port 0 --drop "$drop" --process-seconds 1 >"$sandbox_log" 2>&1 &
sandbox_pid=$!
trap 'kill "$sandbox_pid" 2>/dev/null || true; rm -f "$sandbox_log"' EXIT
for _ in $(seq 100); do grep -q '^export IMPACT_AUTH_TOKEN=' "$sandbox_log" && break; sleep 0.1; done
grep -q '^export BATCHKIT_API_URL=' "$sandbox_log" || { echo "demo: the sandbox did not start:" >&2; cat "$sandbox_log" >&2; exit 1; }
head -1 "$sandbox_log"
eval "$(grep '^export ' "$sandbox_log")"   # what a person pastes: the API's URL, the account, the campaign, the token
echo "sandbox settings: BATCHKIT_API_URL=$BATCHKIT_API_URL IMPACT_ACCOUNT_SID=$IMPACT_ACCOUNT_SID BATCHKIT_CAMPAIGN_ID=$BATCHKIT_CAMPAIGN_ID (and its made-up IMPACT_AUTH_TOKEN)"
$bk actions sync
$bk actions sync        # the second sync is incremental: one request
$bk actions show 1000.4636.158201 --items

echo
echo "== 7. preflight: the files built in step 1 and the sample batch files against the sandbox's actions =="
$bk validate "$out"/*.csv samples/batch/*.csv --preflight

echo
echo "== 8. deliver to the sandbox's drop: the built files, and a valid file that was never preflighted =="
$bk deliver "$out"/*.csv samples/platform/acme_order-modifications_2026-11-30.csv --to "$drop"

echo
echo "== 9. and small corrections through the API, one request per record, exactly once =="
$bk deliver samples/batch/acme_order-reversals_2026-11-22.csv --to api --dry-run
$bk deliver samples/batch/acme_order-reversals_2026-11-22.csv --to api
# the same records to the drop: not sent again, the journal knows the changes whichever channel took them
$bk deliver samples/batch/acme_order-reversals_2026-11-22.csv --to "$drop"

echo
echo "== 10. results: the platform's verdict on every delivery, placed at its row (exit code 1 expected) =="
set +e
$bk results --wait 30
code=$?
set -e
if [ "$code" -ne 1 ]; then
  echo "demo: expected exit code 1 (rows the platform rejected), got $code" >&2
  exit 1
fi
$bk results --format json >/dev/null || [ $? -eq 1 ]   # asked again: the stored verdicts, no request

echo
echo "== 11. action inquiries: pull, decide each from the Shopify export and the mirror, review, resolve =="
inq="$out/inquiries"   # apart from the batch files, so that deliver "$out"/*.csv never takes an inquiry file
mkdir -p "$inq"
$bk inquiries pull -o "$inq/inquiries.csv"
$bk inquiries match "$inq/inquiries.csv" --orders samples/shopify/orders_export.csv \
    --config samples/shopify/batchkit.toml -o "$inq/resolutions.csv" --review "$inq/inquiries-review.xlsx"
$bk validate "$inq/resolutions.csv"
$bk inquiries resolve "$inq/resolutions.csv" --config samples/shopify/batchkit.toml --dry-run
$bk inquiries resolve "$inq/resolutions.csv" --config samples/shopify/batchkit.toml
$bk inquiries resolve "$inq/resolutions.csv" --config samples/shopify/batchkit.toml   # again: nothing is sent

echo
echo "== 12. status: what the journal holds, and what needs a person (nothing, here) =="
$bk status
$bk deliver "$out"/*.csv --to "$drop"   # the batch files again: skipped, sent once; the inquiry files are not among them

echo
echo "demo: done (clean batch valid; broken sample rejected with exit code 1; the sandbox's actions mirrored; preflight clean; delivered to the drop and through the API; the platform's rejections shown at their rows; inquiries pulled, decided and resolved once; nothing needs a person)"
