"""Reading settings from the environment, failing at start with one line that names the variable.

A mistyped value in production must stop the process before it serves anything, with a message an
operator understands without reading a traceback.
"""

import os
import sys
from urllib.parse import urlparse

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def fail(name: str, problem: str) -> None:
    # SystemExit with a string prints it to stderr and exits 1, whatever the entry point
    # (manage.py, gunicorn, celery, pytest): one line, no traceback.
    raise SystemExit(f"Configuration error: {name} {problem}")


def raw(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return default if value is None else value.strip()


def string(name: str, default: str | None = None, *, required: bool = False) -> str:
    value = raw(name, default)
    if required and not value:
        fail(name, "is required and not set (see .env.example).")
    return value or ""


def boolean(name: str, default: bool) -> bool:
    value = raw(name)
    if value is None:
        return default
    if value.lower() in _TRUE:
        return True
    if value.lower() in _FALSE:
        return False
    fail(name, f"must be true or false, not {value!r}.")
    return default  # unreachable


def integer(name: str, default: int, *, minimum: int | None = None, maximum: int | None = None) -> int:
    value = raw(name)
    if value is None or value == "":
        return default
    try:
        number = int(value)
    except ValueError:
        fail(name, f"must be a whole number, not {value!r}.")
    if minimum is not None and number < minimum:
        fail(name, f"must be at least {minimum}, not {number}.")
    if maximum is not None and number > maximum:
        fail(name, f"must be at most {maximum}, not {number}.")
    return number


def listing(name: str, default: list[str]) -> list[str]:
    value = raw(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def choice(name: str, default: str, choices: list[str]) -> str:
    value = raw(name, default) or default
    if value not in choices:
        fail(name, f"must be one of {', '.join(choices)}, not {value!r}.")
    return value


def url(name: str, default: str | None, schemes: set[str]) -> str:
    value = raw(name, default)
    if not value:
        fail(name, "is required and not set (see .env.example).")
    parts = urlparse(value)
    if parts.scheme not in schemes:
        shown = parts._replace(netloc=f"{parts.username}:***@{parts.hostname}") if parts.password else parts
        allowed = " or ".join(sorted(s + "://" for s in schemes))
        fail(name, f"must be a URL starting with {allowed}, not {shown.geturl()!r}.")
    return value


def read_env_file(path: str) -> None:
    """Load KEY=value lines from a local file into os.environ without overriding the real environment."""
    if not os.path.exists(path):
        return
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            if "=" not in line:
                print(f"Configuration error: {path}:{number} is not KEY=value", file=sys.stderr)
                raise SystemExit(1)
            key, value = line.split("=", 1)
            os.environ.setdefault(key.strip(), value.strip().strip("'\""))
