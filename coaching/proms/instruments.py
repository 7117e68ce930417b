"""Questionnaire instruments as data (docs/questionnaires.md#the-file-format).

Each instrument is a JSON file named ``<key>-<version>.json``: the shipped ones in
``coaching/proms/instruments/``, a clinic's licensed extras (Oswestry, Roland-Morris...) in the
folder ``settings.PROMS_EXTRA_DIR`` names. Every file is checked against ``schema.json`` and
then for what a schema cannot say (scored items exist and are scoreable, keys are unique, the
score's stated range matches its items). A bad file is an error at load time with the file's
name and the problem, never a questionnaire that scores wrongly.

Loading is pure and cached per folder list; ``instruments()`` is what the rest of the code
uses. An answered questionnaire keeps the ``version`` it was answered under, and every version
stays loadable, so old scores keep their meaning when a file is revised.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import jsonschema
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from coaching.proms.models import SCORE_HIGH, SCORE_LOW

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

SHIPPED_DIR = Path(__file__).resolve().parent / "instruments"
SCHEMA_PATH = Path(__file__).resolve().parent / "schema.json"

# What the shipped files say to staff about a score (a band's name and what it means for the
# programme), in the reader's language. Only these words, matched exactly: a file that words
# them differently is shown as written. The questions themselves are never translated here:
# a questionnaire's translation must be a validated one, from its licensor.
SHIPPED_WORDS = {
    "No pain": _("No pain"),
    "Mild pain": _("Mild pain"),
    "Moderate pain": _("Moderate pain"),
    "Severe pain": _("Severe pain"),
    "Low risk": _("Low risk"),
    "Medium risk": _("Medium risk"),
    "High risk": _("High risk"),
    "Psychosocial (distress) subscale": _("Psychosocial (distress) subscale"),
    (
        "Low risk of back pain becoming persistent and disabling. Keele's advice for this "
        "group: reassurance, advice to stay active and simple pain relief; the walking "
        "programme and its coaching sessions fit this well."
    ): _(
        "Low risk of back pain becoming persistent and disabling. Keele's advice for this "
        "group: reassurance, advice to stay active and simple pain relief; the walking "
        "programme and its coaching sessions fit this well."
    ),
    (
        "High risk, with worries, low mood or fear of movement weighing heavily. Keele's "
        "advice for this group: physiotherapy that addresses both the physical and the "
        "psychological side. Use the coaching sessions to explore worries and fears about "
        "activity, progress walking gently, and consider whether more support is needed "
        "alongside the programme."
    ): _(
        "High risk, with worries, low mood or fear of movement weighing heavily. Keele's "
        "advice for this group: physiotherapy that addresses both the physical and the "
        "psychological side. Use the coaching sessions to explore worries and fears about "
        "activity, progress walking gently, and consider whether more support is needed "
        "alongside the programme."
    ),
    (
        "Medium risk, mostly from physical factors (pain spreading, limits on walking and "
        "dressing). Keele's advice for this group: physiotherapy aimed at symptoms and "
        "function; the progressive walking plan and the coaching sessions are that kind of "
        "care."
    ): _(
        "Medium risk, mostly from physical factors (pain spreading, limits on walking and "
        "dressing). Keele's advice for this group: physiotherapy aimed at symptoms and "
        "function; the progressive walking plan and the coaching sessions are that kind of "
        "care."
    ),
}


def _words(text: str) -> StrOrPromise:
    return SHIPPED_WORDS.get(text, text)


class InstrumentError(Exception):
    """A questionnaire file that cannot be used: the message names the file and the problem."""


@dataclass(frozen=True)
class Option:
    value: str
    label: str
    score: float


@dataclass(frozen=True)
class Item:
    key: str
    text: str
    type: str  # "scale" (whole numbers min..max), "choice" (options) or "text" (not scored)
    required: bool = True
    min: int | None = None
    max: int | None = None
    min_label: str = ""
    max_label: str = ""
    max_length: int | None = None
    carry_forward: bool = False  # a text answer offered again next time (PSFS activities)
    options: tuple[Option, ...] = ()

    def item_score_range(self) -> tuple[float, float]:
        if self.type == "scale":
            assert self.min is not None and self.max is not None
            return float(self.min), float(self.max)
        scores = [option.score for option in self.options]
        return min(scores), max(scores)


@dataclass(frozen=True)
class Rule:
    method: str  # "sum" or "mean"
    items: tuple[str, ...]
    min: float
    max: float
    scale_to: float | None = None
    key: str = "score"
    label: StrOrPromise = ""


@dataclass(frozen=True)
class Band:
    key: str
    label: str
    when: dict
    meaning: str = ""


@dataclass(frozen=True)
class Instrument:
    key: str
    version: int
    name: str
    short_name: str
    licence: str
    citation: str
    items: tuple[Item, ...]
    scoring: Rule
    better: str  # "lower" or "higher" scores are better
    mic: float | None
    intro: str = ""
    mic_source: str = ""
    # The language the questions are written in (validated wording is never translated here).
    language: str = "en"
    subscales: tuple[Rule, ...] = ()
    # "every" timepoint of the clinic's schedule, or only at "enrolment" (a screening tool).
    schedule: str = "every"
    bands: tuple[Band, ...] = ()
    source: str = field(default="", compare=False)  # the file it came from

    @property
    def label(self) -> str:
        return f"{self.short_name} v{self.version}"

    def item(self, key: str) -> Item:
        return next(item for item in self.items if item.key == key)

    def band(self, key: str) -> Band | None:
        return next((band for band in self.bands if band.key == key), None)


@functools.cache
def _schema() -> dict:
    schema = json.loads(SCHEMA_PATH.read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    return schema


def parse_instrument(data: object, *, source: str = "<data>") -> Instrument:
    """One instrument from a file's parsed JSON, or ``InstrumentError`` saying what is wrong."""
    validator = jsonschema.Draft202012Validator(_schema())
    problems = sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path))
    if problems:
        first = problems[0]
        where = "/".join(str(part) for part in first.absolute_path) or "(top)"
        raise InstrumentError(f"{source}: {where}: {first.message}")
    assert isinstance(data, dict)
    items = tuple(
        Item(
            **{k: v for k, v in raw.items() if k != "options"},
            options=tuple(Option(**option) for option in raw.get("options", [])),
        )
        for raw in data["items"]
    )
    instrument = Instrument(
        key=data["key"],
        version=data["version"],
        name=data["name"],
        short_name=data["short_name"],
        licence=data["licence"],
        citation=data["citation"],
        intro=data.get("intro", ""),
        items=items,
        scoring=_rule(data["scoring"]),
        subscales=tuple(_rule(raw) for raw in data.get("subscales", [])),
        better=data["better"],
        mic=data["mic"],
        mic_source=data.get("mic_source", ""),
        bands=tuple(
            Band(
                **{
                    **raw,
                    "label": _words(raw["label"]),
                    "meaning": _words(raw.get("meaning", "")),
                }
            )
            for raw in data.get("bands", [])
        ),
        schedule=data.get("schedule", "every"),
        language=data.get("language", "en"),
        source=source,
    )
    _check_meaning(instrument, source)
    return instrument


