#!/usr/bin/env bash
# Set up a virtual environment, start the services the tests need, and run ruff, mypy and pytest.
# This is the README's second command and the only thing .ci/run runs.
set -euo pipefail
cd "$(dirname "$0")/.."

python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e '.[test]'

# A real PostgreSQL for the @pytest.mark.postgres tests (installed from Debian when missing).
if [ -x scripts/postgres.sh ]; then
    eval "$(scripts/postgres.sh start)"
fi

echo "== ruff"
.venv/bin/ruff check src tests benchmarks
echo "== mypy"
.venv/bin/mypy
echo "== pytest"
.venv/bin/python -m pytest "$@"
