"""Issue 12, medium: a newline in a name silently stopped notices. A patient named
"Ava\\nLindqvist" made every "problem reported" e-mail fail (``BadHeaderError``: the name was
in the subject) five times and end as failed, and nobody was told.

Now single-line fields refuse control characters (model validator, so forms too, and a
database constraint for names), the notice's subject has no name and says the severity, and a
notice to staff that fails for good is listed for the clinic admin.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from coaching.models import EducationTopic, Reminder, ReminderKind, ReminderState
from coaching.reminders import messages
from coaching.reminders.services import adverse_event_notify
from patients.models import AdverseEvent, Patient
from walkback.accounts.models import Clinic, Role, User
from walkback.core.validators import SINGLE_LINE_MESSAGE, validate_single_line

BAD = ["Ava\nLindqvist", "Ava\rLindqvist", "Ava\tLindqvist", "Ava\x1bLindqvist", "Ava\u2028L"]


@pytest.mark.parametrize("value", BAD)
def test_control_characters_are_refused(value):
    with pytest.raises(Exception, match="one line"):
        validate_single_line(value)


@pytest.mark.parametrize("value", ["Ava Lindqvist", "Zoë O'Brien-Núñez", "李小龍", ""])
def test_ordinary_names_pass(value):
    validate_single_line(value)


@pytest.mark.django_db
@pytest.mark.parametrize("value", BAD[:3])
def test_enrolment_refuses_a_name_on_two_lines(world, client_for, value):
    before = Patient.objects.count()
    response = client_for(world.physio_a).post(
        reverse("patients:invite"),
        {"full_name": value, "email": "ava@example.test", "time_zone": "Australia/Sydney"},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["full_name"] == [SINGLE_LINE_MESSAGE]
    assert Patient.objects.count() == before


@pytest.mark.django_db
def test_staff_invite_topic_and_patient_edit_refuse_it_too(world, client_for):
    admin = client_for(world.admin_a)
    response = admin.post(
        reverse("staff:list"),
        {"full_name": "Ava\nLindqvist", "email": "ava@example.test", "role": Role.PHYSIO},
    )
    assert response.context["form"].errors["full_name"] == [SINGLE_LINE_MESSAGE]
    physio = client_for(world.physio_a)
    response = physio.post(
        reverse("coaching:topic-new"),
        {"title": "Pacing\nyourself", "body": "Text", "position": 1, "is_active": "on"},
    )
    assert response.context["form"].errors["title"] == [SINGLE_LINE_MESSAGE]
    assert not EducationTopic.objects.filter(title__contains="Pacing").exists()
    patient = world.patient_a
    response = physio.post(
        reverse("patients:edit", args=[patient.pk]),
        {
            "full_name": "Paula\nAlpha",
            "time_zone": patient.time_zone,
            "status": patient.status,
            "physiotherapist": world.physio_a.pk,
        },
    )
    assert response.context["form"].errors["full_name"] == [SINGLE_LINE_MESSAGE]
    assert User.objects.get(pk=patient.user_id).full_name == "Paula Alpha"


@pytest.mark.django_db
def test_the_services_refuse_it_whatever_the_form(world):
    from django.core.exceptions import ValidationError

    from patients.services.enrolment import patient_invite
    from walkback.accounts.services import staff_invite

    with pytest.raises(ValidationError) as error:
        patient_invite(by=world.physio_a, email="x@example.test", full_name="A\nB", time_zone="UTC")
    assert "full_name" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        staff_invite(
            email="y@example.test",
            full_name="A\nB",
            role=Role.PHYSIO,
            clinic=world.clinic_a,
            by=world.admin_a,
        )
    assert "full_name" in error.value.message_dict


@pytest.mark.django_db
def test_the_database_refuses_names_on_two_lines(world):
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.filter(pk=world.physio_a.pk).update(full_name="Anna\nAlpha")
    with pytest.raises(IntegrityError), transaction.atomic():
        Clinic.objects.filter(pk=world.clinic_a.pk).update(name="Alpha\r\nBcc: x@evil.test")


@pytest.mark.django_db
def test_the_problem_notice_subject_names_no_one_and_says_how_severe(world):
    patient = world.patient_a
    event = AdverseEvent.objects.create(
        patient=patient,
        occurred_on=timezone.localdate(),
        body_region="knee",
        severity="moderate",
        related_to_walking="yes",
    )
    (notice,) = adverse_event_notify(event=event, now=timezone.now())
    message = messages.build(notice, notice.due_at)
    assert message.subject == "WalkBack: a patient reported a problem (moderate)"
    assert "Paula" not in message.subject
    assert "Paula Alpha reported a problem" in message.text and "moderate" in message.text


def failed_notice(recipient, patient, days_ago=1, kind=ReminderKind.ADVERSE_EVENT):
    return Reminder.objects.create(
        recipient=recipient,
        patient=patient,
        kind=kind,
        due_at=timezone.now() - dt.timedelta(days=days_ago),
        state=ReminderState.FAILED,
        attempts=5,
        last_error="SMTPRecipientsRefused",
        idempotency_key=f"test:{recipient.pk}:{patient.pk}:{days_ago}:{kind}",
    )


@pytest.mark.django_db
def test_a_notice_that_failed_for_good_is_listed_for_the_clinic_admin(
    world, client_for, django_assert_num_queries
):
    failed_notice(world.physio_a, world.patient_a)
    failed_notice(world.physio_a, world.patient_a, days_ago=40)  # too old to list
    failed_notice(world.physio_b, world.patient_b)  # another clinic's
    other = failed_notice(world.patient_a.user, world.patient_a, kind=ReminderKind.WALK)
    assert other.kind not in {"adverse_event", "digest"}  # patients' own reminders: not here
    client = client_for(world.admin_a)
    client.get(reverse("staff:list"))
    with django_assert_num_queries(5):
        response = client.get(reverse("staff:list"))
    body = response.content.decode()
    assert "E-mails to staff that could not be sent" in body
    assert [(n.recipient, n.patient) for n in response.context["failed_notices"]] == [
        (world.physio_a, world.patient_a)
    ]
    assert "Zebracorn" not in body
    # The other clinic's admin sees theirs only; a physiotherapist's page is unchanged.
    notices = client_for(world.admin_b).get(reverse("staff:list")).context
    assert [n.patient for n in notices["failed_notices"]] == [world.patient_b]


@pytest.mark.django_db
def test_no_failures_no_box(world, client_for):
    body = client_for(world.admin_a).get(reverse("staff:list")).content.decode()
    assert "could not be sent" not in body
    assert not mail.outbox
