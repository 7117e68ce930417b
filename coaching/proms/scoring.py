"""Scoring a questionnaire: pure functions of an instrument and its answers, no database
(docs/questionnaires.md#scoring). ``validate_answers`` says what is wrong with answers in plain
words, item by item; ``score`` computes the total, the subscales and the band of valid ones;
``change`` is the change since baseline in the instrument's "better" direction.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext as _

from coaching.proms.instruments import Band, Instrument, Item, Rule

# Scores are kept to two decimals: a PEG or PSFS mean of three whole numbers is exact to that.
PLACES = Decimal("0.01")


@dataclass(frozen=True)
class Score:
    score: Decimal
    subscales: dict[str, Decimal]
    band: Band | None


def _item_error(item: Item, value: object) -> str | None:
    if value in (None, ""):
        return _("Please answer this question.") if item.required else None
    if item.type == "scale":
        assert item.min is not None and item.max is not None
        if isinstance(value, bool) or not isinstance(value, int):
            return _("Pick a whole number from %(min)s to %(max)s.") % {
                "min": item.min,
                "max": item.max,
            }
        if not item.min <= value <= item.max:
            return _("Pick a number from %(min)s to %(max)s.") % {"min": item.min, "max": item.max}
    elif item.type == "choice":
        if value not in {option.value for option in item.options}:
            return _("Please pick one of the answers.")
    elif item.type == "text":
        if not isinstance(value, str):
            return _("Please type a few words.")
        assert item.max_length is not None
        if len(value) > item.max_length:
            return _("Please keep it to %(most)s characters.") % {"most": item.max_length}
        if "\n" in value or "\r" in value:
            return _("Please keep it to one line.")
    return None


def validate_answers(instrument: Instrument, answers: Mapping[str, object]) -> dict[str, str]:
    """Plain-words problems by item key (empty when the answers are complete and in range).
    Keys the instrument does not have are a problem too, so nothing unknown is stored."""
    errors = {
        item.key: problem
        for item in instrument.items
        if (problem := _item_error(item, answers.get(item.key))) is not None
    }
    unknown = set(answers) - {item.key for item in instrument.items}
    if unknown:
        errors["__all__"] = _("These answers are not part of this questionnaire.")
    return errors


def _item_score(item: Item, value: object) -> Decimal:
    if item.type == "scale":
        return Decimal(int(value))  # type: ignore[call-overload]
    option = next(option for option in item.options if option.value == value)
    return Decimal(str(option.score))


def _rule_score(instrument: Instrument, rule: Rule, answers: Mapping[str, object]) -> Decimal:
    values = [_item_score(instrument.item(key), answers[key]) for key in rule.items]
    raw: Decimal = sum(values, Decimal(0))
    if rule.method == "mean":
        raw = raw / len(values)
    if rule.scale_to is not None:
        tops = [Decimal(str(instrument.item(k).item_score_range()[1])) for k in rule.items]
        top: Decimal = sum(tops, Decimal(0))
        if rule.method == "mean":
            top = top / len(values)
        raw = raw * Decimal(str(rule.scale_to)) / top
    return raw.quantize(PLACES, rounding=ROUND_HALF_UP)


def _matches(when: Mapping[str, Mapping[str, float]], scores: Mapping[str, Decimal]) -> bool:
    for name, bounds in when.items():
        value = scores[name]
        if "min" in bounds and value < Decimal(str(bounds["min"])):
            return False
        if "max" in bounds and value > Decimal(str(bounds["max"])):
            return False
    return True


def band_for(instrument: Instrument, scores: Mapping[str, Decimal]) -> Band | None:
    """The first band whose conditions hold (the file lists them in order; the last has none)."""
    return next((band for band in instrument.bands if _matches(band.when, scores)), None)


def score(instrument: Instrument, answers: Mapping[str, object]) -> Score:
    """The scores of complete, valid answers (``validate_answers`` first: this raises
    ``ValueError`` on answers it finds wrong rather than scoring them)."""
    if validate_answers(instrument, answers):
        raise ValueError("answers are incomplete or out of range")
    total = _rule_score(instrument, instrument.scoring, answers)
    subscales = {rule.key: _rule_score(instrument, rule, answers) for rule in instrument.subscales}
    return Score(
        score=total, subscales=subscales, band=band_for(instrument, {"score": total, **subscales})
    )


def change(instrument: Instrument, baseline: Decimal, latest: Decimal) -> Decimal:
    """The improvement since baseline: positive is better whichever way the scale runs."""
    delta = latest - baseline
    return delta if instrument.better == "higher" else -delta


def meets_mic(instrument: Instrument, improvement: Decimal) -> bool | None:
    """Whether an improvement reaches the minimal important change (None without a MIC)."""
    if instrument.mic is None:
        return None
    return improvement >= Decimal(str(instrument.mic))
