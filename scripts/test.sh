#!/usr/bin/env bash
# Runs every test: Rust unit tests, black-box API tests on SQLite and PostgreSQL, and the
# Playwright suite in Debian's Chromium against real servers on both databases, with a
# real SMTP server (maildev). Starts and stops what it needs. Ends with one summary line.
#
#   TEST_POSTGRES_URL   maintenance database URL (default postgres://postgres@127.0.0.1:5432/postgres)
#   DOSSIER_REQUIRE_POSTGRES=1  fail instead of skipping when PostgreSQL is unreachable
#                               (set automatically when CI=true)
set -uo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"

if [ -n "${CI:-}" ]; then
  # Keep the build cache outside the fresh clone so later CI runs start warm.
  export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/dossier/target}"
  export DOSSIER_REQUIRE_POSTGRES=1
fi
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
export TEST_POSTGRES_URL="${TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
LOGS="$(mktemp -d)"
START=$(date +%s)

step() { printf '\n\033[1m==> %s\033[0m (%ss)\n' "$*" "$(( $(date +%s) - START ))"; }
die() { echo "test.sh: $*" >&2; echo "0 passed, 1 failed"; exit 1; }

step "tools"
scripts/ensure-tools.sh --browser || die "could not install the tools"

step "PostgreSQL"
if pg_isready -q -d "$TEST_POSTGRES_URL" 2>/dev/null || psql "$TEST_POSTGRES_URL" -qtAc 'select 1' >/dev/null 2>&1; then
  echo "PostgreSQL reachable at $TEST_POSTGRES_URL"
elif [ "${DOSSIER_REQUIRE_POSTGRES:-}" = 1 ]; then
  die "PostgreSQL is required but unreachable at $TEST_POSTGRES_URL"
else
  printf '\n\033[1;31m!!! PostgreSQL is unreachable at %s: SKIPPING every PostgreSQL test !!!\033[0m\n\n' "$TEST_POSTGRES_URL"
  export DOSSIER_E2E_SKIP_POSTGRES=1
fi

step "build: browser bundle"
scripts/build-site.sh || die "site build failed"
step "build: server and tests"
cargo test -p app -p server -p migrations --no-run 2>&1 | tail -n 3 || true
cargo build -p server --bin dossier || die "server build failed"

step "SMTP server (maildev)"
MAIL_DIR="$(mktemp -d)"
SMTP_PORT=$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")
WEB_PORT=$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")
node end2end/node_modules/maildev/dist/bin/maildev.js --smtp "$SMTP_PORT" --web "$WEB_PORT" --ip 127.0.0.1 \
  --mail-directory "$MAIL_DIR" >"$LOGS/maildev.log" 2>&1 &
MAILDEV_PID=$!
cleanup() { kill "$MAILDEV_PID" 2>/dev/null; wait "$MAILDEV_PID" 2>/dev/null; rm -rf "$MAIL_DIR"; }
trap cleanup EXIT
node -e "(async()=>{for(let i=0;i<100;i++){try{const r=await fetch('http://127.0.0.1:$WEB_PORT/api/email');if(r.ok)process.exit(0)}catch{}await new Promise(r=>setTimeout(r,200))}process.exit(1)})()" || die "maildev did not start"
export DOSSIER_TEST_SMTP_PORT="$SMTP_PORT" DOSSIER_TEST_MAILDEV_URL="http://127.0.0.1:$WEB_PORT"

step "Rust tests (unit + API on SQLite and PostgreSQL)"
# --no-fail-fast: every test binary runs even after a failure, so the count is honest.
cargo test -p app -p server -p migrations --no-fail-fast 2>&1 | tee "$LOGS/cargo.log"
CARGO_STATUS=${PIPESTATUS[0]}
RUST_PASSED=$(grep -E '^test result:' "$LOGS/cargo.log" | sed -E 's/.* ([0-9]+) passed.*/\1/' | awk '{s+=$1} END {print s+0}')
RUST_FAILED=$(grep -E '^test result:' "$LOGS/cargo.log" | sed -E 's/.* ([0-9]+) failed.*/\1/' | awk '{s+=$1} END {print s+0}')
[ "$CARGO_STATUS" -ne 0 ] && [ "${RUST_FAILED:-0}" -eq 0 ] && RUST_FAILED=1

step "Playwright (Chromium) on SQLite and PostgreSQL"
export DOSSIER_BIN="$CARGO_TARGET_DIR/debug/dossier" DOSSIER_SITE_ROOT="$CARGO_TARGET_DIR/site"
export DOSSIER_E2E_SMTP_PORT="$SMTP_PORT" DOSSIER_E2E_MAILDEV_URL="http://127.0.0.1:$WEB_PORT"
(cd end2end && npx playwright test) 2>&1 | tee "$LOGS/e2e.log"
E2E_STATUS=${PIPESTATUS[0]}
E2E_PASSED=$(grep -E '^\s+[0-9]+ passed' "$LOGS/e2e.log" | tail -n1 | grep -oE '[0-9]+' | head -n1)
E2E_FAILED=$(grep -E '^\s+[0-9]+ (failed|flaky)' "$LOGS/e2e.log" | grep -oE '^\s+[0-9]+' | awk '{s+=$1} END {print s+0}')
E2E_PASSED=${E2E_PASSED:-0}; E2E_FAILED=${E2E_FAILED:-0}
[ "$E2E_STATUS" -ne 0 ] && [ "$E2E_FAILED" -eq 0 ] && E2E_FAILED=1

PASSED=$(( RUST_PASSED + E2E_PASSED ))
FAILED=$(( RUST_FAILED + E2E_FAILED ))
echo
echo "Rust: $RUST_PASSED passed, $RUST_FAILED failed; Playwright: $E2E_PASSED passed, $E2E_FAILED failed; $(( $(date +%s) - START ))s"
echo "$PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
