#!/usr/bin/env bash
# The test command: install (idempotent), run every test tier, gate on the eval baseline, then run
# the quick benchmark (it fails only if the bench itself fails; its figures go to the log).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
bash scripts/ensure_chromium.sh
# pytest exits 5 when it collects no tests; set -e turns that (like any failure) into a failed run.
.venv/bin/python -m pytest -q "$@"
.venv/bin/rag --home "${EVAL_HOME:-.rag-eval}" eval --mode extractive --out "${EVAL_OUT:-eval/runs/ci}"
.venv/bin/rag --home "${EVAL_HOME:-.rag-eval}" eval --features --out "${EVAL_OUT:-eval/runs/ci}-features"
.venv/bin/rag bench --quick
