"""Questionnaire reads, scoped through the patient the caller already fetched with
``patients.selectors.patient_get`` / ``portal_patient`` (another clinic's or patient's record
is a 404 before any of these run)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

from coaching.proms.instruments import Instrument, instrument_version, instruments, known
from coaching.proms.models import DEFAULT_WEEKS, QuestionnaireResponse, QuestionnaireSettings
from coaching.proms.schedule import Timepoint, open_timepoint
from coaching.proms.scoring import change, meets_mic
from patients.models import Patient
from walkback.accounts.models import Clinic


@dataclass(frozen=True)
class ClinicChoice:
    instruments: list[str]
    weeks: list[int]


def clinic_choice(clinic: Clinic) -> ClinicChoice:
    """The clinic's instruments and weeks; every shipped instrument at the default weeks until
    the clinic chooses. An instrument whose file is gone is left out, not an error."""
    row = QuestionnaireSettings.objects.filter(clinic=clinic).first()
    if row is None:
        return ClinicChoice(instruments=list(instruments()), weeks=list(DEFAULT_WEEKS))
    return ClinicChoice(instruments=known(row.instruments), weeks=sorted(row.weeks))


def scheduled_at(choice: ClinicChoice, week: int) -> list[Instrument]:
    """The instruments asked at a week: a screening tool (``schedule: enrolment``) at week 0
    only."""
    available = instruments()
    return [
        available[key]
        for key in choice.instruments
        if week == 0 or available[key].schedule == "every"
    ]


@dataclass(frozen=True)
class Due:
    timepoint: Timepoint
    instruments: list[Instrument]  # still to answer
    answered: list[str]  # keys already answered at this timepoint


def questionnaires_due(patient: Patient, *, today: dt.date) -> Due | None:
    """The open timepoint and what is left to answer in it (two queries), or None."""
    choice = clinic_choice(patient.clinic)
    point = open_timepoint(choice.weeks, patient.programme_start, today)
    if point is None:
        return None
    answered = set(
        QuestionnaireResponse.objects.filter(patient=patient, week=point.week).values_list(
            "instrument", flat=True
        )
    )
    asked = scheduled_at(choice, point.week)
    return Due(
        timepoint=point,
        instruments=[i for i in asked if i.key not in answered],
        answered=[i.key for i in asked if i.key in answered],
    )


def responses_of(patient: Patient) -> list[QuestionnaireResponse]:
    return list(
        QuestionnaireResponse.objects.filter(patient=patient).order_by("instrument", "week")
    )


def last_text_answers(patient: Patient, instrument: Instrument) -> dict[str, str]:
    """The ``carry_forward`` answers of the patient's latest response (PSFS's activities), so
    the same activities are rated again."""
    keys = [item.key for item in instrument.items if item.carry_forward]
    if not keys:
        return {}
    latest = (
        QuestionnaireResponse.objects.filter(patient=patient, instrument=instrument.key)
        .order_by("-week")
        .values_list("answers", flat=True)
        .first()
    )
    return {key: latest[key] for key in keys if latest and isinstance(latest.get(key), str)}


@dataclass(frozen=True)
class Point:
    week: int
    score: Decimal
    band: str


@dataclass(frozen=True)
class Outcome:
    """One instrument's scores of a patient over time with the change since baseline."""

    instrument: Instrument
    points: list[Point]
    baseline: Point | None  # week 0's answer, the baseline
    latest: Point | None
    improvement: Decimal | None  # positive is better, whichever way the scale runs
    reached_mic: bool | None

    @property
    def change_words(self) -> str:
        """The change since enrolment in plain words ("better by 2", "worse by 1.5")."""
        if self.improvement is None:
            return ""
        if self.improvement == 0:
            return _("no change")
        size = f"{abs(self.improvement).normalize():f}"
        if self.improvement > 0:
            # Translators: a questionnaire score's change since enrolment, e.g. "better by 2".
            return _("better by %(size)s") % {"size": size}
        return _("worse by %(size)s") % {"size": size}


def _band_label(instrument: Instrument, key: str) -> str:
    band = instrument.band(key) if key else None
    return band.label if band else ""


def outcomes_from(responses: list[QuestionnaireResponse]) -> list[Outcome]:
    """Per instrument, in the order of the shipped/clinic files. No queries."""
    by_key: dict[str, list[QuestionnaireResponse]] = {}
    for response in responses:
        by_key.setdefault(response.instrument, []).append(response)
    result = []
    for key, rows in by_key.items():
        rows.sort(key=lambda r: r.week)
        instrument = instrument_version(key, rows[-1].version)
        points = [
            Point(week=r.week, score=r.score, band=_band_label(instrument, r.band)) for r in rows
        ]
        baseline = points[0] if points[0].week == 0 else None
        latest = points[-1] if len(points) > 1 else None
        improvement = (
            change(instrument, baseline.score, latest.score)
            if baseline is not None and latest is not None
            else None
        )
        result.append(
            Outcome(
                instrument=instrument,
                points=points,
                baseline=baseline,
                latest=latest,
                improvement=improvement,
                reached_mic=meets_mic(instrument, improvement) if improvement is not None else None,
            )
        )
    order = list(instruments())
    result.sort(key=lambda o: order.index(o.instrument.key) if o.instrument.key in order else 99)
    return result


def enrolment_risk(responses: list[QuestionnaireResponse]):
    """STarT Back's risk group at enrolment, with what it means (docs/questionnaires.md), or
    None when not answered."""
    for response in responses:
        if response.instrument == "startback" and response.week == 0:
            instrument = instrument_version(response.instrument, response.version)
            return instrument.band(response.band), response
    return None


@dataclass(frozen=True)
class PatientQuestionnaires:
    outcomes: list[Outcome]
    risk: tuple | None  # (STarT Back band, its response) at enrolment


def patient_questionnaires(patient: Patient) -> PatientQuestionnaires:
    """The staff patient page's summary: one query."""
    responses = responses_of(patient)
    return PatientQuestionnaires(outcomes=outcomes_from(responses), risk=enrolment_risk(responses))
