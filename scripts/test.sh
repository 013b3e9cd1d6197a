#!/usr/bin/env bash
# `make test`: everything CI checks — lint, migrations, translations, the whole test suite against
# real PostgreSQL, Redis, a Celery worker and Chromium.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
PY=.venv/bin/python
export DJANGO_SETTINGS_MODULE=concertation.settings_test

echo "== lint"
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/djlint templates --check --quiet
.venv/bin/djlint templates --lint --quiet

trap 'scripts/services.sh down $$' EXIT  # stops only the servers no other command still uses
exports=$(scripts/services.sh up $$)  # a failure stops here, with its one-line message
eval "$exports"

echo "== migrations"
$PY manage.py makemigrations --check --dry-run

echo "== translations"
$PY scripts/i18n.py compile

echo "== tests"
.venv/bin/pytest -q -n "${TEST_WORKERS:-2}" --dist loadgroup "$@"
