"""The French and Dutch catalogues are complete: no untranslated or fuzzy entry, and every
translation keeps the placeholders of its English original.

These fail while an engineer's new strings wait for translation: `scripts/i18n.py missing` lists
them. Deselect with `-m "not translations"` during such work; CI runs them.
"""

import re

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
