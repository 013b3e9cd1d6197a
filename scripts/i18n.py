#!/usr/bin/env python
"""Translations: one catalogue per language in locale/, kept complete and never guessed.

    .venv/bin/python scripts/i18n.py sync                 extract the strings of the code into the catalogues
    .venv/bin/python scripts/i18n.py missing [PATH…]      untranslated French and Dutch entries (only those used under PATH)
    .venv/bin/python scripts/i18n.py set FILE.json        sync, then apply translations from FILE, then compile
    .venv/bin/python scripts/i18n.py compile              .po → .mo (writes nothing else)
    .venv/bin/python scripts/i18n.py check                fails when `sync` would change a catalogue

FILE.json maps an English msgid to its translations; a plural entry gives a list per language,
and an entry with a context is keyed "context\\x04msgid":

    {"Callout": {"fr": "Intervention", "nl": "Tussenkomst"},
     "%(n)s person": {"fr": ["%(n)s personne", "%(n)s personnes"], "nl": [...]}}

Rules the sync keeps, so that no screen ever shows another string's text:
- English is the language of the msgids: every English entry is its msgid (plural: msgid, msgid_plural),
  whatever the catalogue held before; "en" values in FILE.json are ignored.
- When a string of the code is new or changed, msgmerge guesses a translation from a similar string
  and marks it fuzzy. The guess is dropped: the entry is untranslated, `missing` lists it and the
  completeness tests fail until someone translates it with `set`.
- A run that changes nothing leaves the files as they are (dates included): `make run`, `make test` and
  `make bench` only compile, and a sync of an up-to-date tree leaves `git status` clean.

Every step runs under a file lock, so several people working in the same tree never overwrite each
other's catalogue changes. Strings are extracted from the application only (not from tests).
"""

import difflib
import fcntl
import json
import os
import shutil
import subprocess
import sys
import tempfile
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent
LANGUAGES = ["fr", "nl", "en"]
TRANSLATED = ["fr", "nl"]
NAMES = {"fr": "French", "nl": "Dutch", "en": "English"}
# Not application code: their strings are not shown to users.
IGNORED = [".venv/*", "var/*", "node_modules/*", "*/tests/*", "tests/*", "conftest.py", "bench/*", "deploy/*"]
DATES = ("POT-Creation-Date", "PO-Revision-Date")


def catalogue(language: str, root: Path = ROOT) -> Path:
    return root / "locale" / language / "LC_MESSAGES" / "django.po"


@contextmanager
def locked(root: Path = ROOT):
    lock = root / "var" / "locale.lock"
    lock.parent.mkdir(parents=True, exist_ok=True)
    with open(lock, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _manage(root: Path, *args: str) -> None:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "concertation.settings"}
    # Extraction reads no database or broker; settings only need well-formed values.
    env.setdefault("DATABASE_URL", "postgres://localhost/unused")
    env.setdefault("REDIS_URL", "redis://localhost:6379/0")
    env.setdefault("DEBUG", "true")
    subprocess.run([sys.executable, "manage.py", *args], cwd=root, env=env, check=True)


def _header(po: polib.POFile, language: str) -> None:
    po.header = f"{NAMES[language]} catalogue of Concertation, kept by scripts/i18n.py (see its docstring)."
    po.metadata_is_fuzzy = []
    po.metadata.update(
        {
            "Project-Id-Version": "Concertation",
            "Report-Msgid-Bugs-To": "",
            "Last-Translator": "Concertation",
            "Language-Team": NAMES[language],
            "Language": language,
        }
    )


def _settle(entry: polib.POEntry, language: str) -> None:
    """English entries are their msgid; a fuzzy French or Dutch entry is a guess, and is dropped."""
    if language == "en":
        if entry.msgid_plural:
            entry.msgstr_plural = {0: entry.msgid, 1: entry.msgid_plural}
        else:
            entry.msgstr = entry.msgid
    elif "fuzzy" in entry.flags:
        if entry.msgid_plural:
            entry.msgstr_plural = {index: "" for index in entry.msgstr_plural} or {0: "", 1: ""}
        else:
            entry.msgstr = ""
    if "fuzzy" in entry.flags:
        entry.flags.remove("fuzzy")
    entry.previous_msgctxt = entry.previous_msgid = entry.previous_msgid_plural = None


