#!/usr/bin/env bash
# Lists and search at scale (issue: clinical records, item 9). Seeds one practice with
# 100,000 clients, 100,000 contacts and 1,000,000 documents on SQLite and on PostgreSQL,
# then times the list and search server functions over HTTP (p50/p95/max over 50 runs).
# Sizes: DOSSIER_BENCH_CLIENTS, DOSSIER_BENCH_CONTACTS, DOSSIER_BENCH_DOCUMENTS;
# DOSSIER_BENCH_DB=sqlite|postgres|both; PostgreSQL from TEST_POSTGRES_URL.
# Results are printed as Markdown and kept in bench/results/records-scale.md.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
mkdir -p "$ROOT/bench/results"
cd "$ROOT"
{
  echo "# records-scale, $(date -u +%Y-%m-%d), $(nproc) cores, $(uname -m)"
  cargo bench -p server --bench scale
} | tee "$ROOT/bench/results/records-scale.md"
