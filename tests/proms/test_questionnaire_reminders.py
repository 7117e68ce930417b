"""Questionnaire invitations through the reminder outbox (docs/questionnaires.md#reminders):
planned on the day a timepoint is due at the patient's own time, sent once with no health data,
skipped when everything at that timepoint has been answered."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from coaching.models import Reminder, ReminderKind, ReminderState
from coaching.proms.services import questionnaire_settings_set, questionnaire_submit
from coaching.reminders.services import reminders_plan_for_patient
from tests.factories import ClinicFactory, PatientFactory, UserFactory
from tests.reminders.conftest import run_due  # noqa: F401  (the fixture)
from tests.reminders.helpers import at

SYDNEY = "Australia/Sydney"


@pytest.fixture
def patient(db):
    # No nudges: this patient logs no walks, and only the questionnaire messages are tested.
    clinic = ClinicFactory(name="Harbour Physio", time_zone=SYDNEY, nudge_after_days=0)
    physio = UserFactory(clinic=clinic, full_name="Priya Physio")
    return PatientFactory(
        clinic=clinic,
        physiotherapist=physio,
        reminder_days=[],
        reminder_time=dt.time(17, 0),
        programme_start=dt.date(2025, 3, 14),  # week 12 is due on Friday 6 June 2025
        user__full_name="Paula Walker",
    )


def _answer_week_12(patient):
    for key, answers in (
        ("nprs", {"pain": 3}),
        ("peg", {"pain": 3, "enjoyment": 2, "activity": 2}),
        (
            "psfs",
            {
                "activity_1": "Socks",
                "rating_1": 6,
                "activity_2": "Garden",
                "rating_2": 5,
                "activity_3": "Shops",
                "rating_3": 7,
            },
        ),
    ):
        questionnaire_submit(
            patient=patient,
            by=patient.user,
            instrument_key=key,
            answers=answers,
            today=patient.today(),
        )


def test_week_12_invitation_is_sent_once_without_health_data(patient, run_due, settings):  # noqa: F811
    settings.REMINDER_QUESTIONNAIRE_PATH = "/me/questionnaires/"
    sent = []
    start = at(SYDNEY, 2025, 6, 5, 0, 0)
    for hour in range(0, 4 * 24):
        sent += run_due(start + dt.timedelta(hours=hour), plan=True)
    sent = [m for m in sent if m.to == [patient.user.email]]
    assert [m.subject for m in sent] == ["A few questions about your back"]
    body = sent[0].body
    assert "/me/questionnaires/" in body
    for health_word in ("pain", "STarT", "PEG", "score", "risk"):
        assert health_word not in body
    row = Reminder.objects.get(kind=ReminderKind.QUESTIONNAIRE)
    assert row.idempotency_key == f"questionnaire:{patient.pk}:12"
    assert row.due_at == at(SYDNEY, 2025, 6, 6, 17, 0)


def test_an_answered_timepoint_is_skipped(patient, run_due):  # noqa: F811
    with time_machine.travel(at(SYDNEY, 2025, 6, 6, 9, 0), tick=False):
        reminders_plan_for_patient(patient=patient)
        _answer_week_12(patient)
    assert run_due(at(SYDNEY, 2025, 6, 6, 17, 0)) == []
    row = Reminder.objects.get(kind=ReminderKind.QUESTIONNAIRE)
    assert (row.state, row.last_error) == (ReminderState.SKIPPED, "the questionnaires are answered")


def test_the_clinics_weeks_decide(patient, run_due):  # noqa: F811
    questionnaire_settings_set(
        clinic=patient.clinic, by=patient.physiotherapist, instrument_keys=["nprs"], weeks=[0, 6]
    )
    with time_machine.travel(at(SYDNEY, 2025, 4, 25, 9, 0), tick=False):  # week 6 is due
        reminders_plan_for_patient(patient=patient)
    assert list(Reminder.objects.values_list("idempotency_key", flat=True)) == [
        f"questionnaire:{patient.pk}:6"
    ]
    with time_machine.travel(at(SYDNEY, 2025, 6, 6, 9, 0), tick=False):  # week 12: not chosen
        reminders_plan_for_patient(patient=patient)
    assert not Reminder.objects.filter(idempotency_key__endswith=":12").exists()


def test_enrolment_gets_no_invitation(patient):
    # Answered with the physiotherapist or at the first login (the home page shows it).
    patient.programme_start = dt.date(2025, 6, 5)
    patient.save()
    with time_machine.travel(at(SYDNEY, 2025, 6, 5, 9, 0), tick=False):
        reminders_plan_for_patient(patient=patient)
    assert not Reminder.objects.filter(kind=ReminderKind.QUESTIONNAIRE).exists()