def sync(root: Path = ROOT) -> list[str]:
    """Extract the strings of the code under root into its catalogues; returns the languages changed."""
    before, times = {}, {}
    for language in LANGUAGES:
        path = catalogue(language, root)
        path.parent.mkdir(parents=True, exist_ok=True)
        before[language] = path.read_text(encoding="utf-8") if path.exists() else None
        times[language] = (path.stat().st_atime_ns, path.stat().st_mtime_ns) if path.exists() else None
    _manage(
        root,
        "makemessages",
        *[f"--locale={language}" for language in LANGUAGES],
        *[f"--ignore={pattern}" for pattern in IGNORED],
        "--no-location",
        "--add-location=file",
        "--no-obsolete",
        "--no-wrap",
        "--verbosity=0",
    )
    changed = []
    for language in LANGUAGES:
        path = catalogue(language, root)
        po = polib.pofile(str(path), wrapwidth=0)
        for entry in po:
            _settle(entry, language)
        _header(po, language)
        if before[language] is not None:
            # Keep the dates of the previous file: if nothing else changed, the file stays as it was.
            previous = polib.pofile(before[language], wrapwidth=0)
            for name in DATES:
                if name in previous.metadata:
                    po.metadata[name] = previous.metadata[name]
            if str(po) == before[language]:
                path.write_text(before[language], encoding="utf-8")
                os.utime(path, ns=times[language])  # unchanged, so the .mo need not be rebuilt
                continue
        now = datetime.now().astimezone().strftime("%Y-%m-%d %H:%M%z")
        po.metadata["POT-Creation-Date"] = po.metadata["PO-Revision-Date"] = now
        po.save()
        changed.append(language)
    return changed


def compile_catalogues(root: Path = ROOT) -> None:
    """Writes only the .mo files (ignored by git): running the app never changes a tracked file."""
    for language in LANGUAGES:
        po = polib.pofile(str(catalogue(language, root)), wrapwidth=0)
        target = catalogue(language, root).with_suffix(".mo")
        temporary = target.with_suffix(f".mo.{os.getpid()}")
        po.save_as_mofile(str(temporary))
        os.replace(temporary, target)  # atomic: a running server never reads half a file


def copy_tree(root: Path, target: Path) -> None:
    """The files of the checkout that git sees (tracked, or new and not ignored), copied to target."""
    files = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=root,
        capture_output=True,
        check=True,
    ).stdout.split(b"\0")
    for name in filter(None, files):
        source = root / os.fsdecode(name)
        if source.is_file():
            (target / os.fsdecode(name)).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / os.fsdecode(name))


def check(root: Path = ROOT) -> list[str]:
    """The differences `sync` would make, computed in a copy of the tree (the catalogues are not touched)."""
    problems = []
    with tempfile.TemporaryDirectory(prefix="i18n-check-") as copy:
        copy_tree(root, Path(copy))
        for language in sync(Path(copy)):
            old = catalogue(language, root).read_text(encoding="utf-8").splitlines()
            new = catalogue(language, Path(copy)).read_text(encoding="utf-8").splitlines()
            diff = [
                line
                for line in difflib.unified_diff(old, new, lineterm="", n=0)
                if line[:1] in "+-" and not line.startswith(("+++", "---", '+"POT-', '-"POT-', '+"PO-R', '-"PO-R'))
            ]
            problems.append(f"{catalogue(language).relative_to(ROOT)}:\n" + "\n".join(diff[:40]))
    return problems


def missing(paths: list[str]) -> list[tuple[str, polib.POEntry]]:
    result = []
    for language in TRANSLATED:
        for entry in polib.pofile(str(catalogue(language)), wrapwidth=0):
            if entry.obsolete:
                continue
            untranslated = not (all(entry.msgstr_plural.values()) if entry.msgid_plural else entry.msgstr)
            if not (untranslated or "fuzzy" in entry.flags):
                continue
            if paths and not any(any(file.startswith(path) for path in paths) for file, _line in entry.occurrences):
                continue
            result.append((language, entry))
    return result


def apply(path: str) -> int:
    translations = json.loads(Path(path).read_text(encoding="utf-8"))
    changed = 0
    for language in TRANSLATED:
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
    if not argv or argv[0] not in {"sync", "missing", "set", "compile", "check"}:
        print(__doc__)
        return 2
    command, rest = argv[0], argv[1:]
    if command == "check":
        problems = check()
        for problem in problems:
            print(problem, file=sys.stderr)
        if problems:
            print("The catalogues differ from the strings of the code: run scripts/i18n.py sync.", file=sys.stderr)
        return 1 if problems else 0
    with locked():
        if command == "sync":
            sync()
        elif command == "compile":
            compile_catalogues()
        elif command == "set":
            sync()
            changed = apply(rest[0])
            compile_catalogues()
            print(f"{changed} entries translated.")
        elif command == "missing":
            sync()
            rows = missing(rest)
            for language, entry in rows:
                where = entry.occurrences[0][0] if entry.occurrences else ""
                plural = f" | {entry.msgid_plural}" if entry.msgid_plural else ""
                context = f"[{entry.msgctxt}] " if entry.msgctxt else ""
                print(f"{language}\t{where}\t{context}{entry.msgid}{plural}")
            print(f"{len(rows)} missing.", file=sys.stderr)
            return 1 if rows else 0
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
