#!/usr/bin/env bash
# Install or upgrade Concertation on a server set up as in docs/deploy.md. Run as root in the checkout
# (/opt/concertation) after `git pull` or unpacking a release. It stops at the first failure, with
# the services still running the previous version until the restart at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
say() { printf '== %s\n' "$*"; }

say "dependencies"
[ -x .venv/bin/python ] || python3.11 -m venv .venv
.venv/bin/pip install --quiet --requirement requirements.txt

say "translations and static files"
.venv/bin/python scripts/i18n.py compile
deploy/manage collectstatic --no-input --verbosity 0

say "migrations and grants, as the owner of the tables"
app_role=$(sed -n 's/^DATABASE_URL=//p' /etc/concertation/concertation.env | tail -n 1 |
  .venv/bin/python -c 'import sys, urllib.parse; print(urllib.parse.urlsplit(sys.stdin.read().strip()).username or "")')
[ -n "$app_role" ] || { echo "upgrade: no user in DATABASE_URL of /etc/concertation/concertation.env" >&2; exit 1; }
deploy/manage --owner migrate --no-input
deploy/manage --owner grant_app_role "$app_role"

say "checks, as the app"
deploy/manage check --deploy --fail-level WARNING
deploy/manage check_journal_protection

say "restart"
systemctl daemon-reload
systemctl restart concertation.target
sleep 5
systemctl --no-pager --lines=0 status concertation-web concertation-worker concertation-beat
