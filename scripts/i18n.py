#!/usr/bin/env python
"""Translations: one catalogue per language in locale/, kept complete.

    .venv/bin/python scripts/i18n.py sync                 extract new strings from the code (keeps translations)
    .venv/bin/python scripts/i18n.py missing [PATH…]      untranslated or fuzzy entries (only those used under PATH)
    .venv/bin/python scripts/i18n.py set FILE.json        sync, then apply translations from FILE, then compile
    .venv/bin/python scripts/i18n.py compile              .po → .mo

FILE.json maps an English msgid to its translations; a plural entry gives a list per language,
and an entry with a context is keyed "context\\x04msgid":

    {"Callout": {"fr": "Intervention", "nl": "Tussenkomst", "en": "Callout"},
     "%(n)s person": {"fr": ["%(n)s personne", "%(n)s personnes"], "nl": [...], "en": [...]}}

Every step runs under a file lock, so several people (or agents) working in the same tree never
overwrite each other's catalogue changes. English entries default to the msgid.
"""

import fcntl
import json
import os
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent
LANGUAGES = ["fr", "nl", "en"]
LOCK = ROOT / "var" / "locale.lock"


def catalogue(language: str) -> Path:
    return ROOT / "locale" / language / "LC_MESSAGES" / "django.po"


@contextmanager
def locked():
    LOCK.parent.mkdir(parents=True, exist_ok=True)
    with open(LOCK, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _manage(*args: str) -> None:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "concertation.settings"}
    env.setdefault("DATABASE_URL", "postgres://localhost/unused")
    env.setdefault("REDIS_URL", "redis://localhost:6379/0")
    env.setdefault("DEBUG", "true")
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True)


def _sync() -> None:
    for language in LANGUAGES:
        catalogue(language).parent.mkdir(parents=True, exist_ok=True)
    _manage(
        "makemessages",
        *[f"--locale={language}" for language in LANGUAGES],
        "--ignore=.venv/*",
        "--ignore=var/*",
        "--ignore=node_modules/*",
        "--no-location",
        "--add-location=file",
        "--no-obsolete",
        "--verbosity=0",
    )
    # English is the language of the msgids: fill what is empty with the msgid itself.
    english = polib.pofile(str(catalogue("en")), wrapwidth=0)
    for entry in english:
        if entry.msgid_plural:
            if not any(entry.msgstr_plural.values()):
                entry.msgstr_plural = {0: entry.msgid, 1: entry.msgid_plural}
        elif not entry.msgstr:
            entry.msgstr = entry.msgid
        if "fuzzy" in entry.flags:
            entry.flags.remove("fuzzy")
    english.save()


def _compile() -> None:
    for language in LANGUAGES:
        po = polib.pofile(str(catalogue(language)), wrapwidth=0)
        po.save_as_mofile(str(catalogue(language).with_suffix(".mo")))


def missing(paths: list[str]) -> list[tuple[str, polib.POEntry]]:
    result = []
    for language in ("fr", "nl"):
        for entry in polib.pofile(str(catalogue(language)), wrapwidth=0):
            if entry.obsolete:
                continue
            untranslated = not (any(entry.msgstr_plural.values()) if entry.msgid_plural else entry.msgstr)
            if not (untranslated or "fuzzy" in entry.flags):
                continue
            if paths and not any(any(file.startswith(path) for path in paths) for file, _line in entry.occurrences):
                continue
            result.append((language, entry))
    return result


def apply(path: str) -> int:
    translations = json.loads(Path(path).read_text(encoding="utf-8"))
    changed = 0
    for language in LANGUAGES:
        po = polib.pofile(str(catalogue(language)), wrapwidth=0)
        for entry in po:
            key = f"{entry.msgctxt}\x04{entry.msgid}" if entry.msgctxt else entry.msgid
            given = translations.get(key, {}).get(language)
            if given is None:
                continue
            if entry.msgid_plural:
                forms = given if isinstance(given, list) else [given, given]
                entry.msgstr_plural = dict(enumerate(forms))
            else:
                entry.msgstr = given
            if "fuzzy" in entry.flags:
                entry.flags.remove("fuzzy")
            changed += 1
        po.save()
    return changed


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in {"sync", "missing", "set", "compile"}:
        print(__doc__)
        return 2
    command, rest = argv[0], argv[1:]
    with locked():
        if command == "sync":
            _sync()
        elif command == "compile":
            _compile()
        elif command == "set":
            _sync()
            changed = apply(rest[0])
            _compile()
            print(f"{changed} entries translated.")
        elif command == "missing":
            _sync()
            rows = missing(rest)
            for language, entry in rows:
                where = entry.occurrences[0][0] if entry.occurrences else ""
                plural = f" | {entry.msgid_plural}" if entry.msgid_plural else ""
                print(f"{language}\t{where}\t{entry.msgid}{plural}")
            print(f"{len(rows)} missing.", file=sys.stderr)
            return 1 if rows else 0
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
