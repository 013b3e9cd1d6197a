"""The French and Dutch catalogues are complete: no untranslated or fuzzy entry, and every
translation keeps the placeholders of its English original.

These fail while an engineer's new strings wait for translation: `scripts/i18n.py missing` lists
them. Deselect with `-m "not translations"` during such work; CI runs them.
"""

import importlib.util
import re
import subprocess

import polib
import pytest
from django.conf import settings

pytestmark = pytest.mark.translations

PLACEHOLDER = re.compile(r"%\([a-z_]+\)[sd]|\{[a-z_]+\}")


def catalogue(language: str) -> polib.POFile:
    return polib.pofile(str(settings.BASE_DIR / "locale" / language / "LC_MESSAGES" / "django.po"), wrapwidth=0)


def live_entries(language: str):
    return [entry for entry in catalogue(language) if not entry.obsolete]


def where(entry) -> str:
    files = sorted({path for path, _line in entry.occurrences})
    return f"{entry.msgid[:60]!r} ({', '.join(files[:2])})"


@pytest.mark.parametrize("language", ["fr", "nl"])
def test_every_entry_is_translated(language):
    missing = [
        where(entry)
        for entry in live_entries(language)
        if not (all(entry.msgstr_plural.values()) if entry.msgid_plural else entry.msgstr)
    ]

    assert not missing, f"{len(missing)} untranslated in {language}: scripts/i18n.py missing\n" + "\n".join(missing)


@pytest.mark.parametrize("language", ["fr", "nl"])
def test_no_entry_is_fuzzy(language):
    fuzzy = [where(entry) for entry in live_entries(language) if "fuzzy" in entry.flags]

    assert not fuzzy, f"{len(fuzzy)} fuzzy in {language}:\n" + "\n".join(fuzzy)


@pytest.mark.parametrize("language", ["fr", "nl"])
def test_translations_keep_the_placeholders(language):
    broken = []
    for entry in live_entries(language):
        if "fuzzy" in entry.flags:
            continue  # a guess by msgmerge, not used until someone confirms it (reported above)
        if entry.msgid_plural:
            expected = set(PLACEHOLDER.findall(entry.msgid_plural)) | set(PLACEHOLDER.findall(entry.msgid))
            for form in entry.msgstr_plural.values():
                if form and set(PLACEHOLDER.findall(form)) - expected:
                    broken.append(where(entry))
            # the plural form must still show the number it is about
            if entry.msgstr_plural.get(1) and not set(PLACEHOLDER.findall(entry.msgid_plural)) <= set(
                PLACEHOLDER.findall(entry.msgstr_plural[1])
            ):
                broken.append(where(entry))
        elif entry.msgstr and set(PLACEHOLDER.findall(entry.msgid)) != set(PLACEHOLDER.findall(entry.msgstr)):
            broken.append(where(entry))

    assert not broken, f"placeholders changed in {language}:\n" + "\n".join(broken)


def test_the_plural_rules_are_those_of_each_language():
    assert catalogue("fr").metadata["Plural-Forms"].replace(" ", "") == "nplurals=2;plural=(n>1);"
    assert catalogue("nl").metadata["Plural-Forms"].replace(" ", "") == "nplurals=2;plural=(n!=1);"


def test_every_english_entry_shows_its_own_msgid():
    """English is the language of the msgids: an English entry showing any other text shows another
    string's words (once "no consent to contact" read "consent to contact given")."""
    wrong = []
    for entry in live_entries("en"):
        shown = [entry.msgstr_plural.get(0), entry.msgstr_plural.get(1)] if entry.msgid_plural else [entry.msgstr]
        if shown != ([entry.msgid, entry.msgid_plural] if entry.msgid_plural else [entry.msgid]):
            wrong.append(f"{entry.msgid[:60]!r} shown as {shown[0][:60]!r}")

    assert not wrong, f"{len(wrong)} English entries show another text (run scripts/i18n.py sync):\n" + "\n".join(wrong)


@pytest.mark.parametrize("language", ["fr", "nl", "en"])
def test_every_catalogue_passes_msgfmt_check(language):
    """gettext's own checks: format strings, plural forms, header."""
    po = settings.BASE_DIR / "locale" / language / "LC_MESSAGES" / "django.po"
    result = subprocess.run(["msgfmt", "--check", "-o", "/dev/null", str(po)], capture_output=True, text=True)

    assert result.returncode == 0, result.stderr
    assert "warning" not in result.stderr, result.stderr


def _i18n_script():
    spec = importlib.util.spec_from_file_location("i18n_script", settings.BASE_DIR / "scripts" / "i18n.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_catalogues_hold_every_string_of_the_code():
    """A string added to the code without a sync would show in English on every French and Dutch page,
    and the completeness tests above could not see it."""
    problems = _i18n_script().check()

    assert not problems, "run scripts/i18n.py sync:\n" + "\n".join(problems)


def test_a_changed_string_is_untranslated_until_someone_translates_it(tmp_path):
    """msgmerge guesses the translation of a new string from a similar one and marks the guess fuzzy;
    the sync drops the guess instead of keeping it unreviewed, in every language."""
    i18n = _i18n_script()
    french = {entry.msgid: entry for entry in live_entries("fr")}
    known = next(
        entry.msgid
        for entry in live_entries("en")
        if len(entry.msgid) > 25 and not entry.msgid_plural and not entry.msgctxt and "%" not in entry.msgid
    )
    changed = known + " (changed)"
    tree = tmp_path / "tree"
    i18n.copy_tree(settings.BASE_DIR, tree)
    (tree / "accounts" / "probe.py").write_text(
        f"from django.utils.translation import gettext_lazy as _\n\nPROBE = _({changed!r})\n", encoding="utf-8"
    )

    i18n.sync(tree)

    for language in ("fr", "nl", "en"):
        entries = {entry.msgid: entry for entry in polib.pofile(str(i18n.catalogue(language, tree)), wrapwidth=0)}
        new = entries[changed]
        assert "fuzzy" not in new.flags and new.previous_msgid is None
        assert new.msgstr == (changed if language == "en" else ""), f"{language} kept a guess: {new.msgstr!r}"
    kept = {entry.msgid: entry.msgstr for entry in polib.pofile(str(i18n.catalogue("fr", tree)), wrapwidth=0)}
    assert kept[known] == french[known].msgstr  # the string that did not change keeps its translation
