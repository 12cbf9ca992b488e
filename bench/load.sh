#!/usr/bin/env bash
# Load (issue: reliability, item 4): share creation to delivered email (target 200
# shares/s, every email once) and the portal's p99 while staff sign-in is flooded with
# wrong passwords (target 50 ms), on SQLite and PostgreSQL, release build.
# Uses the SMTP server named by DOSSIER_TEST_SMTP_PORT (maildev; scripts/test.sh starts
# one) or the file sink. DOSSIER_BENCH_DB=sqlite|postgres|both, DOSSIER_BENCH_SHARES.
# Results are printed as Markdown and kept in bench/results/load.md.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
mkdir -p "$ROOT/bench/results"
cd "$ROOT"
{
  echo "# load, $(date -u +%Y-%m-%d), $(nproc) cores, $(uname -m)"
  cargo bench -p server --bench load
} | tee "$ROOT/bench/results/load.md"
