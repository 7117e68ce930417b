"""The maintained caseload rows (coaching.models.CaseloadRow): written with every change, kept
in step with the clock by the periodic refresh, checked against a recomputation from scratch,
and read by the caseload in a number of queries that does not grow with it."""

from __future__ import annotations

import datetime as dt
import io
import zoneinfo

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.urls import reverse

from coaching import services
from coaching.models import CaseloadRow, CoachingSession, SessionStatus
from coaching.services import adverse_events
from coaching.status import statuses_check
from coaching.tasks import caseload_rows_refresh_task
from patients.models import Patient, PatientStatus
from patients.services import check_ins, walks
from patients.services.assignment import patient_reassign
from patients.services.enrolment import patient_invite, patient_update
from tests.coaching.helpers import screened, started
from tests.factories import PatientFactory
from walkback.audit.models import AuditAction
from walkback.audit.services import audit_record

pytestmark = pytest.mark.django_db

SYDNEY = zoneinfo.ZoneInfo("Australia/Sydney")
NOW = dt.datetime(2026, 3, 13, 2, 0, tzinfo=dt.UTC)  # Friday 13:00 in Sydney
TODAY = dt.date(2026, 3, 13)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def row_of(patient) -> CaseloadRow:
    return CaseloadRow.objects.get(patient=patient)


def test_every_service_write_keeps_the_rows_equal_to_a_recomputation(world, frozen):
    physio, patient_user = world.physio_a, None
    invited = patient_invite(
        by=physio, email="new@example.test", full_name="Nina New", time_zone="Australia/Sydney"
    )
    assert row_of(invited).flags == [["screening_incomplete", ""]]
    screened(invited, physio)
    services.programme_start(patient=invited, start_on=TODAY, by=physio)
    assert row_of(invited).status == PatientStatus.ACTIVE
    services.prescription_set(
        patient=invited,
        walks_per_week=3,
        minutes_per_walk=20,
        effective_from=TODAY,
        rationale="Start",
        by=physio,
    )
    patient_user = invited.user
    walk, _ = walks.walk_log(patient=invited, by=patient_user, walked_on=TODAY, minutes=30, pain=3)
    assert (row_of(invited).week_minutes, row_of(invited).last_walk_on) == (30, TODAY)
    walks.walk_update(walk=walk, by=patient_user, walked_on=TODAY, minutes=45, pain=3)
    assert row_of(invited).week_minutes == 45
    other, _ = walks.walk_log(patient=invited, by=patient_user, walked_on=TODAY, minutes=10)
    walks.walk_delete(walk=other, by=patient_user)
    event = adverse_events.adverse_event_report(
        patient=invited,
        by=patient_user,
        occurred_on=TODAY,
        body_region="knee",
        severity="mild",
        related_to_walking="yes",
    )
    assert row_of(invited).flags[0][0] == "adverse_event"
    services.adverse_event_mark_reviewed(event=event, by=physio)
    assert "adverse_event" not in [code for code, _ in row_of(invited).flags]
    session = CoachingSession.objects.get(patient=invited, number=1)
    services.session_set_status(session=session, status=SessionStatus.DONE, by=physio)
    second = CoachingSession.objects.get(patient=invited, number=2)
    services.session_set_status(session=second, status=SessionStatus.CANCELLED, by=physio)
    services.session_rebook(session=second, scheduled_at=NOW + dt.timedelta(days=3), by=physio)
    assert row_of(invited).next_session_at == NOW + dt.timedelta(days=3)
    check_ins.check_ins_plan(patient=invited)
    patient_reassign(patient=invited, physiotherapist=world.physio_a2, by=world.admin_a)
    assert row_of(invited).physiotherapist_id == world.physio_a2.pk
    patient_update(patient=invited, by=world.physio_a2, full_name="Nina Renamed")
    assert row_of(invited).sort_name == "renamed nina renamed"  # family name first
    assert row_of(invited).search_name == "nina renamed"
    patient_update(patient=invited, by=world.physio_a2, status=PatientStatus.DISCHARGED)
    assert row_of(invited).current is False and row_of(invited).flags == []
    assert statuses_check() == {}
    call_command("caseload_check", stdout=io.StringIO())  # exits 0


def test_a_simulated_week_of_clock_changes_and_the_periodic_refresh(world, frozen):
    physio = world.physio_a
    walker = started(physio, start_on=TODAY - dt.timedelta(days=30))
    services.prescription_set(
        patient=walker,
        walks_per_week=3,
        minutes_per_walk=20,
        effective_from=TODAY - dt.timedelta(days=30),
        rationale="Start",
        by=physio,
    )
    walks.walk_log(patient=walker, by=walker.user, walked_on=TODAY, minutes=30, pain=2)
    # A patient in another zone, whose day ends at another time.
    london = started(physio, start_on=TODAY - dt.timedelta(days=3), time_zone="Europe/London")
    screening = PatientFactory(
        clinic=world.clinic_a, physiotherapist=physio, status=PatientStatus.SCREENING
    )
    # A session that will fall overdue during the week, nobody marking it.
    CoachingSession.objects.filter(patient=london, number=1).update(
        scheduled_at=NOW + dt.timedelta(hours=5)
    )
    services.caseload_rows_refresh(patient_ids=[london.pk, walker.pk, screening.pk])
    assert statuses_check() == {}
    seen_flags = set()
    for _ in range(7 * 8):  # every three hours for a week
        frozen.shift(dt.timedelta(hours=3))
        caseload_rows_refresh_task()
        assert statuses_check() == {}
        seen_flags |= {code for row in CaseloadRow.objects.all() for code, _ in row.flags}
    # The clock raised flags on its own: the session fell overdue, the walker stopped logging.
    assert {"session_overdue", "no_recent_log"} <= seen_flags
    # Monday came: this week's minutes start again at zero.
    assert row_of(walker).week_minutes == 0 and row_of(walker).week_monday > TODAY