def _rule(raw: dict) -> Rule:
    return Rule(
        method=raw["method"],
        items=tuple(raw["items"]),
        min=raw["min"],
        max=raw["max"],
        scale_to=raw.get("scale_to"),
        key=raw.get("key", "score"),
        label=_words(raw.get("label", "")),
    )


def _check_meaning(instrument: Instrument, source: str) -> None:
    """What the schema cannot check: names that must match and ranges that must add up."""
    keys = [item.key for item in instrument.items]
    if len(set(keys)) != len(keys):
        raise InstrumentError(f"{source}: two items share a key")
    by_key = {item.key: item for item in instrument.items}
    for item in instrument.items:
        if item.type == "scale" and (item.min is None or item.max is None or item.min >= item.max):
            raise InstrumentError(f"{source}: item {item.key}: min must be below max")
        if item.type == "choice" and len({o.value for o in item.options}) != len(item.options):
            raise InstrumentError(f"{source}: item {item.key}: two options share a value")
    names = {"score"}
    for rule in (instrument.scoring, *instrument.subscales):
        if rule.key in names and rule is not instrument.scoring:
            raise InstrumentError(f"{source}: subscale {rule.key}: the name is taken")
        names.add(rule.key)
        for key in rule.items:
            scored = by_key.get(key)
            if scored is None:
                raise InstrumentError(f"{source}: {rule.key}: no item called {key}")
            if scored.type == "text":
                raise InstrumentError(f"{source}: {rule.key}: item {key} is text, not scored")
        low, high = _rule_range(rule, by_key)
        if low < SCORE_LOW or high > SCORE_HIGH:
            raise InstrumentError(f"{source}: {rule.key}: scores must fall within 0 to 100")
        if (low, high) != (rule.min, rule.max):
            raise InstrumentError(
                f"{source}: {rule.key}: its items give {low:g} to {high:g}, "
                f"the file says {rule.min:g} to {rule.max:g}"
            )
    for band in instrument.bands:
        unknown = set(band.when) - names
        if unknown:
            raise InstrumentError(f"{source}: band {band.key}: no score called {sorted(unknown)}")
    if instrument.bands and instrument.bands[-1].when:
        raise InstrumentError(f"{source}: the last band must have no condition (it catches all)")


