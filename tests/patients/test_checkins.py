"""Monthly check-ins: due dates in the patient's time zone, the open window, the questionnaire's
rules, and the page."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from patients.checkins import add_months, check_in_due_dates, check_in_open, next_check_in_date
from patients.models import CheckIn
from patients.selectors import check_ins_due
from patients.services.check_ins import check_in_submit, check_ins_plan
from tests.factories import CheckInFactory, ClinicFactory, PatientFactory
from walkback.audit.models import AuditAction, AuditEvent

pytestmark = pytest.mark.django_db


def test_add_months_keeps_inside_the_month():
    assert add_months(dt.date(2024, 1, 31), 1) == dt.date(2024, 2, 29)
    assert add_months(dt.date(2023, 1, 31), 1) == dt.date(2023, 2, 28)
    assert add_months(dt.date(2024, 11, 15), 3) == dt.date(2025, 2, 15)
    assert add_months(dt.date(2024, 3, 31), -1) == dt.date(2024, 2, 29)


def test_schedule_runs_from_month_1_for_the_clinics_number_of_months():
    patient = PatientFactory(programme_start=dt.date(2024, 1, 31))
    schedule = check_in_due_dates(patient)
    assert len(schedule) == 12
    assert schedule[0] == (1, dt.date(2024, 2, 29))
    assert schedule[-1] == (12, dt.date(2025, 1, 31))
    long = PatientFactory(
        clinic=ClinicFactory(check_in_months=36), programme_start=dt.date(2024, 1, 31)
    )
    assert check_in_due_dates(long)[-1] == (36, dt.date(2027, 1, 31))
    assert check_in_due_dates(PatientFactory(programme_start=None)) == []


def test_the_clinic_cannot_offer_more_than_36_months():
    with pytest.raises(IntegrityError), transaction.atomic():
        ClinicFactory(check_in_months=37)


def test_a_check_in_is_open_from_its_due_date_until_the_next_is_due():
    patient = PatientFactory(programme_start=dt.date(2024, 1, 15))
    assert check_in_open(patient, today=dt.date(2024, 2, 14)) is None
    opened = check_in_open(patient, today=dt.date(2024, 2, 15))
    assert (opened.month_number, opened.closes_on) == (1, dt.date(2024, 3, 14))
    assert check_in_open(patient, today=dt.date(2024, 3, 15)).month_number == 2
    # The last one stays open for a month, then nothing more is asked.
    assert check_in_open(patient, today=dt.date(2025, 2, 14)).month_number == 12
    assert check_in_open(patient, today=dt.date(2025, 2, 15)) is None
    assert next_check_in_date(patient, today=dt.date(2024, 2, 15)) == dt.date(2024, 3, 15)


def test_due_follows_the_patients_own_date():
    # Due on 15 February. At 23:00 UTC on 14 February it is already the 15th in Sydney but
    # still the 14th in London.
    sydney = PatientFactory(time_zone="Australia/Sydney", programme_start=dt.date(2024, 1, 15))
    london = PatientFactory(time_zone="Europe/London", programme_start=dt.date(2024, 1, 15))
    with time_machine.travel(dt.datetime(2024, 2, 14, 23, 0, tzinfo=dt.UTC), tick=False):
        assert [d.month_number for d in check_ins_due(sydney, today=sydney.today())] == [1]
        assert check_ins_due(london, today=london.today()) == []


def test_due_dates_are_calendar_dates_across_daylight_saving():
    # Clocks change in London on 31 March 2024: month 2 is still due on 31 March, all day.
    patient = PatientFactory(time_zone="Europe/London", programme_start=dt.date(2024, 1, 31))
    assert dict(check_in_due_dates(patient))[2] == dt.date(2024, 3, 31)
    london = zoneinfo.ZoneInfo("Europe/London")
    with time_machine.travel(dt.datetime(2024, 3, 31, 0, 30, tzinfo=london), tick=False):
        assert check_ins_due(patient, today=patient.today())[0].month_number == 2


def test_an_answered_check_in_is_no_longer_due():
    patient = PatientFactory(programme_start=dt.date(2024, 1, 15))
    today = dt.date(2024, 2, 20)
    check_in_submit(patient=patient, by=patient.user, month_number=1, any_pain=False, today=today)
    assert check_ins_due(patient, today=today) == []


def test_plan_creates_the_rows_once_and_follows_a_new_start_date():
    patient = PatientFactory(programme_start=dt.date(2024, 1, 15))
    rows = check_ins_plan(patient=patient)
    assert [(r.month_number, r.due_on) for r in rows[:2]] == [
        (1, dt.date(2024, 2, 15)),
        (2, dt.date(2024, 3, 15)),
    ]
    assert len(check_ins_plan(patient=patient)) == 12
    check_in_submit(patient=patient, by=patient.user, month_number=1, any_pain=False,
                    today=dt.date(2024, 2, 16))  # fmt: skip
    patient.programme_start = dt.date(2024, 1, 20)
    patient.clinic.check_in_months = 24
    rows = check_ins_plan(patient=patient)
    assert len(rows) == 24
    assert rows[0].due_on == dt.date(2024, 2, 15)  # answered: kept as it was
    assert rows[1].due_on == dt.date(2024, 3, 20)


ANSWERS = {
    "any_pain": True,
    "onset_date": dt.date(2024, 2, 1),
    "lasted_24_hours": True,
    "limited_activity": True,
    "care_sought": True,
    "care_type": "gp",
    "days_to_recovery": 6,
    "average_pain": 3,
    "worst_pain": 6,
    "days_off_work": 2,
}


def test_submitting_saves_the_answers_once_and_audits_them():
    patient = PatientFactory(programme_start=dt.date(2024, 1, 15))
    today = dt.date(2024, 2, 20)
    check_in, saved = check_in_submit(
        patient=patient, by=patient.user, month_number=1, today=today, **ANSWERS
    )
    assert saved and check_in.completed_at is not None
    assert (check_in.onset_date, check_in.care_type, check_in.worst_pain) == (
        dt.date(2024, 2, 1),
        "gp",
        6,
    )
    again, saved = check_in_submit(
        patient=patient, by=patient.user, month_number=1, today=today, **ANSWERS | {"worst_pain": 9}
    )
    assert not saved and again.worst_pain == 6
    assert (
        AuditEvent.objects.filter(action=AuditAction.CREATE, object_type="patients.CheckIn").count()
        == 1
    )


def test_no_pain_clears_the_follow_up_answers():
    patient = PatientFactory(programme_start=dt.date(2024, 1, 15))
    check_in, _ = check_in_submit(
        patient=patient, by=patient.user, month_number=1, today=dt.date(2024, 2, 20),
        **ANSWERS | {"any_pain": False},
    )  # fmt: skip
    assert check_in.any_pain is False
    assert (check_in.onset_date, check_in.care_type, check_in.average_pain) == (None, "", None)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"onset_date": dt.date(2024, 2, 21)}, "onset_date"),  # after today
        ({"onset_date": dt.date(2024, 1, 1)}, "onset_date"),  # before the programme
        ({"onset_date": None}, "onset_date"),
        ({"lasted_24_hours": None}, "lasted_24_hours"),
        ({"limited_activity": None}, "limited_activity"),
        ({"care_type": ""}, "care_type"),
        ({"average_pain": 11}, "average_pain"),
        ({"worst_pain": 2}, "worst_pain"),  # lower than the average
        ({"days_to_recovery": 401}, "days_to_recovery"),
        ({"days_to_recovery": 30}, "days_to_recovery"),  # recovered after today
        ({"days_off_work": -1}, "days_off_work"),
    ],
)
def test_bad_answers_are_refused_and_nothing_is_saved(changes, field):
    patient = PatientFactory(programme_start=dt.date(2024, 1, 15))
    with pytest.raises(ValidationError) as error:
        check_in_submit(patient=patient, by=patient.user, month_number=1,
                        today=dt.date(2024, 2, 20), **ANSWERS | changes)  # fmt: skip
    assert field in error.value.message_dict
    assert not CheckIn.objects.filter(completed_at__isnull=False).exists()


def test_only_the_open_month_can_be_answered():
    patient = PatientFactory(programme_start=dt.date(2024, 1, 15))
    with pytest.raises(ValidationError):
        check_in_submit(patient=patient, by=patient.user, month_number=2,
                        today=dt.date(2024, 2, 20), any_pain=False)  # fmt: skip


def test_the_database_refuses_an_onset_after_the_answer():
    patient = PatientFactory(programme_start=dt.date(2024, 1, 15))
    with pytest.raises(IntegrityError), transaction.atomic():
        CheckInFactory(
            patient=patient, month_number=1, due_on=dt.date(2024, 2, 15), any_pain=True,
            onset_date=timezone.now().date() + dt.timedelta(days=5), completed_at=timezone.now(),
        )  # fmt: skip


# --- The page ----------------------------------------------------------------------------------


@pytest.fixture
def due_patient(world):
    patient = world.patient_a
    patient.programme_start = add_months(patient.today(), -1)
    patient.save()
    return patient


def test_home_offers_the_check_in_when_due(client_for, due_patient):
    page = client_for(due_patient.user).get(reverse("portal:home")).content.decode()
    assert "Start my check-in" in page and "check-in 1 of 12" in page


def test_answering_on_the_page(client_for, due_patient):
    client = client_for(due_patient.user)
    today = due_patient.today()
    data = {
        "any_pain": "yes",
        "onset_date": (today - dt.timedelta(days=10)).isoformat(),
        "lasted_24_hours": "yes",
        "limited_activity": "no",
        "care_sought": "no",
        "days_to_recovery": "3",
        "average_pain": "2",
        "worst_pain": "4",
        "days_off_work": "0",
    }
    response = client.post(reverse("portal:check-in"), data)
    assert response.status_code == 302
    check_in = CheckIn.objects.get(patient=due_patient, month_number=1)
    assert check_in.any_pain and check_in.activity_limiting is False and check_in.worst_pain == 4
    page = client.get(reverse("portal:home")).content.decode()
    assert "Start my check-in" not in page


def test_an_onset_after_today_gets_a_message_next_to_the_field(client_for, due_patient):
    client = client_for(due_patient.user)
    tomorrow = due_patient.today() + dt.timedelta(days=1)
    response = client.post(
        reverse("portal:check-in"),
        {"any_pain": "yes", "onset_date": tomorrow.isoformat(), "limited_activity": "no",
         "lasted_24_hours": "no",
         "care_sought": "no", "average_pain": "2", "worst_pain": "3"},
    )  # fmt: skip
    assert response.status_code == 200
    assert response.context["form"].errors["onset_date"] == [
        "That date is in the future. Pick today or an earlier day."
    ]
    assert 'id="id_onset_date_error"' in response.content.decode()
    assert not CheckIn.objects.filter(completed_at__isnull=False).exists()


def test_nothing_due_says_when_the_next_one_is(client_for, world):
    patient = world.patient_a
    patient.programme_start = patient.today() - dt.timedelta(days=3)
    patient.save()
    page = client_for(patient.user).get(reverse("portal:check-in")).content.decode()
    assert "no check-in to answer right now" in page
    assert "Your next check-in is on" in page


@pytest.mark.parametrize(
    ("worst_pain", "lasted", "limited", "expected"),
    [
        (1, True, True, False),  # the case: 1/10 was accepted as activity-limiting
        (2, True, True, True),  # the trial's definition: >= 2/10, >= 24 hours, limiting
        (6, False, True, False),  # shorter than a day
        (6, True, False, False),  # did not limit activity
    ],
)
def test_activity_limiting_is_derived_from_the_facts_never_ticked(
    worst_pain, lasted, limited, expected
):
    """Issue 10: the class followed a tick, whatever the pain and its length."""
    patient = PatientFactory(programme_start=dt.date(2024, 1, 15))
    answers = ANSWERS | {
        "average_pain": min(worst_pain, 1),
        "worst_pain": worst_pain,
        "lasted_24_hours": lasted,
        "limited_activity": limited,
        "activity_limiting": not expected,  # a tick, if one came in, is ignored
    }
    check_in, _ = check_in_submit(
        patient=patient, by=patient.user, month_number=1, today=dt.date(2024, 2, 20), **answers
    )
    assert check_in.activity_limiting is expected


def test_an_onset_before_the_month_the_check_in_asks_about_is_refused():
    """Issue 10: a check-in's onset date must fall in the month it asks about."""
    patient = PatientFactory(programme_start=dt.date(2024, 1, 15))
    with pytest.raises(ValidationError) as error:
        check_in_submit(
            patient=patient,
            by=patient.user,
            month_number=2,
            today=dt.date(2024, 3, 20),
            **ANSWERS | {"onset_date": dt.date(2024, 2, 1)},  # month 2 asks from 15 February
        )
    assert "since Thursday 15 February 2024" in error.value.message_dict["onset_date"][0]
