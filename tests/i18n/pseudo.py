"""A pseudo-locale (docs/languages.md#the-pseudo-locale-test): every marked string turned into
look-alike accented letters, so English that was never marked stands out on a rendered page.

"Log a walk" becomes "Łóĝ á ŵáłķ"; placeholders, HTML tags and entities stay as they are.
The catalogue is compiled for the site's default language into a folder of its own, which the
test puts first in ``LOCALE_PATHS``: the product then speaks pseudo wherever it would speak
English, with no change to its code.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import polib

ASCII = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
LOOK_ALIKE = "áƀçđéƒĝĥíĵķłɱñóþʠŕšťúṽŵẋýžÁƁÇĐÉƑĜĤÍĴĶŁṀÑÓÞǪŔŠŤÚṼŴẊÝŽ"
ACCENTS = str.maketrans(ASCII, LOOK_ALIKE)
# Left as they are: placeholders, HTML tags and entities.
KEEP = re.compile(r"%\([^)]+\)[-#0 +]*\d*(?:\.\d+)?[sdifr]|%[sdifr%]|<[^>]*>|&#?\w+;")


def pseudo(text: str) -> str:
    out, last = [], 0
    for match in KEEP.finditer(text):
        out.append(text[last : match.start()].translate(ACCENTS))
        out.append(match.group(0))
        last = match.end()
    out.append(text[last:].translate(ACCENTS))
    return "".join(out)


def build_pseudo_catalogues(source: Path, target: Path, language: str = "en_GB") -> None:
    """The shipped catalogues' msgids (read from ``source``/zh_Hans), in pseudo, compiled."""
    out_dir = target / language / "LC_MESSAGES"
    out_dir.mkdir(parents=True, exist_ok=True)
    for po_path in sorted((source / "zh_Hans" / "LC_MESSAGES").glob("*.po")):
        catalogue = polib.pofile(str(po_path))
        pseudo_catalogue = polib.POFile()
        pseudo_catalogue.metadata = {
            "Content-Type": "text/plain; charset=UTF-8",
            "Plural-Forms": "nplurals=2; plural=(n != 1);",
        }
        for entry in catalogue:
            if entry.obsolete:
                continue
            new = polib.POEntry(msgctxt=entry.msgctxt, msgid=entry.msgid)
            if entry.msgid_plural:
                new.msgid_plural = entry.msgid_plural
                new.msgstr_plural = {0: pseudo(entry.msgid), 1: pseudo(entry.msgid_plural)}
            else:
                new.msgstr = pseudo(entry.msgid)
            pseudo_catalogue.append(new)
        pseudo_catalogue.save_as_mofile(str(out_dir / po_path.with_suffix(".mo").name))


# What a person reads besides text between tags.
READ_ATTRIBUTES = {"title", "alt", "placeholder", "aria-label", "aria-description", "label"}
BUTTON_TYPES = {"submit", "button", "reset"}


class ReadableText(HTMLParser):
    """The text of a page a person reads or hears: text nodes outside scripts and styles, and
    the attributes that are read out (labels, titles, placeholders, button captions)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "template"):
            self._skip += 1
        values = dict(attrs)
        for name in READ_ATTRIBUTES & values.keys():
            self.parts.append(values[name] or "")
        if tag == "input" and (values.get("type") or "").lower() in BUTTON_TYPES:
            self.parts.append(values.get("value") or "")
        if tag == "meta" and values.get("name") == "description":
            self.parts.append(values.get("content") or "")

    def handle_endtag(self, tag):
        if tag in ("script", "style", "template") and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def readable_parts(html: str) -> list[str]:
    parser = ReadableText()
    parser.feed(html)
    return [" ".join(part.split()) for part in parser.parts if part.strip()]


ENGLISH_WORD = re.compile(r"[A-Za-z]{2,}")
NOT_WORDS = re.compile(
    r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"  # e-mail addresses
    r"|https?://\S+"  # links
    r"|\b[A-Z0-9]{4}\b"  # recovery codes, shown in groups of four
)


def data_pattern(data: list[str]) -> re.Pattern:
    """People's own words, matched whole: a name is taken out of "Paula Alpha's walks", but
    "Walk" (a word of someone's note) is not taken out of "Walkers"."""
    values = sorted({value for value in data if value.strip()}, key=len, reverse=True)
    alternatives = "|".join(re.escape(value) for value in values) or "(?!)"
    return re.compile(rf"(?<![A-Za-z])(?:{alternatives})(?![A-Za-z])")


def untranslated(parts: list[str], data: re.Pattern, allowed: frozenset[str]) -> list[str]:
    """The parts that still hold an English word once data and allowed words are taken out."""
    found = []
    for part in parts:
        text = data.sub(" ", NOT_WORDS.sub(" ", part))
        words = [w for w in ENGLISH_WORD.findall(text) if w not in allowed]
        if words:
            found.append(part)
    return found
