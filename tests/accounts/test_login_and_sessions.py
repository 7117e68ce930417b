from __future__ import annotations

import re
import time

import pytest
import time_machine
from django.contrib.sessions.models import Session
from django.core import mail
from django.urls import reverse

from patients.services.assignment import patient_reassign
from tests.factories import PASSWORD, UserFactory
from walkback.accounts.models import Role


def _login(client, email, password=PASSWORD, ip="10.0.0.1"):
    return client.post(
        reverse("accounts:login"), {"username": email, "password": password}, REMOTE_ADDR=ip
    )


@pytest.mark.django_db
def test_each_role_lands_on_its_own_home(world, client_for):
    expected = {
        world.admin_a: reverse("clinic:home"),
        world.physio_a: reverse("coaching:caseload"),
        world.patient_a.user: reverse("portal:home"),
    }
    for user, home in expected.items():
        response = client_for(user).get("/")
        assert response.status_code == 302 and response["Location"] == home


@pytest.mark.django_db
def test_login_gives_a_fresh_session_id_and_logout_ends_it_on_the_server(world, client):
    client.get(reverse("accounts:login"))
    client.session.save()
    before = client.session.session_key
    response = _login(client, world.patient_a.user.email)
    assert response.status_code == 302
    after = client.cookies["sessionid"].value
    assert after != before
    assert Session.objects.filter(session_key=after).exists()

    client.post(reverse("accounts:logout"))
    assert not Session.objects.filter(session_key=after).exists()
    # Replaying the old cookie gets the login page.
    client.cookies["sessionid"] = after
    response = client.get(reverse("portal:home"))
    assert response.status_code == 302 and response["Location"].startswith(
        reverse("accounts:login")
    )


@pytest.mark.django_db
def test_wrong_password_says_so_plainly(world, client):
    response = _login(client, world.patient_a.user.email, password="wrong-password")
    assert response.status_code == 200
    assert "do not match an account" in response.content.decode()


@pytest.mark.django_db
def test_deactivated_users_cannot_log_in_and_their_sessions_end(world, client, client_for):
    patient_client = client_for(world.physio_a2)
    admin = client_for(world.admin_a)
    # Nobody may be left without a physiotherapist: Abe's patient moves first (issue 11).
    patient_reassign(patient=world.patient_a2, physiotherapist=world.physio_a, by=world.admin_a)
    response = admin.post(reverse("staff:set-active", args=[world.physio_a2.pk]), {"active": "0"})
    assert response.status_code == 302
    world.physio_a2.refresh_from_db()
    assert not world.physio_a2.is_active
    assert _login(client, world.physio_a2.email).status_code == 200  # the form again
    assert patient_client.get(reverse("coaching:caseload")).status_code == 302
    admin.post(reverse("staff:set-active", args=[world.physio_a2.pk]), {"active": "1"})
    world.physio_a2.refresh_from_db()
    assert world.physio_a2.is_active


@pytest.mark.django_db
def test_lockout_is_per_username_and_address_so_colleagues_still_get_in(world, client):
    for _ in range(5):
        _login(client, world.physio_a.email, password="wrong", ip="10.1.1.1")
    locked = _login(client, world.physio_a.email, ip="10.1.1.1")
    assert locked.status_code == 429
    assert "Too many tries" in locked.content.decode()
    # A colleague behind the same clinic address logs in fine.
    from django.test import Client

    colleague = _login(Client(), world.physio_a2.email, ip="10.1.1.1")
    assert colleague.status_code == 302
    # The same person from another address is not locked out either.
    assert _login(Client(), world.physio_a.email, ip="10.9.9.9").status_code == 302


@pytest.mark.django_db
def test_password_reset_sends_a_one_time_link(world, client):
    user = world.patient_a.user
    response = client.post(reverse("accounts:password-reset"), {"email": user.email})
    assert response.status_code == 302
    link = re.search(r"http://\S+/accounts/password/reset/\S+/\S+/", mail.outbox[0].body).group(0)
    path = "/" + link.split("/", 3)[3]
    response = client.get(path, follow=True)
    form_url = response.request["PATH_INFO"]
    response = client.post(
        form_url, {"new_password1": "walking-again-2026", "new_password2": "walking-again-2026"}
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("walking-again-2026")
    # Used once: the link no longer works.
    response = client.get(path, follow=True)
    assert b"does not work any more" in response.content


@pytest.mark.django_db
def test_password_reset_for_an_unknown_address_reveals_nothing(client):
    response = client.post(reverse("accounts:password-reset"), {"email": "nobody@example.test"})
    assert response.status_code == 302
    assert not mail.outbox


@pytest.mark.django_db
def test_password_change(world, client_for):
    client = client_for(world.patient_a.user)
    response = client.post(
        reverse("accounts:password-change"),
        {
            "old_password": PASSWORD,
            "new_password1": "fresh-pass-2026!",
            "new_password2": "fresh-pass-2026!",
        },
    )
    assert response.status_code == 302
    world.patient_a.user.refresh_from_db()
    assert world.patient_a.user.check_password("fresh-pass-2026!")


@pytest.mark.django_db
@pytest.mark.parametrize(("role", "limit"), [(Role.PHYSIO, 15 * 60), (Role.PATIENT, 60 * 60)])
def test_idle_timeout(role, limit, world, client_for):
    user = world.physio_a if role == Role.PHYSIO else world.patient_a.user
    home = reverse("coaching:caseload") if role == Role.PHYSIO else reverse("portal:home")
    start = time.time()
    with time_machine.travel(start, tick=False):
        client = client_for(user)
        assert client.get(home).status_code == 200
    with time_machine.travel(start + limit - 30, tick=False):
        assert client.get(home).status_code == 200  # activity resets the clock
    with time_machine.travel(start + 2 * limit - 60, tick=False):
        assert client.get(home).status_code == 200
    with time_machine.travel(start + 3 * limit, tick=False):
        response = client.get(home)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.django_db
def test_passwords_are_hashed_with_argon2(world):
    user = UserFactory(clinic=world.clinic_a)
    assert user.password.startswith("argon2")


@pytest.mark.django_db
def test_absolute_session_lifetime_even_with_steady_activity(world, client_for):
    start = time.time()
    with time_machine.travel(start, tick=False):
        client = client_for(world.patient_a.user)
        assert client.get(reverse("portal:home")).status_code == 200
    # A request every 50 minutes keeps the idle timer happy for 12 hours...
    for step in range(1, 16):  # the last one is 12.5 hours after login
        with time_machine.travel(start + step * 50 * 60, tick=False):
            response = client.get(reverse("portal:home"))
            if step * 50 * 60 <= 12 * 60 * 60:
                assert response.status_code == 200, step
    # ...but not past the absolute limit.
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
