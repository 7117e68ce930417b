"""No typed work lost at the idle timeout (docs/security.md#sessions-and-drafts): a form sent
after it is kept on the server for its author, who logs in again and is brought back to the
same page with what they typed, not yet saved. Through the whole middleware stack, with real
logins (password and second factor) and Django's CSRF checks on."""

from __future__ import annotations

import re
import time

import pytest
import time_machine
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from patients.models import WalkLog
from tests.factories import PASSWORD, CoachingSessionFactory
from walkback.accounts.middleware import DRAFT_URL_NAMES
from walkback.accounts.models import KeptDraft
from walkback.audit.models import AuditEvent

pytestmark = pytest.mark.django_db

STAFF_LIMIT = settings.STAFF_IDLE_TIMEOUT_SECONDS
PATIENT_LIMIT = settings.PATIENT_IDLE_TIMEOUT_SECONDS
NOTE = "Walked to the shops twice; knee grumbled on the hill"


def _csrf(response) -> str:
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', response.content.decode())
    assert match, "the page has a form with a CSRF token"
    return match.group(1)


def _code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def _log_in(client: Client, user, *, next_url: str = "", device=None):
    """The login form as a person fills it in, then the second factor when asked."""
    login_url = reverse("accounts:login") + (f"?next={next_url}" if next_url else "")
    page = client.get(login_url)
    response = client.post(
        login_url,
        {
            "username": user.email,
            "password": PASSWORD,
            "next": next_url,
            "csrfmiddlewaretoken": _csrf(page),
        },
    )
    assert response.status_code == 302, response.content[:500]
    location = response["Location"]
    if device is not None:
        response = client.get(location)
        assert response["Location"].startswith(reverse("accounts:otp-verify"))
        page = client.get(response["Location"])
        response = client.post(
            response["Location"],
            {"token": _code(device), "next": next_url, "csrfmiddlewaretoken": _csrf(page)},
        )
        assert response.status_code == 302
        location = response["Location"]
    return location


def test_a_session_record_sent_after_the_timeout_comes_back_after_login(world):
    physio = world.physio_a
    device = TOTPDevice.objects.create(user=physio, name="phone", confirmed=True)
    session = CoachingSessionFactory(patient=world.patient_a)
    page_url = reverse("coaching:session-detail", args=[session.pk])
    client = Client(enforce_csrf_checks=True)
    start = time.time()
    with time_machine.travel(start, tick=False):
        _log_in(client, physio, device=device)
        page = client.get(page_url)
        assert page.status_code == 200
        token = _csrf(page)

    # Sixteen minutes of typing later, the physiotherapist presses Save.
    with time_machine.travel(start + STAFF_LIMIT + 60, tick=False):
        response = client.post(
            page_url,
            {
                "csrfmiddlewaretoken": token,
                "goals": "Walk 20 minutes, 4 days a week",
                "barriers": "Night shifts",
                "action_plan": "Walk after breakfast",
                "confidence": "7",
                "notes": NOTE,
            },
        )
        assert response.status_code == 302
        assert response["Location"] == f"{reverse('accounts:login')}?next={page_url}"
        session.refresh_from_db()
        assert session.notes == "" and session.goals == ""  # nothing saved yet
        draft = KeptDraft.objects.get(user=physio)
        assert draft.path == page_url and draft.data["notes"] == [NOTE]
        assert "csrfmiddlewaretoken" not in draft.data
        login_page = client.get(response["Location"])
        assert "What you typed is kept" in login_page.content.decode()

        # Logging in again (password and code) leads back to the same page...
        location = _log_in(client, physio, next_url=page_url, device=device)
        assert location == page_url
        page = client.get(page_url)
        body = page.content.decode()
        # ...with what was typed in the form, and a word about it; still not saved.
        assert NOTE in body and "Night shifts" in body and "Walk after breakfast" in body
        assert "Here is what you typed before you were logged out" in body
        session.refresh_from_db()
        assert session.notes == ""
        assert not KeptDraft.objects.exists()  # given back once, then gone
        events = AuditEvent.objects.filter(detail__event__startswith="draft_")
        assert sorted(e.detail["event"] for e in events) == ["draft_kept", "draft_returned"]
        assert all(NOTE not in str(e.detail) for e in events)

        # Pressing Save now saves it.
        response = client.post(
            page_url,
            {
                "csrfmiddlewaretoken": _csrf(page),
                "goals": "Walk 20 minutes, 4 days a week",
                "barriers": "Night shifts",
                "action_plan": "Walk after breakfast",
                "confidence": "7",
                "notes": NOTE,
            },
        )
        assert response.status_code == 302 and response["Location"] == page_url
        session.refresh_from_db()
        assert session.notes == NOTE

        # A reload afterwards shows the saved record, not the draft again.
        assert "Here is what you typed" not in client.get(page_url).content.decode()


