"""The patient's pages: what they show, what they read (query counts that do not grow), what
they audit, and that nothing of anyone else gets through."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pytest
from django.urls import reverse
from django.utils import timezone

from coaching.models import SessionMode, SessionStatus
from patients.checkins import add_months
from patients.models import AdverseEvent, Patient, Screening, WalkLog
from tests.factories import (
    AdverseEventFactory,
    CoachingSessionFactory,
    EducationTopicFactory,
    WalkLogFactory,
)
from tests.patients.conftest import in_programme
from walkback.audit.models import AuditAction, AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def patient(world):
    return in_programme(world.patient_a, days=40)


def seed_history(patient, *, days: int) -> None:
    """A walk a day (two on Sundays) going back ``days`` days, with pain and a note."""
    today = patient.today()
    rows = []
    for n in range(days + 1):
        day = today - dt.timedelta(days=n)
        rows.append(
            WalkLog(patient=patient, walked_on=day, minutes=20 + n % 15, pain=n % 4, note="steady")
        )
        if day.weekday() == 6:
            rows.append(WalkLog(patient=patient, walked_on=day, minutes=10))
    WalkLog.objects.bulk_create(rows)


def test_home_shows_the_week(client_for, patient):
    week_monday = patient.today() - dt.timedelta(days=patient.today().weekday())
    WalkLogFactory(patient=patient, walked_on=week_monday, minutes=40)
    WalkLogFactory(patient=patient, walked_on=patient.today(), minutes=35)
    WalkLogFactory(
        patient=patient, walked_on=week_monday - dt.timedelta(days=1), minutes=99
    )  # last week
    CoachingSessionFactory(
        patient=patient, number=2, scheduled_at=timezone.now() + dt.timedelta(days=2)
    )
    response = client_for(patient.user).get(reverse("portal:home"))
    page = response.content.decode()
    assert '<span id="minutes-done">75</span> of <span id="minutes-target">150</span>' in page
    assert "<dt>Target</dt><dd>5 walks, 150 minutes" in page
    assert "<dt>Left</dt><dd>3 walks, 75 minutes" in page
    assert "Log a walk" in page
    assert "In person, about 45 minutes, with Anna Alpha" in page
    assert AuditEvent.objects.filter(
        action=AuditAction.READ, patient=patient, detail__view="portal-home"
    ).exists()


def test_home_shows_the_video_link_of_a_video_session(client_for, patient):
    session = CoachingSessionFactory(
        patient=patient, number=3, scheduled_at=timezone.now() + dt.timedelta(hours=1)
    )
    session.mode, session.video_link = SessionMode.VIDEO, "https://video.example.test/room"
    session.save()
    page = client_for(patient.user).get(reverse("portal:home")).content.decode()
    assert 'href="https://video.example.test/room"' in page and "Video call" in page


# Home, named: 1 session, 2 user (with their clinic), 3 has a TOTP device? (middleware),
# 4 patient with user, clinic and physiotherapist, 5 prescriptions, 6 weekly totals (one
# grouped query for the whole history), 7 recent pain (flare-up), 8 check-in answered?, 9 next
# session, 10 the goals and plan agreed at the latest session (issue 10), 11 audit insert,
# 12-13 the outcome questionnaires open now: the clinic's choice and what is answered (issue 15).
HOME_QUERIES = 13
# History: 1-4 as above, 5 prescriptions, 6 weekly totals, 7 audit insert, 8 last 14 days' walks.
HISTORY_QUERIES = 8


@pytest.mark.parametrize(
    ("url", "expected"), [("portal:home", HOME_QUERIES), ("portal:history", HISTORY_QUERIES)]
)
def test_query_count_does_not_grow_with_two_years_of_logs(
    client_for, patient, url, expected, django_assert_num_queries
):
    patient.programme_start = add_months(patient.today(), -1)  # a check-in due today
    patient.save()
    CoachingSessionFactory(
        patient=patient, number=2, scheduled_at=timezone.now() + dt.timedelta(days=2)
    )
    client = client_for(patient.user)
    client.get(reverse(url))  # the session's first-visit write is not part of the page
    with django_assert_num_queries(expected):
        client.get(reverse(url))
    seed_history(patient, days=730)
    assert WalkLog.objects.filter(patient=patient).count() > 800
    with django_assert_num_queries(expected):
        response = client.get(reverse(url))
    assert response.status_code == 200
    if url == "portal:home":
        assert response.context["summary"].check_in_due is not None


def test_history_has_a_chart_and_its_text_alternative(client_for, patient):
    monday = patient.today() - dt.timedelta(days=patient.today().weekday())
    WalkLogFactory(patient=patient, walked_on=monday, minutes=150, pain=3)
    WalkLogFactory(patient=patient, walked_on=monday - dt.timedelta(days=7), minutes=40, pain=5)
    page = client_for(patient.user).get(reverse("portal:history")).content.decode()
    # The staff pages' chart (coaching/charts.py), drawn for a phone.
    assert '<svg class="progress-chart progress-chart-phone"' in page and "chart-target" in page
    assert "chart-bar chart-bar-met" in page
    assert "The same numbers are in the table below." in page
    # The table holds every week's minutes, target, walks and pain.
    assert '<td role="cell" data-label="Minutes">150 <span class="met">reached</span></td>' in page
    assert '<td role="cell" data-label="Minutes">40</td>' in page


def test_history_week_lists_that_weeks_walks(client_for, patient):
    monday = patient.today() - dt.timedelta(days=patient.today().weekday() + 7)
    WalkLogFactory(
        patient=patient, walked_on=monday + dt.timedelta(days=2), minutes=41, note="by the river"
    )
    client = client_for(patient.user)
    page = client.get(reverse("portal:history-week", args=[monday.isoformat()])).content.decode()
    assert "41 minutes" in page and "by the river" in page
    for bad in ("1999-01-04", "not-a-date", (monday + dt.timedelta(days=1)).isoformat()):
        assert client.get(reverse("portal:history-week", args=[bad])).status_code == 404


def test_learn_shows_only_the_patients_own_session_topics(client_for, world, patient):
    covered = EducationTopicFactory(clinic=patient.clinic, title="Why walking helps")
    coming = EducationTopicFactory(clinic=patient.clinic, title="Keeping going after six months")
    other = EducationTopicFactory(clinic=patient.clinic, title="Someone else's topic")
    zebra = EducationTopicFactory(clinic=world.clinic_b, title="Zebracorn secrets")
    CoachingSessionFactory(
        patient=patient,
        number=1,
        status=SessionStatus.DONE,
        topics=[covered],
        scheduled_at=timezone.now() - dt.timedelta(days=20),
    )
    CoachingSessionFactory(patient=patient, number=3, topics=[coming])
    CoachingSessionFactory(patient=world.patient_a2, number=1, topics=[other])
    CoachingSessionFactory(patient=world.patient_b, number=1, topics=[zebra])
    client = client_for(patient.user)
    page = client.get(reverse("portal:learn")).content.decode()
    assert "Why walking helps" in page and "Covered in session 1" in page
    assert "Keeping going after six months" in page and "Coming up in session 3" in page
    assert "Someone else" not in page and "Zebracorn" not in page
    assert "What to do in a flare-up" in page
    assert client.get(reverse("portal:learn-topic", args=[covered.slug])).status_code == 200
    for topic in (other, zebra):
        assert client.get(reverse("portal:learn-topic", args=[topic.slug])).status_code == 404


def test_flare_up_page_follows_the_protocol(client_for, patient):
    page = client_for(patient.user).get(reverse("portal:flare-up")).content.decode()
    for words in ("Walk less that day", "Keep moving", "Carry on when you can",
                  "When to contact your physiotherapist", "Anna Alpha"):  # fmt: skip
        assert words in page


def test_reporting_a_problem_flags_the_patient(client_for, patient):
    client = client_for(patient.user)
    response = client.post(
        reverse("portal:problem"),
        {
            "occurred_on": patient.today().isoformat(),
            "body_region": "knee",
            "severity": "moderate",
            "related_to_walking": "yes",
            "description": "Sore after hills",
        },
    )
    assert response.status_code == 302
    event = AdverseEvent.objects.get(patient=patient)
    assert (event.body_region, event.severity, event.reviewed_at) == ("knee", "moderate", None)
    from coaching.selectors import adverse_events_open
    from patients.selectors import patients_for

    assert adverse_events_open(patients_for(patient.physiotherapist)) == {patient.pk: 1}
    assert AuditEvent.objects.filter(action=AuditAction.CREATE, object_id=str(event.pk)).exists()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"occurred_on": "tomorrow"}, "occurred_on"),
        ({"occurred_on": "FUTURE"}, "occurred_on"),
        ({"body_region": "spleen"}, "body_region"),
        ({"severity": ""}, "severity"),
        ({"description": "x" * 1001}, "description"),
    ],
)
def test_a_bad_problem_report_saves_nothing(client_for, patient, changes, field):
    data = {"occurred_on": patient.today().isoformat(), "body_region": "knee",
            "severity": "mild", "related_to_walking": "unsure"} | changes  # fmt: skip
    if data["occurred_on"] == "FUTURE":
        data["occurred_on"] = (patient.today() + dt.timedelta(days=2)).isoformat()
    response = client_for(patient.user).post(reverse("portal:problem"), data)
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not AdverseEvent.objects.exists()


def test_reminder_preferences(client_for, patient):
    client = client_for(patient.user)
    response = client.post(
        reverse("portal:reminders"),
        {
            "reminders_by_email": "on",
            "reminder_channels": ["email"],  # the page's e-mail box, ticked (issue 13)
            "reminder_days": ["0", "3"],
            "reminder_time": "07:30",
        },
    )
    assert response.status_code == 302
    patient.refresh_from_db()
    assert (patient.reminder_days, patient.reminder_time) == ([0, 3], dt.time(7, 30))
    assert "Monday, Thursday at 7:30 AM" in client.get(reverse("portal:my-data")).content.decode()
    # Off, with a pause date:
    pause = patient.today() + dt.timedelta(days=10)
    client.post(reverse("portal:reminders"), {"reminders_paused_until": pause.isoformat()})
    patient.refresh_from_db()
    assert (patient.reminders_by_email, patient.reminder_days) == (False, [])
    assert patient.reminders_paused_until == pause


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"reminders_by_email": "on", "reminder_days": ["1"]}, "reminder_time"),
        ({"reminder_days": ["1", "5"]}, "reminder_time"),
        ({"reminder_days": ["9"]}, "reminder_days"),
        ({"reminder_time": "25:99"}, "reminder_time"),
        ({"reminders_paused_until": "2001-01-01"}, "reminders_paused_until"),
        ({"reminders_paused_until": "2999-01-01"}, "reminders_paused_until"),
    ],
)
def test_bad_reminder_preferences_save_nothing(client_for, patient, data, field):
    before = Patient.objects.values().get(pk=patient.pk)
    response = client_for(patient.user).post(reverse("portal:reminders"), data)
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert Patient.objects.values().get(pk=patient.pk) == before


def test_own_data_download_holds_everything_and_nothing_of_anyone_else(client_for, world, patient):
    mine = WalkLogFactory(patient=patient, minutes=42, note="SENTINEL-MINE")
    WalkLogFactory(patient=world.patient_a2, minutes=43, note="SENTINEL-A2")
    WalkLogFactory(patient=world.patient_b, minutes=44, note="Zebracorn walk")
    CoachingSessionFactory(patient=patient, number=1)
    AdverseEventFactory(
        patient=patient,
        occurred_on=patient.today(),
        body_region="hip",
        severity="mild",
        related_to_walking="no",
    )
    AdverseEventFactory(
        patient=world.patient_b,
        occurred_on=world.patient_b.today(),
        body_region="hip",
        severity="mild",
        related_to_walking="no",
        description="Zebracorn hip",
    )
    client = client_for(patient.user)
    client.get(reverse("portal:home"))  # an access-log line to export

    response = client.get(reverse("portal:data-json"))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="walkback-my-data-')
    data = json.loads(response.content)
    assert data["account"]["email"] == "patient.a@example.test"
    assert data["patient"]["programme_start"] == patient.programme_start.isoformat()
    assert data["patient"]["physiotherapist"] == "Anna Alpha"
    assert [w["note"] for w in data["walks"]] == ["SENTINEL-MINE"]
    assert data["walks"][0]["id"] == mine.pk
    assert len(data["prescriptions"]) == 1 and len(data["coaching_sessions"]) == 1
    assert len(data["adverse_events"]) == 1
    assert any(line["page"] == "portal-home" for line in data["access_log"])
    text = response.content.decode()
    for leak in ("SENTINEL-A2", "Zebracorn", "password", "argon2"):
        assert leak not in text

    response = client.get(reverse("portal:data-csv"))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert response.content.startswith("\ufeff".encode())  # Excel keeps accents
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == ["section", "record", "field", "value"]
    # Coded values in the words the screens use, in both downloads.
    assert ["patient", "1", "status", "In programme"] in rows
    assert data["patient"]["status"] == "In programme"
    assert ["walks", "1", "note", "SENTINEL-MINE"] in rows
    assert ["walks", "1", "minutes", "42"] in rows
    assert "Zebracorn" not in response.content.decode()
    exports = AuditEvent.objects.filter(action=AuditAction.EXPORT, patient=patient)
    assert sorted(e.detail["format"] for e in exports) == ["csv", "json"]


def test_csv_export_neutralises_spreadsheet_formulas(client_for, patient):
    WalkLogFactory(patient=patient, minutes=20, note='=HYPERLINK("http://evil")')
    rows = list(
        csv.reader(
            io.StringIO(
                client_for(patient.user).get(reverse("portal:data-csv")).content.decode("utf-8-sig")
            )
        )
    )
    notes = [row[3] for row in rows if row[0] == "walks" and row[2] == "note"]
    assert notes == ['\'=HYPERLINK("http://evil")']


def test_csv_export_guards_list_values_too(client_for, patient):
    Screening.objects.update_or_create(
        patient=patient, defaults={"other_conditions": ['=HYPERLINK("http://evil")', "asthma"]}
    )
    rows = list(csv.reader(io.StringIO(
        client_for(patient.user).get(reverse("portal:data-csv")).content.decode("utf-8-sig")
    )))  # fmt: skip
    (conditions,) = [row[3] for row in rows if row[:3] == ["screening", "1", "other_conditions"]]
    assert conditions == '\'=HYPERLINK("http://evil"), asthma'


PORTAL_PAGES = ["portal:home", "portal:walk-new", "portal:history", "portal:learn",
                "portal:flare-up", "portal:check-in", "portal:problem", "portal:my-data",
                "portal:reminders"]  # fmt: skip


@pytest.mark.parametrize("name", PORTAL_PAGES)
def test_no_page_shows_another_clinic(client_for, world, name):
    WalkLogFactory(patient=world.patient_b, minutes=44, note="Zebracorn walk")
    page = client_for(world.patient_a.user).get(reverse(name)).content.decode()
    assert "Zebracorn" not in page


@pytest.mark.parametrize("name", PORTAL_PAGES)
def test_pages_use_no_inline_styles_or_scripts(client_for, patient, name):
    page = client_for(patient.user).get(reverse(name)).content.decode()
    assert " style=" not in page
    assert "<script>" not in page and "<script " not in page.replace('<script src="', "")


def test_a_patient_cannot_change_their_target_or_clinic_through_the_forms(
    client_for, world, patient
):
    """Field-level rules (docs/security.md#access, row 4): fields the forms do not have are
    ignored."""
    client = client_for(patient.user)
    forbidden = {"goal_walks_per_week": "14", "clinic": str(world.clinic_b.pk),
                 "physiotherapist": str(world.physio_b.pk), "status": "discharged",
                 "programme_start": "2000-01-01", "patient": str(world.patient_b.pk)}  # fmt: skip
    before = Patient.objects.values().get(pk=patient.pk)
    client.post(
        reverse("portal:reminders"),
        {
            "reminders_by_email": "on",
            "reminder_channels": ["email"],
            "reminder_days": ["2"],
            "reminder_time": "08:00",
        }
        | forbidden,
    )
    client.post(
        reverse("portal:walk-new"), {"walked_on": patient.today(), "minutes": "20"} | forbidden
    )
    after = Patient.objects.values().get(pk=patient.pk)
    changed = {k for k in after if after[k] != before[k]}
    assert changed == {"reminder_days", "reminder_time", "updated_at"}
    assert WalkLog.objects.get().patient_id == patient.pk
    assert patient.prescriptions.get().walks_per_week == 5


def test_learn_query_count_does_not_grow_with_topics(client_for, patient):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(patient.user)
    client.get(reverse("portal:learn"))  # the session's first-visit write is not the page's
    counts = []
    for extra in (1, 8):
        topics = [EducationTopicFactory(clinic=patient.clinic) for _ in range(extra)]
        CoachingSessionFactory(patient=patient, number=len(counts) + 1, topics=topics)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("portal:learn")).status_code == 200
        counts.append(len(queries))
    # session, user (with clinic), OTP device, the patient (scoped), the session topics, their
    # sessions (prefetch), the audit row = 7, with 1 topic or 9.
    assert counts == [LEARN_QUERIES, LEARN_QUERIES]


LEARN_QUERIES = 7


def test_home_shows_the_goals_and_plan_agreed_at_the_latest_session(client_for, patient):
    """Issue 10: the patient never saw their goals or action plan."""
    from coaching.models import SessionStatus
    from tests.factories import CoachingSessionFactory

    CoachingSessionFactory(
        patient=patient,
        number=1,
        status=SessionStatus.DONE,
        goals="Walk to the park three times a week",
        action_plan="After breakfast, with my neighbour",
    )
    page = client_for(patient.user).get(reverse("portal:home")).content.decode()
    assert "What you agreed at session 1" in page
    assert "Walk to the park three times a week" in page and "with my neighbour" in page
