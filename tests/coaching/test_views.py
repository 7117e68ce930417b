"""The staff pages: pinned query counts, scoping, bad input through the forms, downloads."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from coaching.models import CoachingSession, EducationTopic, Prescription, SessionStatus
from coaching.services.status import caseload_rows_refresh
from patients.models import Patient, PatientStatus, Screening
from tests.coaching.helpers import enrolled, prescribe, screened, started
from tests.factories import AdverseEventFactory, EducationTopicFactory, WalkLogFactory
from walkback.audit.models import AuditEvent

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 3, 13, 2, 0, tzinfo=dt.UTC)
TODAY = dt.date(2026, 3, 13)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def with_history(physio, weeks=20, walks_per_week=4):
    """A patient with ``weeks`` of walks, a prescription and an adverse event."""
    start = TODAY - dt.timedelta(weeks=weeks)
    patient = started(physio, start_on=start)
    prescribe(patient, physio, on=start, walks=3, minutes=20)
    for week in range(weeks):
        for day in range(walks_per_week):
            WalkLogFactory(
                patient=patient,
                walked_on=start + dt.timedelta(weeks=week, days=day),
                minutes=25,
                pain=2,
            )
    AdverseEventFactory(patient=patient, occurred_on=TODAY)
    return patient


# --- Pinned query counts ----------------------------------------------------------------------

# Caseload: session, user (with the clinic joined: the user's time zone), OTP device, the counts
# (in scope and shown, one query), the page of maintained rows with their patients, the audit
# row = 6 queries, whatever the number of patients. (The clock is frozen, so the session's
# once-a-minute last-seen write does not happen.)
CASELOAD_QUERIES = 6


def test_caseload_query_count_does_not_grow_with_patients_or_logs(
    world, client_for, django_assert_num_queries
):
    client = client_for(world.physio_a)
    client.get(reverse("coaching:caseload"))  # settle the session's last-seen write
    with_history(world.physio_a, weeks=2)
    with django_assert_num_queries(CASELOAD_QUERIES):
        small = client.get(reverse("coaching:caseload"))
    for _ in range(6):
        with_history(world.physio_a, weeks=12)
    enrolled(world.physio_a, on=TODAY)
    with django_assert_num_queries(CASELOAD_QUERIES):
        large = client.get(reverse("coaching:caseload"))
    assert small.status_code == large.status_code == 200
    assert len(large.context["page"]) == 9  # Paula and the 8 added


# Patient page: session, user (with the clinic joined), OTP device, the patient (scoped),
# facts, sessions, their topics, prescriptions, weekly totals, recent walks, adverse events,
# check-ins, the audit row, reminders planned and reminders past, questionnaire answers (issue
# 15) = 16 queries.
PATIENT_PAGE_QUERIES = 16


def test_patient_page_query_count_does_not_grow_with_logs(
    world, client_for, django_assert_num_queries
):
    client = client_for(world.physio_a)
    client.get(reverse("coaching:caseload"))
    short = with_history(world.physio_a, weeks=2)
    long = with_history(world.physio_a, weeks=26, walks_per_week=7)
    for patient in (short, long):
        with django_assert_num_queries(PATIENT_PAGE_QUERIES):
            response = client.get(reverse("patients:detail", args=[patient.pk]))
        assert response.status_code == 200
    assert len(response.context["overview"].weeks) == 27


# --- The caseload -----------------------------------------------------------------------------


def test_caseload_shows_mine_by_default_and_the_clinic_on_request(world, client_for):
    client = client_for(world.physio_a)
    mine = client.get(reverse("coaching:caseload")).content.decode()
    assert "Paula Alpha" in mine and "Peter Alpha" not in mine
    everyone = client.get(reverse("coaching:caseload"), {"scope": "all"}).content.decode()
    assert "Paula Alpha" in everyone and "Peter Alpha" in everyone
    assert "Zebracorn" not in mine + everyone


def test_caseload_sorts_by_attention_filters_and_searches(world, client_for):
    calm = with_history(world.physio_a)
    from patients.models import AdverseEvent

    AdverseEvent.objects.filter(patient=calm).update(reviewed_at=timezone.now())
    caseload_rows_refresh(patient_ids=[calm.pk])  # a write outside the services
    alarming = with_history(world.physio_a)
    client = client_for(world.physio_a)
    rows = client.get(reverse("coaching:caseload")).context["page"].object_list
    assert rows[0].patient == alarming
    assert rows[0].flags[0].code == "adverse_event"
    flagged = client.get(reverse("coaching:caseload"), {"flag": "adverse_event"})
    assert [r.patient for r in flagged.context["page"]] == [alarming]
    found = client.get(reverse("coaching:caseload"), {"q": "paula"})
    assert [r.patient.full_name for r in found.context["page"]] == ["Paula Alpha"]
    discharged = client.get(reverse("coaching:caseload"), {"status": "discharged"})
    assert list(discharged.context["page"]) == []


def test_caseload_pages(world, client_for):
    for _ in range(27):
        enrolled(world.physio_a, on=TODAY)
    client = client_for(world.physio_a)
    first = client.get(reverse("coaching:caseload"))
    assert len(first.context["page"]) == 25
    second = client.get(reverse("coaching:caseload"), {"page": 2})
    assert len(second.context["page"]) == 3  # 27 new + Paula


def test_caseload_writes_one_audit_row_per_patient_shown(world, client_for):
    for _ in range(2):
        enrolled(world.physio_a, on=TODAY)
    client_for(world.physio_a).get(reverse("coaching:caseload"))
    events = AuditEvent.objects.filter(detail__view="caseload")
    shown = Patient.objects.filter(physiotherapist=world.physio_a)
    assert sorted(e.patient_id for e in events) == sorted(p.pk for p in shown)
    assert {(e.actor, e.action, e.object_type) for e in events} == {
        (world.physio_a, "read", "patients.Patient")
    }


# --- Enrolment and screening --------------------------------------------------------------------


def enrol_data(**extra):
    data = {
        "full_name": "New Person",
        "email": "new.person@example.test",
        "date_of_birth": "1970-01-01",
        "time_zone": "Australia/Sydney",
        "preferred_days": ["0", "2"],
        "preferred_time": "07:30",
    }
    data.update(extra)
    return data


def test_enrolment_creates_the_patient_and_sends_the_invitation(
    world, client_for, mailoutbox, django_capture_on_commit_callbacks
):
    client = client_for(world.physio_a)
    data = enrol_data(physiotherapist=world.physio_a2.pk)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("patients:invite"), data)
    patient = Patient.objects.get(user__email="new.person@example.test")
    assert response["Location"] == reverse("patients:screening", args=[patient.pk])
    assert patient.physiotherapist == world.physio_a2
    assert patient.preferred_days == [0, 2] and patient.preferred_time == dt.time(7, 30)
    assert patient.status == PatientStatus.SCREENING
    assert [m.to for m in mailoutbox] == [["new.person@example.test"]]


@pytest.mark.parametrize(
    ("extra", "field", "words"),
    [
        ({"physiotherapist": "OTHER"}, "physiotherapist", "physiotherapist of your clinic"),
        ({"date_of_birth": "2030-01-01"}, "date_of_birth", "cannot be in the future"),
        ({"date_of_birth": "2015-01-01"}, "date_of_birth", "18 or over"),
        ({"preferred_days": ["9"]}, "preferred_days", "days of the week"),
    ],
)
def test_enrolment_bad_input(world, client_for, extra, field, words):
    extra = {"physiotherapist": world.physio_a.pk, **extra}
    if extra["physiotherapist"] == "OTHER":
        extra["physiotherapist"] = world.physio_b.pk
    response = client_for(world.physio_a).post(reverse("patients:invite"), enrol_data(**extra))
    assert response.status_code == 200
    assert words in " ".join(response.context["form"].errors.get(field, [])), response.context[
        "form"
    ].errors
    assert not Patient.objects.filter(user__email="new.person@example.test").exists()


def screening_data(**extra):
    data = {
        "recovered_in_last_6_months": "yes",
        "episode_lasted_24h": "yes",
        "able_to_walk": "yes",
        "already_active_3_per_week": "no",
        "baseline_minutes_per_week": "40",
    }
    data.update(extra)
    return data


def test_screening_with_a_future_clearance_date_saves_nothing(world, client_for):
    patient = enrolled(world.physio_a, on=TODAY)
    response = client_for(world.physio_a).post(
        reverse("patients:screening", args=[patient.pk]),
        screening_data(older_age="on", clearance_date="2026-03-14"),
    )
    assert response.status_code == 200
    assert "cannot be in the future" in response.context["form"].errors["clearance_date"][0]
    assert not Screening.objects.filter(patient=patient).exists()


@pytest.mark.parametrize("day", ["0001-01-01", "1999-03-13", "2025-03-12"])
def test_screening_with_a_clearance_older_than_12_months_saves_nothing(world, client_for, day):
    """Issue 12: a clearance dated in year 1 let the programme start."""
    patient = enrolled(world.physio_a, on=TODAY)
    response = client_for(world.physio_a).post(
        reverse("patients:screening", args=[patient.pk]),
        screening_data(older_age="on", clearance_date=day),
    )
    assert response.status_code == 200
    assert "last 12 months" in response.context["form"].errors["clearance_date"][0]
    assert not Screening.objects.filter(patient=patient).exists()


def test_screening_takes_a_clearance_from_the_last_12_months(world, client_for):
    patient = enrolled(world.physio_a, on=TODAY)
    response = client_for(world.physio_a).post(
        reverse("patients:screening", args=[patient.pk]),
        screening_data(older_age="on", clearance_date="2025-03-14"),
    )
    assert response.status_code == 302
    assert Screening.objects.get(patient=patient).clearance_date == dt.date(2025, 3, 14)


def test_screening_records_ineligibility_with_a_reason(world, client_for):
    patient = enrolled(world.physio_a, on=TODAY)
    client_for(world.physio_a).post(
        reverse("patients:screening", args=[patient.pk]),
        screening_data(already_active_3_per_week="yes", ineligible_reason="Runs 4 times a week"),
    )
    patient.refresh_from_db()
    assert patient.status == PatientStatus.INELIGIBLE
    assert patient.ineligible_reason == "Runs 4 times a week"
    assert patient.baseline_minutes_per_week == 40


def test_screening_offers_the_clinics_conditions(world, client_for):
    world.clinic_a.screening_extra_conditions = "Diabetes\nPregnancy"
    world.clinic_a.save()
    patient = enrolled(world.physio_a, on=TODAY)
    client = client_for(world.physio_a)
    bad = client.post(
        reverse("patients:screening", args=[patient.pk]),
        screening_data(other_conditions=["Something else"]),
    )
    assert "clinic's list" in bad.context["form"].errors["other_conditions"][0]
    client.post(
        reverse("patients:screening", args=[patient.pk]),
        screening_data(other_conditions=["Diabetes"]),
    )
    patient.refresh_from_db()
    assert patient.screening.other_conditions == ["Diabetes"]
    assert patient.screening.clearance_missing


# --- Sessions and prescriptions through the pages ------------------------------------------------


def test_programme_start_page(world, client_for):
    patient = screened(enrolled(world.physio_a, on=TODAY), world.physio_a)
    response = client_for(world.physio_a).post(
        reverse("coaching:programme-start", args=[patient.pk]),
        {"start_on": "2026-03-16", "session_time": "14:00"},
    )
    assert response.status_code == 302
    assert CoachingSession.objects.filter(patient=patient).count() == 6


def test_programme_start_before_enrolment_shows_the_message(world, client_for):
    patient = screened(enrolled(world.physio_a, on=TODAY), world.physio_a)
    response = client_for(world.physio_a).post(
        reverse("coaching:programme-start", args=[patient.pk]),
        {"start_on": "2026-03-01", "session_time": "14:00"},
    )
    assert "before the patient was enrolled" in response.context["form"].errors["start_on"][0]
    assert not CoachingSession.objects.filter(patient=patient).exists()


@pytest.mark.parametrize(
    ("walks", "expected"),
    [("0", "from 1 to 14"), ("600", "from 1 to 14"), ("three", "from 1 to 14")],
)
def test_prescription_form_bad_walks(world, client_for, walks, expected):
    patient = started(world.physio_a, start_on=dt.date(2026, 3, 11))
    response = client_for(world.physio_a).post(
        reverse("coaching:prescription-new", args=[patient.pk]),
        {
            "walks_per_week": walks,
            "minutes_per_walk": "10",
            "effective_from": "2026-03-13",
            "rationale": "x",
        },
    )
    assert response.status_code == 200
    assert expected in response.context["form"].errors["walks_per_week"][0]
    assert not Prescription.objects.exists()


def test_prescription_form_refuses_another_clinics_session(world, client_for):
    patient = started(world.physio_a, start_on=dt.date(2026, 3, 11))
    foreign = started(world.physio_b, start_on=dt.date(2026, 3, 11))
    foreign_session = CoachingSession.objects.get(patient=foreign, number=1)
    response = client_for(world.physio_a).post(
        reverse("coaching:prescription-new", args=[patient.pk]),
        {
            "walks_per_week": "3",
            "minutes_per_walk": "10",
            "effective_from": "2026-03-13",
            "rationale": "x",
            "session": foreign_session.pk,
        },
    )
    assert "this patient's sessions" in response.context["form"].errors["session"][0]
    assert not Prescription.objects.exists()


def test_prescription_page_proposes_but_saves_nothing_until_submitted(world, client_for):
    patient = started(world.physio_a, start_on=dt.date(2026, 3, 11))
    session = CoachingSession.objects.get(patient=patient, number=1)
    client = client_for(world.physio_a)
    page = client.get(
        reverse("coaching:prescription-new", args=[patient.pk]), {"session": session.pk}
    )
    form = page.context["form"]
    # At or above the patient's baseline of 40 minutes a week (3 × 10 was below it).
    assert (form.initial["walks_per_week"], form.initial["minutes_per_walk"]) == (3, 15)
    assert "Suggestion: Start." in page.content.decode()
    assert not Prescription.objects.exists()
    response = client.post(
        reverse("coaching:prescription-new", args=[patient.pk]),
        {
            "walks_per_week": "3",
            "minutes_per_walk": "15",
            "effective_from": "2026-03-13",
            "rationale": "Gentle start",
            "session": session.pk,
        },
    )
    assert response["Location"] == reverse("coaching:session-detail", args=[session.pk])
    detail = client.get(reverse("patients:detail", args=[patient.pk])).content.decode()
    assert "3 × 15 min" in detail and "Gentle start" in detail


def test_session_edit_out_of_order_and_done_session_date(world, client_for):
    patient = started(world.physio_a, start_on=dt.date(2026, 3, 11))
    client = client_for(world.physio_a)
    s3 = CoachingSession.objects.get(patient=patient, number=3)
    data = {
        "date": "2026-03-12",
        "time": "10:00",
        "duration_minutes": "45",
        "mode": "in_person",
        "video_link": "",
        "purpose": "prescribe",
    }
    response = client.post(reverse("coaching:session-edit", args=[s3.pk]), data)
    errors = response.context["form"].errors
    assert any("must come after Session 2" in e for e in errors.get("__all__", []))
    s1 = CoachingSession.objects.get(patient=patient, number=1)
    client.post(reverse("coaching:session-status", args=[s1.pk]), {"status": "done"})
    data.update(date="2026-03-10")
    response = client.post(reverse("coaching:session-edit", args=[s1.pk]), data)
    assert any("is done: its date" in e for e in response.context["form"].errors["__all__"])
    s1.refresh_from_db()
    assert s1.scheduled_at.astimezone(patient.zone).date() == dt.date(2026, 3, 11)


def test_session_record_refuses_another_clinics_topic(world, client_for):
    patient = started(world.physio_a, start_on=dt.date(2026, 3, 11))
    session = CoachingSession.objects.get(patient=patient, number=1)
    foreign = EducationTopicFactory(clinic=world.clinic_b, slug="x", title="Zebracorn", body=".")
    response = client_for(world.physio_a).post(
        reverse("coaching:session-detail", args=[session.pk]),
        {"topics": [foreign.pk], "goals": "Walk", "confidence": "7"},
    )
    assert "clinic's library" in response.context["form"].errors["topics"][0]
    session.refresh_from_db()
    assert session.goals == ""


def test_session_record_saves_and_audits(world, client_for):
    from coaching.education import education_library_seed

    education_library_seed(clinic=world.clinic_a)
    topic = EducationTopic.objects.filter(clinic=world.clinic_a).first()
    patient = started(world.physio_a, start_on=dt.date(2026, 3, 11))
    session = CoachingSession.objects.get(patient=patient, number=1)
    client = client_for(world.physio_a)
    client.post(
        reverse("coaching:session-detail", args=[session.pk]),
        {
            "topics": [topic.pk],
            "goals": "Walk",
            "barriers": "Rain",
            "action_plan": "Umbrella",
            "confidence": "11",
        },
    )
    session.refresh_from_db()
    assert session.confidence is None  # 11 is refused
    client.post(
        reverse("coaching:session-detail", args=[session.pk]),
        {
            "topics": [topic.pk],
            "goals": "Walk",
            "barriers": "Rain",
            "action_plan": "Umbrella",
            "confidence": "8",
            "notes": "Good",
        },
    )
    session.refresh_from_db()
    assert (session.goals, session.confidence, list(session.topics.all())) == ("Walk", 8, [topic])
    update = AuditEvent.objects.filter(
        object_type="coaching.CoachingSession", action="update"
    ).get()
    assert "confidence" in update.detail["fields"] and "Walk" not in str(update.detail)


def test_status_and_rebook_through_the_pages(world, client_for):
    patient = started(world.physio_a, start_on=dt.date(2026, 3, 11))
    session = CoachingSession.objects.get(patient=patient, number=1)
    client = client_for(world.physio_a)
    client.post(reverse("coaching:session-status", args=[session.pk]), {"status": "missed"})
    session.refresh_from_db()
    assert session.status == SessionStatus.MISSED
    response = client.post(
        reverse("coaching:session-rebook", args=[session.pk]),
        {"date": "2026-03-16", "time": "09:00", "mode": "phone", "video_link": ""},
    )
    assert response.status_code == 302
    session.refresh_from_db()
    assert session.status == SessionStatus.PLANNED and session.rebook_count == 1


def test_calendar_files(world, client_for):
    patient = started(world.physio_a, start_on=dt.date(2026, 3, 11))
    session = CoachingSession.objects.get(patient=patient, number=1)
    client = client_for(world.physio_a)
    one = client.get(reverse("coaching:session-ics", args=[session.pk]))
    assert one["Content-Type"].startswith("text/calendar")
    body = one.content.decode()
    assert body.startswith("BEGIN:VCALENDAR\r\n") and body.endswith("END:VCALENDAR\r\n")
    assert body.count("BEGIN:VEVENT") == 1
    assert "DTSTART:20260310T230000Z" in body  # 10:00 in Sydney
    assert all(len(line.encode()) <= 75 for line in body.split("\r\n"))
    six = client.get(reverse("coaching:sessions-ics", args=[patient.pk])).content.decode()
    assert six.count("BEGIN:VEVENT") == 6
    assert AuditEvent.objects.filter(patient=patient, detail__view="sessions-ics").exists()


def test_patient_page_has_the_chart_and_a_text_alternative(world, client_for):
    patient = with_history(world.physio_a, weeks=4)
    response = client_for(world.physio_a).get(reverse("patients:detail", args=[patient.pk]))
    html = response.content.decode()
    assert '<svg class="progress-chart"' in html and 'role="img"' in html
    assert "<desc" in html and "Show the figures as a table" in html
    assert "style=" not in html  # the CSP forbids inline styles


def test_chart_escapes_text():
    from coaching.charts import progress_chart_svg
    from coaching.progress import WeekRow, WeekTotals

    monday = dt.date(2026, 3, 2)
    row = WeekRow(monday, 0, WeekTotals(week=monday, minutes=10), None, True)
    svg = progress_chart_svg([row], title="<script>x</script>", chart_id='a"b')
    assert "<script>" not in svg and "&lt;script&gt;" in svg and 'a"b' not in svg


def test_adverse_event_review(world, client_for):
    patient = with_history(world.physio_a, weeks=2)
    event = patient.adverse_events.get()
    client_for(world.physio_a).post(reverse("coaching:adverse-event-review", args=[event.pk]))
    event.refresh_from_db()
    assert event.reviewed_by == world.physio_a


def test_admin_sees_the_patient_page_without_physio_actions(world, client_for):
    html = (
        client_for(world.admin_a)
        .get(reverse("patients:detail", args=[world.patient_a.pk]))
        .content.decode()
    )
    assert "Paula Alpha" in html and "Set prescription" not in html and "Edit details" not in html


def test_library_and_settings(world, client_for):
    client = client_for(world.physio_a)
    client.post(reverse("coaching:library-seed"))
    assert EducationTopic.objects.filter(clinic=world.clinic_a).count() == 5
    client.post(
        reverse("coaching:topic-new"),
        {"title": "Sleep", "body": "Sleep helps.", "position": 60, "is_active": "on"},
    )
    assert EducationTopic.objects.filter(clinic=world.clinic_a, slug="sleep").exists()
    bad = client.post(
        reverse("coaching:programme-settings"),
        {"goal_walks_per_week": "0", "goal_minutes_per_walk": "30", "goal_week": "26"},
    )
    assert bad.context["form"].errors["goal_walks_per_week"]
    rules = {
        "plan_start_walks": "3",
        "plan_step_weeks": "1",
        "plan_largest_increase": "10",
        "plan_close_to_target_percent": "80",
        "plan_pain_rise": "2",
    }
    client.post(
        reverse("coaching:programme-settings"),
        {
            "goal_walks_per_week": "4",
            "goal_minutes_per_walk": "35",
            "goal_week": "20",
            "check_in_months": "24",
            "check_in_catch_up_months": "3",
            **rules,
        },
    )
    world.clinic_a.refresh_from_db()
    assert (world.clinic_a.goal_walks_per_week, world.clinic_a.goal_minutes_per_walk) == (4, 35)
    assert world.clinic_a.check_in_months == 24  # follow-up length, set on the page (issue 10)
    assert world.clinic_a.check_in_catch_up_months == 3  # missed months asked again (issue 10)
    assert EducationTopic.objects.filter(clinic=world.clinic_b).count() == 0


def test_library_query_count_does_not_grow_with_topics(
    world, client_for, django_assert_num_queries
):

    client = client_for(world.physio_a)
    client.get(reverse("coaching:library"))
    for extra in (0, 20):
        for i in range(extra):
            EducationTopicFactory(
                clinic=world.clinic_a, title=f"Extra {i}", slug=f"extra-{i}", body="Text."
            )
        # session, user (with clinic), OTP device, the clinic's topics = 4
        with django_assert_num_queries(4):
            assert client.get(reverse("coaching:library")).status_code == 200


def test_patient_page_shows_recent_weeks_and_the_whole_history_on_demand(world, client_for):
    """Issue 16: the page drew every week of a long history on each visit."""
    patient = with_history(world.physio_a, weeks=30)
    client = client_for(world.physio_a)
    url = reverse("patients:detail", args=[patient.pk])
    recent = client.get(url)
    assert len(recent.context["weeks"]) == 12
    assert "Show all 31 weeks" in recent.content.decode()
    everything = client.get(url, {"weeks": "all"})
    assert len(everything.context["weeks"]) == 31
    assert "Show the recent weeks only" in everything.content.decode()


def test_patient_page_shows_what_the_check_ins_told(world, client_for):
    """Issue 10: the physiotherapist never saw check-in answers."""
    from patients.services.check_ins import check_in_submit

    patient = with_history(world.physio_a, weeks=6)
    check_in = patient.check_ins.order_by("month_number").first()
    check_in.due_on = TODAY - dt.timedelta(days=1)
    check_in.save(update_fields=["due_on"])
    check_in_submit(
        patient=patient,
        by=patient.user,
        month_number=check_in.month_number,
        today=TODAY,
        any_pain=True,
        onset_date=TODAY - dt.timedelta(days=10),
        lasted_24_hours=True,
        limited_activity=True,
        care_sought=False,
        average_pain=2,
        worst_pain=5,
    )
    page = client_for(world.physio_a).get(reverse("patients:detail", args=[patient.pk]))
    html = page.content.decode()
    assert "Monthly check-ins" in html and "worst 5/10" in html
    assert "Activity-limiting recurrence" in html and "Care-seeking recurrence" not in html