def test_a_patients_walk_sent_after_the_timeout_is_given_back_not_saved(world):
    user = world.patient_a.user
    client = Client(enforce_csrf_checks=True)
    url = reverse("portal:walk-new")
    start = time.time()
    with time_machine.travel(start, tick=False):
        _log_in(client, user)
        page = client.get(url)
        form = {
            "csrfmiddlewaretoken": _csrf(page),
            "submission_token": re.search(
                r'name="submission_token" value="([^"]+)"', page.content.decode()
            ).group(1),
            "walked_on": world.patient_a.today().isoformat(),
            "minutes": "35",
            "pain": "3",
            "note": "Round the park with Sam",
        }
    with time_machine.travel(start + PATIENT_LIMIT + 60, tick=False):
        response = client.post(url, form)
        assert response["Location"] == f"{reverse('accounts:login')}?next={url}"
        assert not WalkLog.objects.filter(patient=world.patient_a, minutes=35).exists()
        assert _log_in(client, user, next_url=url) == url
        body = client.get(url).content.decode()
        assert 'value="35"' in body and "Round the park with Sam" in body
        assert not WalkLog.objects.filter(patient=world.patient_a, minutes=35).exists()


def test_a_draft_is_given_back_only_to_its_author(world):
    """Another person logging in on the same browser sees an empty form, and the draft stays
    for its author until it expires."""
    user = world.patient_a.user
    client = Client(enforce_csrf_checks=True)
    url = reverse("portal:problem")
    start = time.time()
    with time_machine.travel(start, tick=False):
        _log_in(client, user)
        token = _csrf(client.get(url))
    with time_machine.travel(start + PATIENT_LIMIT + 60, tick=False):
        client.post(url, {"csrfmiddlewaretoken": token, "description": "Sore heel since Friday"})
        assert KeptDraft.objects.filter(user=user).count() == 1
        other = world.patient_a2.user
        assert _log_in(client, other, next_url=url) == url
        body = client.get(url).content.decode()
        assert "Sore heel since Friday" not in body
        assert KeptDraft.objects.filter(user=user).count() == 1


def test_an_expired_draft_is_not_given_back(world):
    user = world.patient_a.user
    client = Client(enforce_csrf_checks=True)
    url = reverse("portal:problem")
    start = time.time()
    with time_machine.travel(start, tick=False):
        _log_in(client, user)
        token = _csrf(client.get(url))
    with time_machine.travel(start + PATIENT_LIMIT + 60, tick=False):
        client.post(url, {"csrfmiddlewaretoken": token, "description": "Sore heel since Friday"})
    later = start + PATIENT_LIMIT + 60 + settings.KEPT_DRAFT_SECONDS + 1
    with time_machine.travel(later, tick=False):
        assert _log_in(client, user, next_url=url) == url
        body = client.get(url).content.decode()
        assert "Sore heel since Friday" not in body
        assert "no longer kept" in body


def test_a_form_from_another_site_is_not_kept(world):
    """Without the CSRF token (a form posted from another site), nothing is kept."""
    user = world.patient_a.user
    client = Client(enforce_csrf_checks=True)
    start = time.time()
    with time_machine.travel(start, tick=False):
        _log_in(client, user)
        client.get(reverse("portal:home"))
    with time_machine.travel(start + PATIENT_LIMIT + 60, tick=False):
        response = client.post(reverse("portal:problem"), {"description": "Planted words"})
        assert response.status_code == 302
        assert not KeptDraft.objects.exists()


def test_a_get_after_the_timeout_returns_to_the_page_after_login(world):
    user = world.patient_a.user
    client = Client(enforce_csrf_checks=True)
    start = time.time()
    with time_machine.travel(start, tick=False):
        _log_in(client, user)
        client.get(reverse("portal:home"))
    with time_machine.travel(start + PATIENT_LIMIT + 60, tick=False):
        response = client.get(reverse("portal:history"))
        assert response["Location"] == (
            f"{reverse('accounts:login')}?next={reverse('portal:history')}"
        )


