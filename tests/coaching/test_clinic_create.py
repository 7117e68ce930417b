"""A new clinic from nothing (issue 11, "Onboarding and settings"): ``manage.py clinic_create``
and the site superuser's page. The clinic gets rules version 1 and the default education
library, its first admin an invitation; bad input says what is wrong and creates nothing."""

from __future__ import annotations

import io
import uuid

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from coaching.education import DEFAULT_TOPICS
from coaching.models import EducationTopic
from coaching.progression import ProgrammeRules
from tests.conftest import login_as
from tests.factories import ClinicFactory, UserFactory
from walkback.accounts.models import Clinic, Invitation, ProgrammeRulesVersion, Role, User
from walkback.audit.models import AuditAction, AuditEvent

pytestmark = pytest.mark.django_db


def _counts() -> tuple[int, ...]:
    return (
        Clinic.objects.count(),
        User.objects.count(),
        EducationTopic.objects.count(),
        ProgrammeRulesVersion.objects.count(),
        Invitation.objects.count(),
        AuditEvent.objects.count(),
    )


def test_the_command_creates_a_ready_clinic_and_invites_its_admin(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        call_command(
            "clinic_create",
            "--name",
            "Riverside Physio",
            "--time-zone",
            "Australia/Perth",
            "--admin-email",
            "Robin.Boss@Riverside.test",
            "--admin-name",
            "Robin Boss",
            stdout=(out := io.StringIO()),
        )
    clinic = Clinic.objects.get(name="Riverside Physio")
    assert clinic.time_zone == "Australia/Perth"
    assert "Created clinic" in out.getvalue()
    # Rules version 1, recorded like every later version, holding the clinic's defaults.
    version = ProgrammeRulesVersion.objects.get(clinic=clinic)
    assert version.number == clinic.rules_version == 1
    assert version.rules == ProgrammeRules.of(clinic).as_json()
    assert version.rules["goal_walks"] == 5 and version.rules["goal_minutes"] == 30
    # The default education library, in order.
    slugs = list(EducationTopic.objects.filter(clinic=clinic).values_list("slug", flat=True))
    assert slugs == [topic.slug for topic in DEFAULT_TOPICS]
    # The first admin: invited, no password yet, e-mailed a working link.
    admin = User.objects.get(email="robin.boss@riverside.test")
    assert admin.role == Role.CLINIC_ADMIN and admin.clinic == clinic
    assert admin.full_name == "Robin Boss"
    assert not admin.has_usable_password()
    assert Invitation.objects.usable().filter(user=admin).count() == 1
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["robin.boss@riverside.test"]
    assert "/accounts/invite/" in message.body
    assert "Riverside Physio" in message.subject
    assert AuditEvent.objects.filter(
        clinic=clinic, action=AuditAction.CREATE, object_type="accounts.Clinic"
    ).exists()


def test_the_admin_name_defaults_to_the_address():
    call_command(
        "clinic_create",
        "--name",
        "Hilltop",
        "--time-zone",
        "UTC",
        "--admin-email",
        "jo@hilltop.test",
        stdout=io.StringIO(),
    )
    assert User.objects.get(email="jo@hilltop.test").full_name == "jo"


@pytest.mark.parametrize(
    ("options", "words"),
    [
        (["--time-zone", "Mars/Olympus"], "--time-zone: That is not a time zone we know."),
        (["--time-zone", "EST"], "--time-zone: That is not a time zone we know."),
        (["--admin-email", "taken@example.test"], "already has a WalkBack account"),
        (["--admin-email", "not-an-address"], "--admin-email: Enter the first admin"),
        (["--name", "   "], "--name:"),
        (["--name", "Two\nlines"], "--name:"),
    ],
)
def test_bad_input_exits_non_zero_with_the_message_and_creates_nothing(options, words):
    UserFactory(email="taken@example.test", clinic=ClinicFactory())
    before = _counts()
    arguments = {
        "--name": "New Clinic",
        "--time-zone": "Australia/Sydney",
        "--admin-email": "new.admin@example.test",
    }
    arguments.update(dict(zip(options[::2], options[1::2], strict=True)))
    with pytest.raises(CommandError) as error:
        call_command("clinic_create", *[part for pair in arguments.items() for part in pair])
    assert "Nothing was created" in str(error.value)
    assert words in str(error.value)
    assert _counts() == before
    assert mail.outbox == []


def test_a_failure_half_way_leaves_nothing_behind(monkeypatch):
    """One transaction: if the invitation cannot be made, the clinic, its library, its rules
    version and its admin are not kept either."""

    def broken(**kwargs):
        raise RuntimeError("the invitation could not be made")

    monkeypatch.setattr("coaching.services.clinics.invitation_create", broken)
    before = _counts()
    with pytest.raises(RuntimeError):
        call_command(
            "clinic_create",
            "--name",
            "Half Clinic",
            "--time-zone",
            "UTC",
            "--admin-email",
            "half@example.test",
        )
    assert _counts() == before


@pytest.fixture
def superuser(db):
    return User.objects.create_superuser("root@site.test", "a long site password", full_name="")


def test_the_superuser_page_creates_a_clinic(superuser, django_capture_on_commit_callbacks):
    client = login_as(Client(), superuser)
    # A superuser who belongs to no clinic lands on the page.
    assert client.get(reverse("home"))["Location"] == reverse("site:clinic-create")
    page = client.get(reverse("site:clinic-create"))
    assert page.status_code == 200
    assert b"Create a clinic" in page.content
    data = {
        "name": "Bayside Back Care",
        "time_zone": "Pacific/Auckland",
        "admin_name": "Bea Bayside",
        "admin_email": "bea@bayside.test",
        "submission_token": str(uuid.uuid4()),
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("site:clinic-create"), data)
        # The same form sent twice (a double click) creates one clinic, with no error.
        again = client.post(reverse("site:clinic-create"), data)
    assert response.status_code == again.status_code == 302
    clinic = Clinic.objects.get(name="Bayside Back Care")
    assert Clinic.objects.filter(name="Bayside Back Care").count() == 1
    assert clinic.time_zone == "Pacific/Auckland"
    assert EducationTopic.objects.filter(clinic=clinic).count() == len(DEFAULT_TOPICS)
    admin = User.objects.get(email="bea@bayside.test")
    assert admin.clinic == clinic and admin.is_clinic_admin
    assert [message.to for message in mail.outbox] == [["bea@bayside.test"]]
    event = AuditEvent.objects.get(clinic=clinic, action=AuditAction.CREATE)
    assert event.actor == superuser
    listing = client.get(reverse("site:clinic-create"))
    assert b"Bayside Back Care is ready" in listing.content
    assert b"Pacific/Auckland" in listing.content


def test_the_superuser_page_shows_bad_input_next_to_the_field(superuser):
    UserFactory(email="taken@example.test", clinic=ClinicFactory(name="Elsewhere"))
    client = login_as(Client(), superuser)
    before = _counts()
    response = client.post(
        reverse("site:clinic-create"),
        {
            "name": "Bayside",
            "time_zone": "Australia/Sydney",
            "admin_name": "Bea",
            "admin_email": "Taken@Example.test",
        },
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "already has a WalkBack account" in errors["admin_email"][0]
    response = client.post(
        reverse("site:clinic-create"),
        {
            "name": "Bayside",
            "time_zone": "Nowhere/Atlantis",
            "admin_name": "Bea",
            "admin_email": "bea@bayside.test",
        },
    )
    assert "time_zone" in response.context["form"].errors
    assert _counts() == before


def test_only_the_superuser_may_create_clinics(world):
    from coaching.services.clinics import clinic_create

    for user in (world.admin_a, world.physio_a, world.patient_a.user):
        client = login_as(Client(), user)
        assert client.get(reverse("site:clinic-create")).status_code == 403
        response = client.post(
            reverse("site:clinic-create"),
            {"name": "Sneaky", "time_zone": "UTC", "admin_name": "S", "admin_email": "s@x.test"},
        )
        assert response.status_code == 403
    with pytest.raises(Exception, match="Only the site's superuser"):
        clinic_create(name="Sneaky", time_zone="UTC", admin_email="s@x.test", by=world.admin_a)
    assert not Clinic.objects.filter(name="Sneaky").exists()
