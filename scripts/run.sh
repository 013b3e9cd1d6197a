#!/usr/bin/env bash
# `make run`: set everything up on first use, then serve web + Celery worker + beat with demo data.
# Ctrl-C stops every process this started, and the private PostgreSQL and Redis unless another
# command (a `make test` started meanwhile) still uses them.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
PY=.venv/bin/python
PORT=${PORT:-8000}
export PORT

port_taken() { "$PY" -c "import socket,sys; s=socket.socket(); sys.exit(0 if s.connect_ex(('127.0.0.1', $1))==0 else 1)"; }
if port_taken "$PORT"; then
  echo "run: port $PORT is taken by another program. Stop it, or use another port: PORT=8001 make run" >&2
  exit 1
fi

# A local configuration for development, made once and kept out of git.
if [ ! -f .env ]; then
  secret=$("$PY" -c 'import secrets; print(secrets.token_urlsafe(50))')
  cat > .env <<ENVEOF
# Made by \`make run\` for local development; not used in production. See .env.example.
SECRET_KEY=$secret
DEBUG=true
DEMO_MODE=true
SITE_URL=http://127.0.0.1:$PORT
ENVEOF
  echo "Wrote .env (local secret key, debug and demo mode on)."
fi

# The private servers are stopped on exit unless another command (a `make test`…) still uses them.
trap 'scripts/services.sh down $$' EXIT
exports=$(scripts/services.sh up $$)  # a failure stops here, with its one-line message
eval "$exports"

$PY manage.py migrate --no-input -v 0
$PY scripts/i18n.py compile
$PY manage.py collectstatic --no-input -v 0
$PY manage.py load_demo > var/demo-accounts.txt
cat var/demo-accounts.txt
banner() {
  sleep 6
  echo
  echo "================================================================================================"
  echo "Concertation runs on http://127.0.0.1:$PORT — Ctrl-C stops everything (web, worker, beat, databases)."
  sed -n '/^Demo accounts/,$p' var/demo-accounts.txt
  echo "================================================================================================"
  echo
}
banner &
.venv/bin/honcho -f Procfile.dev start