@pytest.mark.parametrize("name", sorted(DRAFT_URL_NAMES))
def test_every_page_that_takes_drafts_saves_nothing_when_given_one_back(name, world):
    """The rule KeptDraftMiddleware relies on: these views bind the form to the data but save
    only on a POST. Given back everything a valid form would hold, they save nothing."""
    from tests.factories import WalkLogFactory
    from walkback.accounts.sessions import DRAFT_SESSION_KEY, draft_keep
    from walkback.audit.models import AuditAction
    from walkback.demo.bench.support import log_in

    patient = world.patient_a
    session = CoachingSessionFactory(patient=patient)
    walk = WalkLogFactory(patient=patient, minutes=20)
    staff = name.startswith("coaching:")
    user = world.physio_a if staff else patient.user
    kwargs = {"pk": session.pk} if staff else {"pk": walk.pk} if name == "portal:walk-edit" else {}
    url = reverse(name, kwargs=kwargs)
    client = log_in(Client(), user)
    from django.http import QueryDict

    data = QueryDict(mutable=True)
    data.update(
        {
            "goals": "g",
            "notes": "n",
            "walked_on": patient.today().isoformat(),
            "minutes": "45",
            "pain": "2",
            "description": "d",
            "occurred_on": patient.today().isoformat(),
            "walk_reminders": "on",
            "back_pain": "no",
        }
    )
    draft = draft_keep(user=user, path=url, page=name, post=data)
    store = client.session
    store[DRAFT_SESSION_KEY] = {"id": draft.pk, "path": url}
    store.save()
    before = AuditEvent.objects.exclude(action=AuditAction.READ).count()
    response = client.get(url)
    assert response.status_code == 200
    assert not KeptDraft.objects.exists()
    # The only writes were the draft's own give-back row: no walk, record or answer saved.
    writes = AuditEvent.objects.exclude(action=AuditAction.READ)
    assert writes.count() == before + 1
    assert writes.order_by("-pk").first().detail == {"event": "draft_returned"}
    walk.refresh_from_db()
    assert walk.minutes == 20
    session.refresh_from_db()
    assert session.notes == ""


def test_the_hourly_purge_deletes_drafts_and_phones_past_their_time(world):
    import datetime as dt

    from django.http import QueryDict
    from django.utils import timezone

    from walkback.accounts.models import DeviceSession
    from walkback.accounts.sessions import draft_keep
    from walkback.accounts.tasks import sessions_purge_task

    user = world.patient_a.user
    old = draft_keep(user=user, path="/me/problem/", page="portal:problem", post=QueryDict("a=1"))
    fresh = draft_keep(user=user, path="/me/walks/new/", page="portal:walk-new", post=QueryDict())
    now = timezone.now()
    gone_phone = DeviceSession.objects.create(
        user=user, label="Old phone", last_used_at=now, expires_at=now + dt.timedelta(days=1)
    )
    kept_phone = DeviceSession.objects.create(
        user=user, label="New phone", last_used_at=now, expires_at=now + dt.timedelta(days=30)
    )
    later = time.time() + settings.KEPT_DRAFT_SECONDS + 60
    with time_machine.travel(later, tick=False):
        KeptDraft.objects.filter(pk=fresh.pk).update(
            expires_at=timezone.now() + dt.timedelta(hours=1)
        )
        DeviceSession.objects.filter(pk=gone_phone.pk).update(expires_at=timezone.now())
        assert sessions_purge_task.apply().get() == 2
    assert list(KeptDraft.objects.values_list("pk", flat=True)) == [fresh.pk]
    assert list(DeviceSession.objects.values_list("pk", flat=True)) == [kept_phone.pk]
    assert not KeptDraft.objects.filter(pk=old.pk).exists()


def test_stay_signed_in_extends_the_idle_timeout(world, client_for):
    """The warning's button (static/walkback/session.js posts it and reads the JSON; without
    JavaScript the form goes back to the page)."""
    page = reverse("coaching:caseload")
    start = time.time()
    with time_machine.travel(start, tick=False):
        client = client_for(world.physio_a)
        body = client.get(page).content.decode()
        # The page carries the warning, hidden until the script shows it.
        assert 'id="idle-warning"' in body and f'data-seconds-left="{STAFF_LIMIT}"' in body
        assert "/static/walkback/session.js" in body
    with time_machine.travel(start + STAFF_LIMIT - 30, tick=False):
        response = client.post(reverse("accounts:session-extend"), HTTP_ACCEPT="application/json")
        assert response.json() == {"seconds_left": STAFF_LIMIT}
    with time_machine.travel(start + 2 * STAFF_LIMIT - 60, tick=False):
        response = client.post(reverse("accounts:session-extend"), {"next": page})
        assert response["Location"] == page
    with time_machine.travel(start + 3 * STAFF_LIMIT - 90, tick=False):
        assert client.get(page).status_code == 200
    with time_machine.travel(start + 4 * STAFF_LIMIT, tick=False):
        assert client.get(page)["Location"].startswith(reverse("accounts:login"))


def test_a_kept_phone_gets_no_idle_warning(world):
    client = Client()
    client.post(
        reverse("accounts:login"),
        {"username": world.patient_a.user.email, "password": PASSWORD, "keep_signed_in": "on"},
    )
    assert 'id="idle-warning"' not in client.get(reverse("portal:home")).content.decode()
