#!/usr/bin/env bash
# `make bench [ARGS="--scale 1 --write"]`: fill a separate database and measure the registered pages.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
trap 'scripts/services.sh down $$' EXIT  # stops only the servers no other command still uses
exports=$(scripts/services.sh up $$)  # a failure stops here, with its one-line message
eval "$exports"
# Production-like settings: DEBUG off, cached templates; plain HTTP because the test client is.
export DATABASE_URL="${BENCH_DATABASE_URL:?set BENCH_DATABASE_URL to a database whose name ends in _bench}"
export DEBUG=false HTTPS=false DEMO_MODE=false
export SECRET_KEY="bench-only-$(printf 'x%.0s' $(seq 1 60))"
export ALLOWED_HOSTS=testserver SITE_URL=http://testserver
.venv/bin/python scripts/i18n.py compile  # the pages in the bench users' language (French), as in use
.venv/bin/python manage.py collectstatic --no-input -v 0
.venv/bin/python -m bench "$@"
