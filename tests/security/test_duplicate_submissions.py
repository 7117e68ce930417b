"""Issue 12, medium: posting the same form 8 times at once saved 8 problem reports (and 8
notices) and 8 prescription versions, and creating a topic, enrolling a patient or inviting
staff with the same e-mail at once answered 500 (``IntegrityError``).

Every form that creates something carries a one-time submission token
(``walkback.core.forms.SubmissionTokenMixin``) and its service runs once per token
(``walkback.core.submissions.once_per_submission``): the same form sent again gets the first
answer (the same redirect), and nothing is created or sent twice. Uniqueness races between
different submissions end in the same message as the service's check, never a 500."""

from __future__ import annotations

import datetime as dt
import re
import threading
import uuid
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from coaching.models import EducationTopic, Prescription, PrescriptionPlan, Reminder, ReminderKind
from patients.models import AdverseEvent, Patient
from tests.coaching.helpers import prescribe, started
from tests.conftest import login_as
from walkback.accounts.models import Role, User
from walkback.accounts.services import SAME_CLINIC_ADDRESS

TOKEN_INPUT = re.compile(r'name="submission_token" value="([^"]+)"')
NEW_ADDRESS = "sam.someone@example.test"


def clinic_today(clinic) -> dt.date:
    return timezone.now().astimezone(zoneinfo.ZoneInfo(clinic.time_zone)).date()


@dataclass
class Form:
    """One form that creates something: who sends it, where, what, and how to count what it
    made (``rows``, ``made`` of them once carried out) and whom it told (``notices``: reminder
    rows or e-mails, ``told`` of them)."""

    user: User
    url: str
    data: dict
    rows: Callable[[], int]
    notices: Callable[[], int]
    made: int = 1
    told: int = 0


def problem_report(world) -> Form:
    patient = world.patient_a
    patient.programme_start = patient.today() - dt.timedelta(days=10)
    patient.save()
    return Form(
        user=patient.user,
        url=reverse("portal:problem"),
        data={
            "occurred_on": patient.today().isoformat(),
            "body_region": "knee",
            "severity": "moderate",
            "related_to_walking": "yes",
            "description": "Sore after hills",
        },
        rows=lambda: AdverseEvent.objects.count(),
        notices=lambda: Reminder.objects.filter(kind=ReminderKind.ADVERSE_EVENT).count(),
        told=1,
    )


def prescription(world) -> Form:
    today = clinic_today(world.clinic_a)
    patient = started(world.physio_a, start_on=today)
    return Form(
        user=world.physio_a,
        url=reverse("coaching:prescription-new", args=[patient.pk]),
        data={
            "walks_per_week": "3",
            "minutes_per_walk": "15",
            "effective_from": today.isoformat(),
            "rationale": "Gentle start",
        },
        rows=lambda: Prescription.history.count() + PrescriptionPlan.objects.count(),
        notices=lambda: 0,
        made=2,  # the plan and its first version
    )


def prescription_correction(world) -> Form:
    today = clinic_today(world.clinic_a)
    patient = started(world.physio_a, start_on=today)
    mistaken = prescribe(patient, world.physio_a, on=today, walks=3, minutes=50)
    return Form(
        user=world.physio_a,
        url=reverse("coaching:prescription-correct", args=[mistaken.pk]),
        data={"walks_per_week": "3", "minutes_per_walk": "15", "reason": "Typed 50 for 15"},
        rows=lambda: Prescription.history.count(),
        notices=lambda: 0,
    )


def education_topic(world) -> Form:
    return Form(
        user=world.physio_a,
        url=reverse("coaching:topic-new"),
        data={"title": "Sleep", "body": "Sleep helps.", "position": 60, "is_active": "on"},
        rows=lambda: EducationTopic.objects.count(),
        notices=lambda: 0,
    )


def enrolment(world) -> Form:
    return Form(
        user=world.physio_a,
        url=reverse("patients:invite"),
        data={"full_name": "Sam Someone", "email": NEW_ADDRESS, "time_zone": "Australia/Sydney"},
        rows=lambda: Patient.objects.filter(user__email=NEW_ADDRESS).count(),
        notices=lambda: len(mail.outbox),
        told=1,
    )


def enrolment_of_another_clinics_address(world) -> Form:
    """Nothing is created, and the account holder is told once, not once per click."""
    form = enrolment(world)
    form.data["email"] = world.patient_b.user.email
    form.rows, form.made = (lambda: Patient.objects.count()), 0
    return form


def staff_invitation(world) -> Form:
    return Form(
        user=world.admin_a,
        url=reverse("staff:list"),
        data={"full_name": "Sam Someone", "email": NEW_ADDRESS, "role": Role.PHYSIO},
        rows=lambda: User.objects.filter(email=NEW_ADDRESS).count(),
        notices=lambda: len(mail.outbox),
        told=1,
    )


FORMS = [
    problem_report,
    prescription,
    prescription_correction,
    education_topic,
    enrolment,
    enrolment_of_another_clinics_address,
    staff_invitation,
]


def page_token(client: Client, url: str) -> str:
    """The token the page's form carries (a made-up one when it carries none, so the counts
    say what goes wrong; ``test_every_create_form_carries_a_fresh_token`` says the rest)."""
    match = TOKEN_INPUT.search(client.get(url).content.decode())
    return match[1] if match else str(uuid.uuid4())


def client_of(user) -> Client:
    return login_as(Client(raise_request_exception=False), user)