def test_the_check_reports_a_row_that_differs_and_exits_non_zero(world, frozen):
    CaseloadRow.objects.filter(patient=world.patient_a).update(week_minutes=999)
    PatientFactory(clinic=world.clinic_a)
    CaseloadRow.objects.filter(patient__user__full_name="Peter Alpha").delete()
    differing = statuses_check()
    assert differing[world.patient_a.pk] == ["week_minutes"]
    assert differing[world.patient_a2.pk][0] == "clinic_id"  # the missing row: every field
    out = io.StringIO()
    with pytest.raises(CommandError, match="2 caseload rows differ"):
        call_command("caseload_check", "--fix", stdout=out)
    assert f"patient {world.patient_a.pk}: week_minutes" in out.getvalue()
    call_command("caseload_check", stdout=io.StringIO())  # fixed


def test_the_refresh_writes_nothing_when_nothing_changed(world, frozen, django_assert_num_queries):
    ids = list(Patient.objects.values_list("pk", flat=True))
    assert services.caseload_rows_refresh(patient_ids=ids) == 0
    # A savepoint, the lock, the facts, the weekly totals, the prescriptions, the stored rows,
    # the savepoint released: no write.
    with django_assert_num_queries(7):
        services.caseload_rows_refresh(patient_ids=ids)


def test_the_periodic_refresh_creates_missing_rows(world, frozen):
    CaseloadRow.objects.all().delete()
    assert caseload_rows_refresh_task() == Patient.objects.count()
    assert statuses_check() == {}


def test_the_audit_trail_has_no_side_effect_on_pages(world, frozen, django_assert_num_queries):
    # audit_record writes its row and nothing else (no cache, no on-commit hook).
    with django_assert_num_queries(1):
        audit_record(actor=world.physio_a, action=AuditAction.UPDATE, patient=world.patient_a)


# --- The caseload reads the rows ---------------------------------------------------------------

# session, user (clinic joined), OTP device, the counts, the page of rows, the audit row
CASELOAD_QUERIES = 6


@pytest.mark.parametrize(
    "params",
    [
        {"scope": "all"},
        {"scope": "all", "sort": "name"},
        {"scope": "all", "flag": "no_recent_log"},
        {"sort": "next_session"},
        {"sort": "week", "page": "2"},
    ],
)
def test_the_caseload_query_count_is_the_same_at_3_and_30_patients(
    world, client_for, frozen, django_assert_num_queries, params
):
    client = client_for(world.physio_a)
    client.get(reverse("coaching:caseload"))  # settle the session
    counts = []
    for size in (3, 30):
        while CaseloadRow.objects.filter(clinic=world.clinic_a).count() < size:
            PatientFactory(
                clinic=world.clinic_a,
                physiotherapist=world.physio_a,
                programme_start=TODAY - dt.timedelta(days=30),
            )
        with django_assert_num_queries(CASELOAD_QUERIES):
            response = client.get(reverse("coaching:caseload"), params)
        assert response.status_code == 200
        counts.append(response.context["shown"])
    assert counts[1] > counts[0]


def test_the_caseload_sorts_by_attention_in_sql(world, client_for, frozen):
    quiet = started(world.physio_a, start_on=TODAY)
    idle = started(world.physio_a, start_on=TODAY - dt.timedelta(days=30))
    adverse_events.adverse_event_report(
        patient=quiet,
        by=quiet.user,
        occurred_on=TODAY,
        body_region="knee",
        severity="mild",
        related_to_walking="yes",
    )
    page = client_for(world.physio_a).get(reverse("coaching:caseload")).context["page"]
    codes = [[flag.code for flag in entry.flags] for entry in page]
    assert codes[0][0] == "adverse_event" and [e.patient for e in page][0] == quiet
    assert "no_recent_log" in codes[1] and page[1].patient == idle
    ranks = [entry.row.attention for entry in page]
    assert ranks == sorted(ranks)


def test_the_pager_shows_a_bounded_window_of_pages(world, client_for, frozen, monkeypatch):
    monkeypatch.setattr("coaching.selectors.CASELOAD_PAGE_SIZE", 1)
    for _ in range(29):
        PatientFactory(clinic=world.clinic_a, physiotherapist=world.physio_a)
    response = client_for(world.physio_a).get(reverse("coaching:caseload"), {"page": 15})
    html = response.content.decode()
    links = [n for n in response.context["page_links"] if isinstance(n, int)]
    assert links == [1, 13, 14, 15, 16, 17, 30]
    assert html.count('class="page-link"') == len(links) + 2 + 2  # two "…", previous, next
    assert 'aria-current="page">15<' in html
