"""gunicorn settings for Concertation (docs/deploy.md): `gunicorn -c deploy/gunicorn.conf.py concertation.wsgi`.

Values come from the environment like the app's own settings, with defaults sized for one zone (a few
requests a second at peak). Each worker process keeps its own database pool of DB_POOL_SIZE
connections, so the web server holds at most GUNICORN_WORKERS x DB_POOL_SIZE of them.
"""

import os


def _integer(name: str, default: int, minimum: int, maximum: int) -> int:
    raw = os.environ.get(name, "").strip() or str(default)
    try:
        value = int(raw)
    except ValueError:
        raise SystemExit(f"{name}: must be a whole number, not {raw!r}.") from None
    if not minimum <= value <= maximum:
        raise SystemExit(f"{name}: must be between {minimum} and {maximum}, not {value}.")
    return value


# Behind the TLS proxy on the same host (or the proxy container): never exposed directly.
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = _integer("GUNICORN_WORKERS", 3, 1, 32)
# Threads let a worker serve several requests while one waits on the database or the SMS gateway;
# a thread holds one pooled connection per request, so DB_POOL_SIZE should be at least this.
worker_class = "gthread"
threads = _integer("GUNICORN_THREADS", 4, 1, 64)
if _integer("DB_POOL_SIZE", 4, 1, 100) < threads:
    raise SystemExit("DB_POOL_SIZE must be at least GUNICORN_THREADS: a thread would wait for a connection.")

# A request running longer than this is killed and answered 502 by the proxy (PDFs take ~1 s).
timeout = 60
graceful_timeout = 30
keepalive = 5
# Workers are replaced now and then, so a slow leak never grows for months.
max_requests = 2000
max_requests_jitter = 200
# The app is imported in each worker, after the fork: no database pool or Redis socket is shared.
preload_app = False
# Trust X-Forwarded-Proto from the proxy only (it runs on this host or in the compose network).
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

# Errors and start/stop messages to stderr (the journal, or the container log). No access log here:
# request lines carry search terms and the secret tokens of referral, calendar and password links;
# the proxy logs requests without them (deploy/nginx/concertation.conf).
accesslog = None
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
proc_name = "concertation"