@pytest.mark.django_db
@pytest.mark.parametrize("make", FORMS, ids=lambda make: make.__name__)
def test_every_create_form_carries_a_fresh_token(world, make):
    form = make(world)
    client = client_of(form.user)
    first, second = (TOKEN_INPUT.search(client.get(form.url).content.decode()) for _ in "ab")
    assert first and second, "the form carries no submission token"
    assert first[1] != second[1]
    uuid.UUID(first[1])


@pytest.mark.django_db
@pytest.mark.parametrize("make", FORMS, ids=lambda make: make.__name__)
def test_the_same_form_sent_again_creates_once_and_answers_the_same(
    world, make, django_capture_on_commit_callbacks
):
    form = make(world)
    client = client_of(form.user)
    rows, notices = form.rows(), form.notices()
    data = form.data | {"submission_token": page_token(client, form.url)}
    with django_capture_on_commit_callbacks(execute=True):
        answers = [client.post(form.url, data) for _ in range(4)]
    assert [answer.status_code for answer in answers] == [302] * 4
    assert len({answer["Location"] for answer in answers}) == 1
    assert form.rows() - rows == form.made
    assert form.notices() - notices == form.told


@pytest.mark.django_db
def test_a_refused_form_keeps_its_token_and_is_carried_out_once_corrected(world):
    form = problem_report(world)
    client = client_of(form.user)
    token = page_token(client, form.url)
    future = (world.patient_a.today() + dt.timedelta(days=3)).isoformat()
    refused = client.post(form.url, form.data | {"occurred_on": future, "submission_token": token})
    assert refused.status_code == 200
    assert TOKEN_INPUT.search(refused.content.decode())[1] == token
    for _ in range(2):
        assert client.post(form.url, form.data | {"submission_token": token}).status_code == 302
    assert form.rows() == 1 and form.notices() == 1


@pytest.mark.django_db
def test_a_token_is_one_users_and_one_forms(world):
    """Another user's token creates afresh for this user; a token sent to another form is
    refused with a plain message, never the other form's result."""
    token = str(uuid.uuid4())
    topic = education_topic(world)
    client_of(world.physio_a).post(topic.url, topic.data | {"submission_token": token})
    client_of(world.physio_a2).post(topic.url, topic.data | {"submission_token": token})
    assert topic.rows() == 2
    invite = enrolment(world)
    answer = client_of(world.physio_a).post(invite.url, invite.data | {"submission_token": token})
    assert answer.status_code == 200
    assert "already sent" in answer.content.decode()
    assert invite.rows() == 0


# --- Real concurrent requests on PostgreSQL ---------------------------------------------------

AT_ONCE = 8


def send_at_once(clients: list[Client], url: str, datas: list[dict]) -> list:
    """Each client posts its data at the same moment, from its own thread (and database
    connection). Returns the responses (or the exceptions)."""
    barrier = threading.Barrier(len(clients))
    answers: list = [None] * len(clients)

    def post(index):
        from django.db import connection

        try:
            barrier.wait()
            answers[index] = clients[index].post(url, datas[index])
        except Exception as error:  # noqa: BLE001 - asserted by the caller
            answers[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=post, args=(i,)) for i in range(len(clients))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


def statuses(answers) -> list:
    return sorted(getattr(answer, "status_code", repr(answer)) for answer in answers)


@pytest.mark.parametrize("make", FORMS, ids=lambda make: make.__name__)
def test_the_same_form_sent_eight_times_at_once_creates_once(
    transactional_db, postgres, world, make
):
    form = make(world)
    rows, notices = form.rows(), form.notices()
    token = str(uuid.uuid4())
    clients = [client_of(form.user) for _ in range(AT_ONCE)]
    answers = send_at_once(clients, form.url, [form.data | {"submission_token": token}] * AT_ONCE)
    assert statuses(answers) == [302] * AT_ONCE
    assert len({answer["Location"] for answer in answers}) == 1
    assert form.rows() - rows == form.made
    assert form.notices() - notices == form.told


@pytest.mark.parametrize("make", [enrolment, staff_invitation], ids=lambda make: make.__name__)
def test_one_address_sent_eight_times_at_once_from_different_forms_is_invited_once(
    transactional_db, postgres, world, make
):
    """Eight different submissions (eight tokens) of one new address: one account, one
    e-mail, and seven pages saying what the check says. No 500."""
    form = make(world)
    clients = [client_of(form.user) for _ in range(AT_ONCE)]
    datas = [form.data | {"submission_token": str(uuid.uuid4())} for _ in range(AT_ONCE)]
    answers = send_at_once(clients, form.url, datas)
    assert statuses(answers) == [200] * (AT_ONCE - 1) + [302]
    refused = [answer for answer in answers if answer.status_code == 200]
    assert all(SAME_CLINIC_ADDRESS in answer.content.decode() for answer in refused)
    assert form.rows() == 1
    assert len(mail.outbox) == 1


def test_one_topic_title_sent_eight_times_at_once_from_different_forms(
    transactional_db, postgres, world
):
    """Eight different submissions of one title are eight topics, each with its own address
    (slug). No 500."""
    form = education_topic(world)
    clients = [client_of(form.user) for _ in range(AT_ONCE)]
    datas = [form.data | {"submission_token": str(uuid.uuid4())} for _ in range(AT_ONCE)]
    answers = send_at_once(clients, form.url, datas)
    assert statuses(answers) == [302] * AT_ONCE
    slugs = set(EducationTopic.objects.values_list("slug", flat=True))
    assert slugs == {"sleep"} | {f"sleep-{n}" for n in range(2, AT_ONCE + 1)}
