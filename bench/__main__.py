"""``python -m bench [--scale N] [--write] …``: the benchmark (``make bench`` runs it with
production-like settings). A development tool: not an installed app, never imported by the app."""

import os
import sys

import django


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "concertation.settings")
    django.setup()
    from bench.harness import Command

    Command().run_from_argv([sys.argv[0], "bench", *sys.argv[1:]])


if __name__ == "__main__":
    main()
