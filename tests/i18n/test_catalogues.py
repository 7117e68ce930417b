"""docs/languages.md#catalogues: every shipped catalogue is complete, current and compiled.

- every message of every catalogue is translated, none fuzzy, with the same placeholders as the
  English (a lost ``%(name)s`` would raise at run time, a changed one would show the wrong value);
- the catalogues hold every string the code marks, and nothing it no longer marks;
- the compiled ``.mo`` files Django reads say what the ``.po`` files say.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
LOCALE = ROOT / "locale"
SHIPPED = ("zh_Hans", "ar")
DOMAINS = ("django", "djangojs")
# Arabic has six plural forms (zero, one, two, few, many, other), Chinese one.
PLURAL_FORMS = {"zh_Hans": 1, "ar": 6}
PLACEHOLDER = re.compile(r"%(?:\([a-zA-Z_][a-zA-Z0-9_]*\))?[-#0 +]*\d*(?:\.\d+)?[sdifr%]")
HTML_TAG = re.compile(r"</?([a-zA-Z][a-zA-Z0-9]*)")


def _catalogue(language: str, domain: str) -> polib.POFile:
    path = LOCALE / language / "LC_MESSAGES" / f"{domain}.po"
    assert path.exists(), f"{path} is missing: run `make messages`"
    return polib.pofile(str(path))


CATALOGUES = [(language, domain) for language in SHIPPED for domain in DOMAINS]


@pytest.mark.parametrize(("language", "domain"), CATALOGUES)
def test_every_message_is_translated_and_none_is_fuzzy(language, domain):
    catalogue = _catalogue(language, domain)
    assert len(catalogue) > 0 or domain == "djangojs"
    untranslated = [entry.msgid for entry in catalogue.untranslated_entries()]
    fuzzy = [entry.msgid for entry in catalogue.fuzzy_entries()]
    assert not untranslated, (
        f"{language}/{domain}: {len(untranslated)} untranslated, e.g. {untranslated[:5]}"
    )
    assert not fuzzy, f"{language}/{domain}: {len(fuzzy)} fuzzy, e.g. {fuzzy[:5]}"
    assert catalogue.percent_translated() == 100


def _placeholders(text: str) -> list[str]:
    return sorted(p for p in PLACEHOLDER.findall(text) if p != "%%")


@pytest.mark.parametrize(("language", "domain"), CATALOGUES)
def test_translations_keep_placeholders_and_markup(language, domain):
    wrong = []
    for entry in _catalogue(language, domain).translated_entries():
        if entry.msgid_plural:
            translations = list(entry.msgstr_plural.values())
            assert len(translations) == PLURAL_FORMS[language], entry.msgid
            # A plural form may leave the count out ("one walk"), never add another name.
            allowed = set(_placeholders(entry.msgid)) | set(_placeholders(entry.msgid_plural))
            for text in translations:
                if not set(_placeholders(text)) <= allowed:
                    wrong.append((entry.msgid, text))
            continue
        if _placeholders(entry.msgstr) != _placeholders(entry.msgid):
            wrong.append((entry.msgid, entry.msgstr))
        if sorted(HTML_TAG.findall(entry.msgstr)) != sorted(HTML_TAG.findall(entry.msgid)):
            wrong.append((entry.msgid, entry.msgstr))
    assert not wrong, f"{language}/{domain}: {wrong[:5]}"


@pytest.mark.parametrize(("language", "domain"), CATALOGUES)
def test_compiled_catalogues_match_their_sources(language, domain):
    source = _catalogue(language, domain)
    compiled_path = LOCALE / language / "LC_MESSAGES" / f"{domain}.mo"
    assert compiled_path.exists(), f"{compiled_path} is missing: run `make messages`"
    compiled = {
        (entry.msgctxt, entry.msgid): (entry.msgstr, entry.msgstr_plural)
        for entry in polib.mofile(str(compiled_path))
        if entry.msgid
    }
    expected = {
        (entry.msgctxt, entry.msgid): (entry.msgstr, entry.msgstr_plural)
        for entry in source.translated_entries()
    }
    assert compiled == expected, "the .mo files are stale: run `make messages`"


@pytest.mark.skipif(
    not shutil.which("xgettext"), reason="needs GNU gettext (xgettext); .ci/run installs it"
)
def test_catalogues_hold_every_marked_string_and_no_other(tmp_path):
    """Extract the code's strings afresh (as `make messages` does) and compare the msgids."""
    subprocess.run(  # noqa: S603 - our own tool, with a fixed argument list
        [sys.executable, "tools/i18n.py", "extract-to", str(tmp_path)],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    for domain in DOMAINS:
        fresh_path = tmp_path / "tree" / "locale" / "ar" / "LC_MESSAGES" / f"{domain}.po"
        fresh = (
            {(e.msgctxt, e.msgid) for e in polib.pofile(str(fresh_path))}
            if fresh_path.exists()
            else set()
        )
        for language in SHIPPED:
            shipped = {(e.msgctxt, e.msgid) for e in _catalogue(language, domain)}
            missing = fresh - shipped
            stale = shipped - fresh
            assert not missing, f"{language}/{domain} lacks {len(missing)}: {sorted(missing)[:5]}"
            assert not stale, (
                f"{language}/{domain} has {len(stale)} no longer used: {sorted(stale)[:5]}"
            )
