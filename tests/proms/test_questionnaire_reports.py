"""Questionnaires in the clinic's reports (docs/questionnaires.md): the median change by
instrument in the background snapshot, never computed by the page; and the export, identified
and de-identified."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

from django.utils import timezone

from coaching.proms.models import QuestionnaireResponse
from patients.models import Patient
from tests.factories import PatientFactory
from walkback.reports import exports
from walkback.reports.questionnaire_figures import FEWEST, questionnaire_changes
from walkback.reports.selectors import Scope


def _answers(patient, rows):
    QuestionnaireResponse.objects.bulk_create(
        QuestionnaireResponse(
            patient=patient,
            instrument=key,
            version=1,
            week=week,
            answers={},
            score=Decimal(score),
            answered_by=patient.user,
            completed_at=timezone.now(),
        )
        for key, week, score in rows
    )


def _row(figures, key):
    return next(row for row in figures["instruments"] if row["key"] == key)


def test_median_change_by_instrument(world):
    # NPRS, lower is better, enrolment 7 for everyone. Latest answers 8 (at week 12: worse by
    # 1), then 5, 4, 3, 2 and 9 (at week 26): changes -1, 2, 3, 4, 5, -2. Median 2.5; four of
    # six reached the MIC of 2.
    first = PatientFactory(clinic=world.clinic_a, physiotherapist=world.physio_a)
    _answers(first, [("nprs", 0, 7), ("nprs", 12, 8)])
    for latest in (5, 4, 3, 2, 9):
        patient = PatientFactory(clinic=world.clinic_a, physiotherapist=world.physio_a)
        _answers(patient, [("nprs", 0, 7), ("nprs", 12, 8), ("nprs", 26, latest)])
    # A patient with no enrolment answer has no change and is not counted.
    stray = PatientFactory(clinic=world.clinic_a, physiotherapist=world.physio_a)
    _answers(stray, [("nprs", 12, 0)])
    # Another clinic's patients are outside the group.
    _answers(world.patient_b, [("nprs", 0, 10), ("nprs", 12, 0)])
    figures = questionnaire_changes(Patient.objects.filter(clinic=world.clinic_a))
    nprs = _row(figures, "nprs")
    assert nprs["patients"] == 6
    assert Decimal(nprs["median_change"]) == Decimal("2.5")
    assert nprs["reached_mic_percent"] == round(100 * 4 / 6)
    # STarT Back is a screening tool, not followed for change.
    assert all(row["key"] != "startback" for row in figures["instruments"])


def test_too_few_patients_show_no_median(world):
    for _ in range(FEWEST - 1):
        patient = PatientFactory(clinic=world.clinic_a, physiotherapist=world.physio_a)
        _answers(patient, [("peg", 0, 7), ("peg", 12, 4)])
    peg = _row(questionnaire_changes(Patient.objects.filter(clinic=world.clinic_a)), "peg")
    assert (peg["patients"], peg["median_change"], peg["reached_mic_percent"]) == (4, None, None)


def _csv(deid, world):
    spec = exports.ExportSpec("questionnaires", Scope(clinic_id=world.clinic_a.pk), deid)
    table = exports.build_table(spec, Patient.objects.all(), world.clinic_a)
    return list(csv.reader(io.StringIO(exports.csv_text(table).lstrip("\ufeff"))))


def test_the_export_identified_and_deidentified(world):
    patient = world.patient_a
    patient.programme_start = dt.date(2025, 1, 6)
    patient.save()
    _answers(patient, [("nprs", 0, 6), ("nprs", 12, 3)])
    QuestionnaireResponse.objects.filter(patient=patient).update(
        completed_at=dt.datetime(2025, 1, 7, 1, 0, tzinfo=dt.UTC)  # 7 Jan, 12:00 in Sydney
    )
    _answers(world.patient_b, [("nprs", 0, 9)])
    identified = _csv(False, world)
    assert identified[0] == [
        "patient_id",
        "patient_name",
        "instrument",
        "version",
        "week",
        "completed_on",
        "score",
        "psychosocial",
        "band",
        "entered_by_staff",
    ]
    assert [row[1] for row in identified[1:]] == ["Paula Alpha", "Paula Alpha"]
    assert identified[1][2:8] == ["nprs", "1", "0", "2025-01-07", "6.00", ""]
    assert identified[1][9] == "no"
    deid = _csv(True, world)
    assert deid[0][:2] == ["patient", "instrument"] and "completed_day" in deid[0]
    text = repr(deid)
    assert "Alpha" not in text and "2025-" not in text
    assert deid[1][deid[0].index("completed_day")] == "1"  # a day after the programme start