def _rule_range(rule: Rule, by_key: dict[str, Item]) -> tuple[float, float]:
    ranges = [by_key[key].item_score_range() for key in rule.items]
    low, high = sum(r[0] for r in ranges), sum(r[1] for r in ranges)
    if rule.method == "mean":
        low, high = low / len(ranges), high / len(ranges)
    if rule.scale_to is not None:
        low, high = low * rule.scale_to / high, rule.scale_to
    return low, high


def load_folder(folder: Path) -> list[Instrument]:
    """Every ``*.json`` in ``folder``; the file name must be ``<key>-<version>.json``."""
    loaded = []
    for path in sorted(folder.glob("*.json")):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise InstrumentError(f"{path}: not readable JSON ({error})") from error
        instrument = parse_instrument(data, source=str(path))
        if path.stem != f"{instrument.key}-{instrument.version}":
            raise InstrumentError(
                f"{path}: name the file {instrument.key}-{instrument.version}.json"
            )
        loaded.append(instrument)
    return loaded


@functools.cache
def _load(folders: tuple[str, ...]) -> dict[tuple[str, int], Instrument]:
    found: dict[tuple[str, int], Instrument] = {}
    for folder in folders:
        for instrument in load_folder(Path(folder)):
            ident = (instrument.key, instrument.version)
            if ident in found:
                raise InstrumentError(
                    f"{instrument.source}: {instrument.key} version {instrument.version} "
                    f"is also in {found[ident].source}"
                )
            found[ident] = instrument
    return found


def _folders() -> tuple[str, ...]:
    extra = getattr(settings, "PROMS_EXTRA_DIR", "")
    return (str(SHIPPED_DIR), *([extra] if extra else []))


def all_versions() -> dict[tuple[str, int], Instrument]:
    """Every version of every instrument, by ``(key, version)``."""
    return _load(_folders())


def instruments() -> dict[str, Instrument]:
    """The latest version of each instrument, by key, in a stable order."""
    latest: dict[str, Instrument] = {}
    for (key, _version), instrument in sorted(all_versions().items()):
        latest[key] = instrument
    return latest


def shipped_keys() -> list[str]:
    return sorted({instrument.key for instrument in load_folder(SHIPPED_DIR)})


def instrument_version(key: str, version: int) -> Instrument:
    return all_versions()[(key, version)]


def known(keys: Iterable[str]) -> list[str]:
    available = instruments()
    return [key for key in keys if key in available]


def clear_cache() -> None:
    """For tests that point ``PROMS_EXTRA_DIR`` at a folder of their own."""
    _load.cache_clear()
