"""Programme start, sessions and prescriptions: rules, bad input (nothing saved) and audit."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from coaching import services
from coaching.models import CoachingSession, Prescription, SessionMode, SessionStatus
from patients.models import PatientStatus
from tests.coaching.helpers import enrolled, prescribe, screened, started
from tests.factories import CoachingSessionFactory, PrescriptionFactory
from walkback.audit.models import AuditEvent

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 3, 13, 2, 0, tzinfo=dt.UTC)  # Friday 13 March, 13:00 in Sydney
TODAY = dt.date(2026, 3, 13)
SYDNEY = zoneinfo.ZoneInfo("Australia/Sydney")


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def test_programme_start_books_six_sessions_on_the_default_schedule(world):
    start = dt.date(2026, 3, 11)
    patient = screened(enrolled(world.physio_a, on=dt.date(2026, 3, 1)), world.physio_a)
    sessions = services.programme_start(
        patient=patient, start_on=start, by=world.physio_a, session_time=dt.time(9, 30)
    )
    patient.refresh_from_db()
    assert patient.status == PatientStatus.ACTIVE and patient.programme_start == start
    rows = list(CoachingSession.objects.filter(patient=patient).order_by("number"))
    assert [s.number for s in rows] == [1, 2, 3, 4, 5, 6]
    local = [s.scheduled_at.astimezone(SYDNEY) for s in rows]
    assert [(d.date() - start).days // 7 for d in local] == [0, 2, 4, 8, 12, 26]
    assert {d.time() for d in local} == {dt.time(9, 30)}
    assert [s.mode for s in rows] == [
        "in_person",
        "phone",
        "in_person",
        "phone",
        "in_person",
        "phone",
    ]
    assert [s.purpose for s in rows] == ["prescribe", "review"] * 3
    assert len(sessions) == 6
    assert AuditEvent.objects.filter(patient=patient, object_type="coaching.programme").count() == 1


def test_programme_cannot_start_twice_or_create_a_second_session_number(world):
    patient = started(world.physio_a, start_on=dt.date(2026, 3, 9))
    with pytest.raises(ValidationError, match="already started"):
        services.programme_start(patient=patient, start_on=TODAY, by=world.physio_a)
    assert CoachingSession.objects.filter(patient=patient).count() == 6
    with pytest.raises(IntegrityError), transaction.atomic():
        CoachingSessionFactory(
            patient=patient, number=2, purpose="review", mode="phone", scheduled_at=timezone.now()
        )


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        ({"able_to_walk": None}, "Finish the screening"),
        ({"older_age": True}, "doctor's clearance"),
    ],
)
def test_programme_start_needs_a_complete_screening_and_clearance(world, answers, message):
    patient = screened(enrolled(world.physio_a, on=TODAY), world.physio_a, **answers)
    with pytest.raises(ValidationError, match=message):
        services.programme_start(patient=patient, start_on=TODAY, by=world.physio_a)
    assert not CoachingSession.objects.filter(patient=patient).exists()


def test_ineligible_patient_cannot_start(world):
    patient = screened(
        enrolled(world.physio_a, on=TODAY), world.physio_a, already_active_3_per_week=True
    )
    assert patient.status == PatientStatus.INELIGIBLE
    assert "already active 3 or more times a week" in patient.ineligible_reason
    with pytest.raises(ValidationError, match="not eligible"):
        services.programme_start(patient=patient, start_on=TODAY, by=world.physio_a)


def test_programme_cannot_start_before_enrolment(world):
    patient = screened(enrolled(world.physio_a, on=TODAY), world.physio_a)
    with pytest.raises(ValidationError) as error:
        services.programme_start(
            patient=patient, start_on=TODAY - dt.timedelta(days=1), by=world.physio_a
        )
    assert "before the patient was enrolled" in error.value.message_dict["start_on"][0]
    patient.refresh_from_db()
    assert patient.status == PatientStatus.SCREENING and patient.programme_start is None


def test_another_clinics_physio_cannot_touch_the_patient(world):
    patient = screened(enrolled(world.physio_a, on=TODAY), world.physio_a)
    with pytest.raises(ValidationError, match="not in your clinic"):
        services.programme_start(patient=patient, start_on=TODAY, by=world.physio_b)
    with pytest.raises(ValidationError, match="not in your clinic"):
        prescribe(world.patient_b, world.physio_a, on=TODAY, walks=3, minutes=10)


def _session(patient, number):
    return CoachingSession.objects.select_related("patient__clinic").get(
        patient=patient, number=number
    )


def test_sessions_must_stay_in_order(world):
    patient = started(world.physio_a, start_on=dt.date(2026, 3, 11))
    s3 = _session(patient, 3)
    before_s2 = _session(patient, 2).scheduled_at - dt.timedelta(hours=1)
    with pytest.raises(ValidationError) as error:
        services.session_update(session=s3, by=world.physio_a, scheduled_at=before_s2)
    assert "Session 3 must come after Session 2" in error.value.message_dict["scheduled_at"][0]
    after_s4 = _session(patient, 4).scheduled_at + dt.timedelta(days=1)
    with pytest.raises(ValidationError, match="must come before Session 4"):
        services.session_update(session=s3, by=world.physio_a, scheduled_at=after_s4)
    assert _session(patient, 3).scheduled_at == s3.scheduled_at


def test_a_cancelled_session_does_not_hold_the_order(world):
    patient = started(world.physio_a, start_on=dt.date(2026, 3, 11))
    s2 = _session(patient, 2)
    services.session_set_status(session=s2, status=SessionStatus.CANCELLED, by=world.physio_a)
    s3 = _session(patient, 3)
    moved = s2.scheduled_at - dt.timedelta(days=1)
    services.session_update(session=s3, by=world.physio_a, scheduled_at=moved)
    assert _session(patient, 3).scheduled_at == moved


def test_session_cannot_be_before_enrolment(world):
    patient = started(world.physio_a, start_on=dt.date(2026, 3, 11))  # enrolled 8 March
    s1 = _session(patient, 1)
    with pytest.raises(ValidationError, match="before the patient was enrolled"):
        services.session_update(
            session=s1,
            by=world.physio_a,
            scheduled_at=dt.datetime(2026, 3, 7, 10, tzinfo=SYDNEY),
        )


def test_a_done_sessions_date_cannot_change_but_its_record_can(world):
    patient = started(world.physio_a, start_on=dt.date(2026, 3, 11))
    s1 = services.session_set_status(
        session=_session(patient, 1), status=SessionStatus.DONE, by=world.physio_a
    )
    assert s1.completed_at is not None
    with pytest.raises(ValidationError, match="is done: its date"):
        services.session_update(
            session=s1, by=world.physio_a, scheduled_at=s1.scheduled_at + dt.timedelta(hours=1)
        )
    services.session_update(session=s1, by=world.physio_a, goals="Walk daily", confidence=7)
    s1.refresh_from_db()
    assert (s1.goals, s1.confidence, s1.scheduled_at) == ("Walk daily", 7, s1.scheduled_at)


def test_session_cannot_be_marked_done_before_its_day(world):
    patient = started(world.physio_a, start_on=dt.date(2026, 3, 11))
    with pytest.raises(ValidationError, match="can be marked done or missed from that day"):
        services.session_set_status(
            session=_session(patient, 2), status=SessionStatus.DONE, by=world.physio_a
        )
    assert _session(patient, 2).status == SessionStatus.PLANNED
    services.session_set_status(
        session=_session(patient, 2), status=SessionStatus.CANCELLED, by=world.physio_a
    )


def test_rebook_a_missed_session(world):
    patient = started(world.physio_a, start_on=dt.date(2026, 3, 11))
    s1 = services.session_set_status(
        session=_session(patient, 1), status=SessionStatus.MISSED, by=world.physio_a
    )
    with pytest.raises(ValidationError, match="in the future"):
        services.session_rebook(
            session=s1, by=world.physio_a, scheduled_at=timezone.now() - dt.timedelta(hours=1)
        )
    when = dt.datetime(2026, 3, 16, 11, tzinfo=SYDNEY)
    s1 = services.session_rebook(
        session=s1,
        by=world.physio_a,
        scheduled_at=when,
        mode=SessionMode.VIDEO,
        video_link="https://video.example.test/room",
    )
    assert (s1.status, s1.scheduled_at, s1.rebook_count) == (SessionStatus.PLANNED, when, 1)
    assert s1.rebooked_from.astimezone(SYDNEY).date() == dt.date(2026, 3, 11)
    with pytest.raises(ValidationError, match="still planned"):
        services.session_rebook(session=s1, by=world.physio_a, scheduled_at=when)


def test_video_session_needs_a_link(world):
    patient = started(world.physio_a, start_on=dt.date(2026, 3, 11))
    with pytest.raises(ValidationError) as error:
        services.session_update(session=_session(patient, 2), by=world.physio_a, mode="video")
    assert "video_link" in error.value.message_dict


@pytest.mark.parametrize(
    ("walks", "minutes", "field"),
    [
        (0, 10, "walks_per_week"),
        (600, 10, "walks_per_week"),
        (3, 0, "minutes_per_walk"),
        (3, 600, "minutes_per_walk"),
    ],
)
def test_prescription_bounds(world, walks, minutes, field):
    patient = started(world.physio_a, start_on=dt.date(2026, 3, 11))
    with pytest.raises(ValidationError) as error:
        prescribe(patient, world.physio_a, on=TODAY, walks=walks, minutes=minutes)
    assert field in error.value.message_dict
    assert not Prescription.objects.filter(patient=patient).exists()


def test_prescription_database_constraints(world):
    patient = started(world.physio_a, start_on=dt.date(2026, 3, 11))
    with pytest.raises(IntegrityError), transaction.atomic():
        PrescriptionFactory(
            patient=patient,
            effective_from=TODAY,
            walks_per_week=0,
            minutes_per_walk=10,
            author=world.physio_a,
        )


def test_prescriptions_are_versioned(world):
    patient = started(world.physio_a, start_on=dt.date(2026, 3, 2))
    s1 = _session(patient, 1)
    first = prescribe(
        patient, world.physio_a, on=dt.date(2026, 3, 2), walks=3, minutes=10, session=s1
    )
    second = prescribe(patient, world.physio_a, on=TODAY, walks=4, minutes=10)
    assert list(Prescription.objects.filter(patient=patient)) == [second, first]
    from coaching.progress import prescription_on

    assert prescription_on(patient, dt.date(2026, 3, 12)) == first
    assert prescription_on(patient, TODAY) == second
    with pytest.raises(ValidationError, match="cannot start before the one in force"):
        prescribe(patient, world.physio_a, on=dt.date(2026, 3, 12), walks=3, minutes=20)
    audit = AuditEvent.objects.filter(patient=patient, object_type="coaching.Prescription")
    assert audit.count() == 2
    assert all("minutes_per_walk" in e.detail["fields"] for e in audit)
    assert all("15" not in str(e.detail.get("values", "")) for e in audit)


def test_prescription_before_programme_or_with_another_patients_session(world):
    patient = started(world.physio_a, start_on=dt.date(2026, 3, 11))
    with pytest.raises(ValidationError, match="cannot start before the programme"):
        prescribe(patient, world.physio_a, on=dt.date(2026, 3, 10), walks=3, minutes=10)
    other = started(world.physio_a, start_on=dt.date(2026, 3, 11))
    with pytest.raises(ValidationError, match="this patient's sessions"):
        prescribe(
            patient, world.physio_a, on=TODAY, walks=3, minutes=10, session=_session(other, 1)
        )
    screening_only = screened(enrolled(world.physio_a, on=TODAY), world.physio_a)
    with pytest.raises(ValidationError, match="Start the programme"):
        prescribe(screening_only, world.physio_a, on=TODAY, walks=3, minutes=10)


def test_clearance_date_in_the_future_is_refused(world):
    patient = enrolled(world.physio_a, on=TODAY)
    with pytest.raises(ValidationError) as error:
        screened(
            patient, world.physio_a, older_age=True, clearance_date=TODAY + dt.timedelta(days=1)
        )
    assert "future" in error.value.message_dict["clearance_date"][0]
    from patients.models import Screening

    assert not Screening.objects.filter(patient=patient).exists()


def test_education_library_seed_is_idempotent_and_keeps_edits(world):
    from coaching.education import DEFAULT_TOPICS, education_library_seed
    from coaching.models import EducationTopic

    assert education_library_seed(clinic=world.clinic_a) == len(DEFAULT_TOPICS)
    topic = EducationTopic.objects.get(clinic=world.clinic_a, slug="moving-is-safe")
    services.education_topic_save(
        clinic=world.clinic_a,
        by=world.physio_a,
        topic=topic,
        title="Our own title",
        body="Our words.",
    )
    assert education_library_seed(clinic=world.clinic_a) == 0
    topic.refresh_from_db()
    assert topic.title == "Our own title"
    assert not EducationTopic.objects.filter(clinic=world.clinic_b).exists()
