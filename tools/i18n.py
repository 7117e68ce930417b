"""Build the translation catalogues (docs/languages.md).

    python tools/i18n.py extract          # locale/<lang>/LC_MESSAGES/django.po from the code
    python tools/i18n.py extract-to DIR   # the same into DIR (the catalogue test compares)
    python tools/i18n.py check FILE...     # which strings the given files still lack
    python tools/i18n.py fill JSON...      # write translations from JSON files into the .po
    python tools/i18n.py compile           # the .mo files Django reads

Translations are written as JSON while they are being made, one file per person, so that
several people can translate at once without editing the same .po file:

    [{"msgid": "Log a walk", "zh_Hans": "记录步行", "ar": "سجّل مشيك"},
     {"msgid": "%(count)s walk", "msgid_plural": "%(count)s walks",
      "zh_Hans": ["%(count)s 次步行"], "ar": ["...", "...", "...", "...", "...", "..."]},
     {"msgctxt": "button", "msgid": "Save", "zh_Hans": "保存", "ar": "حفظ"}]

Arabic has six plural forms (zero, one, two, few, many, other), Chinese one.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent
LOCALES = ("zh_Hans", "ar")
IGNORE = [".venv", "node_modules", "tests", "tmp", "x", ".demo", ".staticfiles", "tools", "build"]
DOMAINS = {"django": "html,txt,py", "djangojs": "js"}


def _manage(*args: str, cwd: Path, locale_dir: Path) -> None:
    env = dict(os.environ, WALKBACK_LOCALE_DIR=str(locale_dir))
    # Our own manage.py with arguments built here: nothing untrusted reaches the command.
    manage = str(ROOT / "manage.py")
    subprocess.run([sys.executable, manage, *args], cwd=cwd, env=env, check=True)  # noqa: S603


# What is scanned for strings: the project's own code and templates.
SOURCES = ("walkback", "coaching", "patients", "templates", "static")


def extract(out: Path | None = None) -> Path:
    """Write the catalogues into locale/ (merging what is translated), or into OUT/locale.

    makemessages writes next to the nearest ``locale`` folder it finds, and the project's own
    one is always near; so a check extracts from a tree of links to the sources in OUT, where
    the only ``locale`` folder is OUT's.
    """
    if out is None:
        cwd, locale_dir, extra = ROOT, ROOT / "locale", ["--no-location"]
    else:
        cwd = out / "tree"
        cwd.mkdir(parents=True, exist_ok=True)
        for name in SOURCES:
            (cwd / name).symlink_to(ROOT / name)
        locale_dir = cwd / "locale"
        locale_dir.mkdir()
        extra = ["--add-location=file", "--symlinks"]
    for domain, extensions in DOMAINS.items():
        args = ["makemessages", "--no-obsolete", *extra, "-d", domain, "-e", extensions]
        for language in LOCALES:
            args += ["-l", language]
        for pattern in IGNORE:
            args += ["--ignore", pattern]
        if domain == "djangojs":
            args += ["--ignore", "templates/*"]
        _manage(*args, cwd=cwd, locale_dir=locale_dir)
    return locale_dir


def _key(entry) -> tuple[str, str]:
    return (entry.msgctxt or "", entry.msgid)


def _load_json(paths: list[str]) -> dict[tuple[str, str], dict]:
    found: dict[tuple[str, str], dict] = {}
    for path in paths:
        for item in json.loads(Path(path).read_text(encoding="utf-8")):
            found[(item.get("msgctxt", ""), item["msgid"])] = item
    return found


def _describe(catalogue: polib.POFile, language: str) -> None:
    """The header makemessages leaves as a template (and fuzzy), filled in."""
    catalogue.metadata_is_fuzzy = False
    catalogue.metadata["Project-Id-Version"] = "WalkBack"
    catalogue.metadata["Language"] = language
    catalogue.metadata["Language-Team"] = f"WalkBack {language} <docs/languages.md>"
    catalogue.metadata["Last-Translator"] = "WalkBack <docs/languages.md>"
    catalogue.metadata["PO-Revision-Date"] = catalogue.metadata.get("POT-Creation-Date", "")
    catalogue.header = "WalkBack's catalogue (docs/languages.md). Refresh with `make messages`."


def fill(paths: list[str]) -> int:
    translations = _load_json(paths)
    missing = 0
    for language in LOCALES:
        for domain in DOMAINS:
            po_path = ROOT / "locale" / language / "LC_MESSAGES" / f"{domain}.po"
            if not po_path.exists():
                continue
            catalogue = polib.pofile(str(po_path))
            _describe(catalogue, language)
            for entry in catalogue:
                item = translations.get(_key(entry))
                if item is None or language not in item:
                    if not entry.translated():
                        missing += 1
                        print(f"{language}: no translation for {entry.msgid!r}")
                    continue
                text = item[language]
                if entry.msgid_plural:
                    forms = text if isinstance(text, list) else [text]
                    entry.msgstr_plural = dict(enumerate(forms))
                else:
                    entry.msgstr = text if isinstance(text, str) else text[0]
                if "fuzzy" in entry.flags:
                    entry.flags.remove("fuzzy")
            catalogue.save()
    return missing


def check(files: list[str]) -> int:
    """Strings in FILES (as the extractor sees them) with no translation in locale/work/."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        locale_dir = extract(Path(tmp))
        work = sorted(str(p) for p in (ROOT / "locale" / "work").glob("*.json"))
        translations = _load_json(work)
        wanted = {str((ROOT / f).resolve()) for f in files}
        missing = 0
        for domain in DOMAINS:
            po_path = locale_dir / "zh_Hans" / "LC_MESSAGES" / f"{domain}.po"
            if not po_path.exists():
                continue
            for entry in polib.pofile(str(po_path)):
                sources = {str((ROOT / src).resolve()) for src, _line in entry.occurrences}
                if wanted and not (sources & wanted):
                    continue
                item = translations.get(_key(entry))
                if item is None or any(language not in item for language in LOCALES):
                    missing += 1
                    print(f"missing: {entry.msgid!r}")
        return missing


def compile_catalogues() -> None:
    for po_path in sorted((ROOT / "locale").glob("*/LC_MESSAGES/*.po")):
        polib.pofile(str(po_path)).save_as_mofile(str(po_path.with_suffix(".mo")))


def main(argv: list[str]) -> int:
    command, rest = argv[0], argv[1:]
    if command == "extract":
        extract()
    elif command == "extract-to":
        print(extract(Path(rest[0])))
    elif command == "fill":
        return 1 if fill(rest) else 0
    elif command == "check":
        return 1 if check(rest) else 0
    elif command == "compile":
        compile_catalogues()
    else:
        print(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
