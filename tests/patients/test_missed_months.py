"""Missed months asked about again (issue 10): the schedule, the clinic's limit, the answers
saved late or as unknown, the page on a phone, and what the outcomes make of them
(docs/clinical-rules.md#monthly-check-ins)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from coaching.services import clinic_programme_update
from patients.checkins import add_months, catch_up_months, check_in_open
from patients.models import CheckIn
from patients.outcomes import (
    CheckInAnswer,
    MissedMonth,
    TimeToEvent,
    answers_for,
    recurrence_times,
)
from patients.selectors import check_in_missed_months, check_ins_due
from patients.services.check_ins import check_in_submit, check_ins_plan
from tests.factories import ClinicFactory, PatientFactory
from walkback.audit.models import AuditEvent

pytestmark = pytest.mark.django_db

D = dt.date
START = D(2024, 1, 15)  # check-ins due on the 15th: month 1 on 15 Feb, month 4 on 15 May
TODAY = D(2024, 5, 20)  # month 4 is open; months 2 and 3 were never answered
NO_PAIN = {"any_pain": False}
PAIN = {
    "any_pain": True,
    "onset_date": D(2024, 3, 1),  # in month 2 (15 Feb to 14 Mar)
    "lasted_24_hours": True,
    "limited_activity": True,
    "care_sought": False,
    "care_type": "",
    "days_to_recovery": 5,
    "average_pain": 3,
    "worst_pain": 5,
    "days_off_work": 1,
}


def _patient(catch_up: int = 2):
    patient = PatientFactory(
        clinic=ClinicFactory(check_in_catch_up_months=catch_up), programme_start=START
    )
    check_ins_plan(patient=patient)
    # Month 1 answered on time; 2 and 3 missed.
    with time_machine.travel(dt.datetime(2024, 2, 16, 9, tzinfo=dt.UTC), tick=False):
        check_in_submit(
            patient=patient, by=patient.user, month_number=1, today=D(2024, 2, 16), **NO_PAIN
        )
    return patient


# --- The schedule (pure) -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("limit", "open_months", "expected"),
    [
        (2, {2, 3}, [2, 3]),
        (1, {2, 3}, [3]),  # month 2 is beyond the limit: it stays unknown
        (0, {2, 3}, []),  # the clinic asks nothing again
        (2, {3}, [3]),  # month 2 was answered or said to be unknown
        (6, {1, 2, 3}, [1, 2, 3]),  # never before month 1
    ],
)
def test_a_check_in_asks_about_the_open_months_just_before_it(limit, open_months, expected):
    patient = PatientFactory(
        clinic=ClinicFactory(check_in_catch_up_months=limit), programme_start=START
    )
    months = catch_up_months(patient, current_month=4, open_months=open_months)
    assert [m.month_number for m in months] == expected


def test_a_missed_month_is_about_the_days_between_two_check_ins():
    patient = PatientFactory(programme_start=START)
    first, second = catch_up_months(patient, current_month=3, open_months={1, 2})
    # Month 1 is about the programme start to the day before it was due.
    assert (first.starts_on, first.ends_on) == (START, D(2024, 2, 14))
    assert (second.starts_on, second.ends_on) == (D(2024, 2, 15), D(2024, 3, 14))
    no_start = PatientFactory(programme_start=None)
    assert catch_up_months(no_start, current_month=3, open_months={1}) == []
    assert catch_up_months(patient, current_month=1, open_months={1}) == []


def test_the_missed_months_come_from_the_rows_in_one_query(django_assert_num_queries):
    patient = _patient()
    current = check_ins_due(patient, today=TODAY)[0]
    with django_assert_num_queries(1):
        months = check_in_missed_months(patient, current=current)
    assert [m.month_number for m in months] == [2, 3]


# --- The clinic's limit ------------------------------------------------------------------------


def test_the_limit_is_bounded_in_the_database():
    with pytest.raises(IntegrityError), transaction.atomic():
        ClinicFactory(check_in_catch_up_months=7)


def test_the_limit_is_set_on_the_programme_settings(world):
    clinic = world.clinic_a
    values = {
        "goal_walks_per_week": 5,
        "goal_minutes_per_walk": 30,
        "goal_week": 26,
        "screening_extra_conditions": "",
    }
    with pytest.raises(ValidationError) as error:
        clinic_programme_update(
            clinic=clinic, by=world.admin_a, check_in_catch_up_months=7, **values
        )
    assert error.value.message_dict["check_in_catch_up_months"] == [
        "Missed months asked about again must be a whole number from 0 to 6."
    ]
    clinic_programme_update(clinic=clinic, by=world.admin_a, check_in_catch_up_months=4, **values)
    clinic.refresh_from_db()
    assert clinic.check_in_catch_up_months == 4


def test_the_settings_page_shows_the_limit(client_for, world):
    page = client_for(world.admin_a).get(reverse("coaching:programme-settings"))
    assert 'name="check_in_catch_up_months"' in page.content.decode()
    assert page.context["form"].initial["check_in_catch_up_months"] == 2


# --- The service -------------------------------------------------------------------------------


def test_missed_months_are_saved_late_or_unknown_with_the_open_one():
    patient = _patient()
    check_in, saved = check_in_submit(
        patient=patient,
        by=patient.user,
        month_number=4,
        today=TODAY,
        missed={2: PAIN, 3: None},
        **NO_PAIN,
    )
    assert saved and check_in.completed_at is not None and not check_in.late
    rows = {c.month_number: c for c in CheckIn.objects.filter(patient=patient)}
    assert rows[2].late and rows[2].completed_at is not None and rows[2].activity_limiting
    assert rows[2].unknown_at is None
    assert rows[3].unknown_at is not None and rows[3].completed_at is None and not rows[3].late
    details = [
        e.detail
        for e in AuditEvent.objects.filter(object_type="patients.CheckIn", patient_id=patient.pk)
    ]
    assert {"month": 2, "late": True} in [
        {k: d[k] for k in ("month", "late") if k in d} for d in details
    ]
    assert any(d.get("month") == 3 and d.get("unknown") for d in details)
    # Settled months are not asked again.
    assert check_in_missed_months(patient, current=check_in_open(patient, today=TODAY)) == []


def test_every_missed_month_needs_an_answer_and_nothing_is_half_saved():
    patient = _patient()
    with pytest.raises(ValidationError) as error:
        check_in_submit(
            patient=patient, by=patient.user, month_number=4, today=TODAY, missed={3: None},
            **NO_PAIN,
        )  # fmt: skip
    assert error.value.message_dict == {
        "month2-any_pain": ["Please answer Yes or No, or choose \u201cI don't remember\u201d."]
    }
    assert (
        not CheckIn.objects.filter(patient=patient, month_number__gt=1)
        .exclude(completed_at=None, unknown_at=None)
        .exists()
    )


def test_a_missed_months_onset_must_fall_in_that_month():
    patient = _patient()
    with pytest.raises(ValidationError) as error:
        check_in_submit(
            patient=patient, by=patient.user, month_number=4, today=TODAY,
            missed={2: PAIN | {"onset_date": D(2024, 3, 20)}, 3: None}, **NO_PAIN,
        )  # fmt: skip
    assert list(error.value.message_dict) == ["month2-onset_date"]
    assert "up to Thursday 14 March 2024" in error.value.message_dict["month2-onset_date"][0]
    assert (
        not CheckIn.objects.filter(patient=patient, month_number=4)
        .exclude(completed_at=None)
        .exists()
    )


def test_months_beyond_the_clinics_limit_are_not_asked():
    patient = _patient(catch_up=1)
    check_in_submit(
        patient=patient, by=patient.user, month_number=4, today=TODAY, missed={3: NO_PAIN},
        **NO_PAIN,
    )  # fmt: skip
    month_2 = CheckIn.objects.get(patient=patient, month_number=2)
    assert (month_2.completed_at, month_2.unknown_at) == (None, None)  # unknown by default


def test_the_database_refuses_a_month_both_answered_and_unknown():
    patient = _patient()
    row = CheckIn.objects.get(patient=patient, month_number=1)
    row.unknown_at = row.completed_at
    with pytest.raises(IntegrityError), transaction.atomic():
        row.save()


# --- Outcomes -----------------------------------------------------------------------------------


def _outcome_answers(missed):
    """A patient's check-ins as the outcomes read them, after check-in 4 was answered today
    with ``missed`` for months 2 and 3."""
    patient = _patient()
    with time_machine.travel(dt.datetime(2024, 5, 20, 9, tzinfo=dt.UTC), tick=False):
        check_in_submit(
            patient=patient, by=patient.user, month_number=4, today=TODAY, missed=missed,
            **NO_PAIN,
        )  # fmt: skip
    return answers_for([patient.pk], {patient.pk: "UTC"}, today=TODAY)[patient.pk]


def test_a_month_answered_late_counts_and_an_unknown_one_censors():
    answers = _outcome_answers({2: PAIN, 3: None})
    assert [type(a) for a in answers] == [CheckInAnswer, CheckInAnswer, MissedMonth, CheckInAnswer]
    times = recurrence_times(START, answers)
    # Month 2's recurrence (onset 1 March), told late, is the event.
    assert times.activity_limiting.event and times.activity_limiting.days == 46
    # Without a recurrence, follow-up stops at the start of month 3, the unknown one.
    assert not times.care_seeking.event and times.care_seeking.days == (D(2024, 3, 15) - START).days


def test_a_missed_month_answered_without_pain_extends_follow_up():
    answers = _outcome_answers({2: NO_PAIN, 3: NO_PAIN})
    assert not any(isinstance(a, MissedMonth) for a in answers)
    # No gap: follow-up runs to the last answer (today), not to the start of month 2.
    assert recurrence_times(START, answers).any == TimeToEvent((TODAY - START).days, False)


# --- The page ----------------------------------------------------------------------------------


@pytest.fixture
def catching_up(world):
    """A patient whose check-in 3 is open today and who never answered months 1 and 2."""
    patient = world.patient_a
    patient.programme_start = add_months(patient.today(), -3)
    patient.save()
    check_ins_plan(patient=patient)
    return patient


def test_the_page_asks_about_each_missed_month_with_i_dont_remember(client_for, catching_up):
    page = client_for(catching_up.user).get(reverse("portal:check-in"))
    html = page.content.decode()
    assert [f.month.month_number for f in page.context["missed"]] == [1, 2]
    assert html.count("Earlier month:") == 2
    assert 'name="month1-any_pain" value="unknown"' in html
    assert 'name="month2-any_pain" value="unknown"' in html
    assert html.count("I don&#x27;t remember</label>") == 2


def test_answering_this_month_and_the_missed_ones_on_a_phone(client_for, catching_up):
    client = client_for(catching_up.user)
    url = reverse("portal:check-in")
    phone = {"HTTP_USER_AGENT": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X)"}
    # This month answered, the missed ones forgotten: each says what is missing, nothing saved.
    response = client.post(url, {"any_pain": "no"}, **phone)
    assert response.status_code == 200
    assert response.context["has_errors"]
    html = response.content.decode()
    assert 'id="id_month1-any_pain_error"' in html and 'id="id_month2-any_pain_error"' in html
    assert "I don&#x27;t remember" in html
    assert not CheckIn.objects.filter(patient=catching_up).exclude(completed_at=None).exists()
    # Month 1 remembered with pain that started after its month: refused next to that field.
    month_1 = response.context["missed"][0].month
    late_onset = (month_1.ends_on + dt.timedelta(days=1)).isoformat()
    answers = {
        "any_pain": "no",
        "month1-any_pain": "yes",
        "month1-onset_date": late_onset,
        "month1-lasted_24_hours": "yes",
        "month1-limited_activity": "yes",
        "month1-care_sought": "no",
        "month1-average_pain": "3",
        "month1-worst_pain": "5",
        "month2-any_pain": "unknown",
    }
    response = client.post(url, answers, **phone)
    assert response.status_code == 200
    assert (
        response.context["missed"][0]
        .errors["onset_date"][0]
        .startswith("These questions are about the time up to")
    )
    assert 'id="id_month1-onset_date_error"' in response.content.decode()
    answers["month1-onset_date"] = month_1.starts_on.isoformat()
    response = client.post(url, answers, **phone)
    assert response.status_code == 302
    rows = {c.month_number: c for c in CheckIn.objects.filter(patient=catching_up)}
    assert rows[1].late and rows[1].activity_limiting
    assert rows[2].unknown_at is not None
    assert rows[3].completed_at is not None and rows[3].any_pain is False
    # The physiotherapist sees which month came late and which is unknown.
    staff = client_for(catching_up.physiotherapist).get(
        reverse("patients:detail", args=[catching_up.pk])
    )
    html = staff.content.decode()
    assert "answered late" in html and "Not remembered (unknown): month 2" in html


def test_the_page_costs_the_same_queries_for_one_or_two_missed_months(client_for, world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts = []
    for answered_month_1 in (True, False):
        patient = PatientFactory(clinic=world.clinic_a, programme_start=None)
        patient.programme_start = add_months(patient.today(), -3)
        patient.save()
        check_ins_plan(patient=patient)
        if answered_month_1:
            CheckIn.objects.filter(patient=patient, month_number=1).update(
                unknown_at=dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
            )
        client = client_for(patient.user)
        client.get(reverse("portal:check-in"))  # warm the session
        with CaptureQueriesContext(connection) as queries:
            page = client.get(reverse("portal:check-in"))
        assert len(page.context["missed"]) == (1 if answered_month_1 else 2)
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
