"""Issue 15, messages: a secure thread per patient between the patient and their clinic's
physiotherapists (docs/messages.md)."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from coaching.messaging.limits import MESSAGE_MAX_CHARS
from coaching.messaging.models import MessageThread, ThreadMessage, ThreadReadMarker
from coaching.messaging.notices import PATIENT_SUBJECT, STAFF_SUBJECT
from coaching.messaging.selectors import MESSAGES_SHOWN
from coaching.messaging.services import EMPTY, message_send, thread_mark_read
from coaching.models import CaseloadRow, Reminder, ReminderKind
from coaching.reminders import messages as reminder_messages
from coaching.reminders.channels import Message
from coaching.reminders.messages import Skip
from coaching.reminders.push import push_payload
from coaching.reminders.sms.texts import sms_text
from tests.conftest import login_as
from tests.factories import ClinicFactory, PatientFactory, UserFactory
from tests.security.test_duplicate_submissions import send_at_once, statuses
from walkback.audit.models import AuditAction, AuditEvent

pytestmark = pytest.mark.django_db

SECRET_WORDS = "my sciatica flared after the hill walk"


def _flags(patient) -> list[str]:
    return [code for code, _ in CaseloadRow.objects.get(patient=patient).flags]


def _nothing_saved(patient) -> None:
    assert not ThreadMessage.objects.filter(thread_id=patient.pk).exists()
    assert not Reminder.objects.filter(
        kind__in=[ReminderKind.MESSAGE_TO_STAFF, ReminderKind.MESSAGE_TO_PATIENT]
    ).exists()
    assert not AuditEvent.objects.filter(
        action=AuditAction.CREATE, object_type="coaching.ThreadMessage"
    ).exists()


# --- Sending and reading -----------------------------------------------------------------------


def test_a_patient_sends_and_their_physiotherapist_reads_it(world, client_for):
    patient = world.patient_a
    me = client_for(patient.user)
    page = me.get(reverse("portal:messages"))
    assert page.status_code == 200
    text = page.content.decode()
    assert "If this is an emergency, call 000." in text
    assert "we usually reply within 2 working days" in text

    answer = me.post(reverse("portal:messages"), {"body": f"  {SECRET_WORDS}\r\nThanks  "})
    assert answer.status_code == 302
    message = ThreadMessage.objects.get()
    assert message.body == f"{SECRET_WORDS}\nThanks"
    assert message.from_patient and message.author == patient.user
    assert "unread_message" in _flags(patient)

    physio = client_for(world.physio_a)
    caseload = physio.get(reverse("coaching:caseload")).content.decode()
    assert "Unread message" in caseload
    thread = physio.get(reverse("patients:messages", args=[patient.pk]))
    assert thread.status_code == 200
    body = thread.content.decode()
    assert SECRET_WORDS in body and "New</span>" in body
    # Read now: the flag is gone, and the patient is told the clinic read it.
    assert "unread_message" not in _flags(patient)
    assert MessageThread.objects.get().staff_read_through == message.pk
    assert "Read by the clinic" in me.get(reverse("portal:messages")).content.decode()
    # Seen again, nothing new: no "New" any more.
    again = physio.get(reverse("patients:messages", args=[patient.pk])).content.decode()
    assert "New</span>" not in again


def test_a_physiotherapist_replies_and_the_patient_sees_it_new_then_read(world, client_for):
    patient = world.patient_a
    physio = client_for(world.physio_a)
    answer = physio.post(
        reverse("patients:messages", args=[patient.pk]), {"body": "Try the flat route today."}
    )
    assert answer.status_code == 302
    me = client_for(patient.user)
    first = me.get(reverse("portal:messages")).content.decode()
    assert "Try the flat route today." in first and "New</span>" in first
    assert "Anna Alpha, Alpha Physio" in first
    marker = ThreadReadMarker.objects.get(reader=patient.user)
    assert marker.read_through == ThreadMessage.objects.get().pk
    staff_view = physio.get(reverse("patients:messages", args=[patient.pk])).content.decode()
    assert "Read by the patient" in staff_view
    # A physiotherapist's own reply never flags the patient.
    assert "unread_message" not in _flags(patient)


def test_a_colleague_in_the_clinic_may_reply_and_an_admin_may_only_read(world, client_for):
    patient = world.patient_a
    colleague = client_for(world.physio_a2)
    url = reverse("patients:messages", args=[patient.pk])
    assert colleague.post(url, {"body": "Covering for Anna this week."}).status_code == 302
    admin = client_for(world.admin_a)
    page = admin.get(url)
    assert page.status_code == 200 and "Covering for Anna" in page.content.decode()
    assert admin.post(url, {"body": "An admin's words"}).status_code == 403
    assert ThreadMessage.objects.count() == 1


def test_another_clinics_thread_is_a_404_and_nothing_of_it_shows(world, client_for):
    message_send(patient=world.patient_b, by=world.patient_b.user, body="Zebracorn private")
    other = reverse("patients:messages", args=[world.patient_b.pk])
    physio = client_for(world.physio_a)
    assert physio.get(other).status_code == 404
    assert physio.post(other, {"body": "hello"}).status_code == 404
    assert client_for(world.admin_a).get(other).status_code == 404
    # A patient's page has no id in it: it is always their own thread.
    mine = client_for(world.patient_a.user).get(reverse("portal:messages")).content.decode()
    assert "Zebracorn private" not in mine
    assert ThreadMessage.objects.count() == 1
    # The service refuses a physiotherapist of another clinic too.
    with pytest.raises(ValidationError):
        message_send(patient=world.patient_b, by=world.physio_a, body="hi")


def test_html_is_shown_as_text_and_links_are_not_made_clickable(world, client_for):
    body = '<script>alert("x")</script> <b>bold</b> see https://evil.example.test/login'
    message_send(patient=world.patient_a, by=world.physio_a, body=body)
    page = client_for(world.patient_a.user).get(reverse("portal:messages")).content.decode()
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page
    assert "<b>bold</b>" not in page
    assert 'href="https://evil.example.test' not in page
    assert "https://evil.example.test/login" in page


# --- Bad input ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ("x" * 20_000, "Please keep a message to 2,000 characters: this one has 20,000."),
        ("", EMPTY),
        ("   \n\t  \r\n ", EMPTY),
    ],
    ids=["20,000 characters", "empty", "only spaces"],
)
@pytest.mark.parametrize("who", ["patient", "physio"])
def test_bad_messages_are_refused_next_to_the_box_and_nothing_is_saved(
    world, client_for, body, words, who
):
    patient = world.patient_a
    if who == "patient":
        client, url = client_for(patient.user), reverse("portal:messages")
    else:
        client, url = client_for(world.physio_a), reverse("patients:messages", args=[patient.pk])
    answer = client.post(url, {"body": body})
    assert answer.status_code == 200
    page = answer.content.decode()
    assert words in page
    assert 'id="id_body_error"' in page or "error_1_id_body" in page  # under the box
    _nothing_saved(patient)


def test_exactly_the_limit_is_accepted(world):
    message = message_send(patient=world.patient_a, by=world.patient_a.user, body="é" * 2000)
    assert len(message.body) == MESSAGE_MAX_CHARS


@pytest.mark.parametrize(
    "body", ["x" * (MESSAGE_MAX_CHARS + 1), "", "   ", "\n\t "], ids=["long", "empty", "sp", "ws"]
)
def test_the_database_refuses_what_the_service_refuses(world, body):
    thread = MessageThread.objects.create(patient=world.patient_a)
    with pytest.raises(IntegrityError), transaction.atomic():
        ThreadMessage.objects.create(
            thread=thread, author=world.patient_a.user, from_patient=True, body=body
        )


def test_the_same_form_sent_twice_saves_one_message(world):
    token = uuid.uuid4()
    for _ in range(2):
        message_send(
            patient=world.patient_a, by=world.patient_a.user, body="hello", submission_token=token
        )
    assert ThreadMessage.objects.count() == 1
    assert Reminder.objects.filter(kind=ReminderKind.MESSAGE_TO_STAFF).count() == 1


# --- Rate limit --------------------------------------------------------------------------------


def test_a_patient_over_the_hourly_limit_is_told_and_nothing_is_saved(world, client_for, settings):
    settings.MESSAGES_PER_HOUR = 3
    patient = world.patient_a
    me = client_for(patient.user)
    for n in range(3):
        assert me.post(reverse("portal:messages"), {"body": f"message {n}"}).status_code == 302
    refused = me.post(reverse("portal:messages"), {"body": "one too many"})
    assert refused.status_code == 200
    assert "You have sent 3 messages in the last hour" in refused.content.decode()
    assert ThreadMessage.objects.count() == 3
    assert not ThreadMessage.objects.filter(body="one too many").exists()
    # The clinic is not limited by the patient's count.
    message_send(patient=patient, by=world.physio_a, body="Got them all, thanks.")


def test_the_hour_is_a_sliding_window(world, settings):
    settings.MESSAGES_PER_HOUR = 2
    patient = world.patient_a
    for _ in range(2):
        message_send(patient=patient, by=patient.user, body="early")
    ThreadMessage.objects.update(created_at=timezone.now() - dt.timedelta(minutes=61))
    message_send(patient=patient, by=patient.user, body="an hour later")
    message_send(patient=patient, by=patient.user, body="and another")
    with pytest.raises(ValidationError):
        message_send(patient=patient, by=patient.user, body="too many now")


def test_the_limit_holds_across_workers_sending_at_once(transactional_db, postgres, settings):
    """Eight requests at once from one patient, each on its own database connection (as on
    separate web workers): the thread's row lock lets exactly the limit through."""
    settings.MESSAGES_PER_HOUR = 3
    clinic = ClinicFactory()
    patient = PatientFactory(clinic=clinic, physiotherapist=UserFactory(clinic=clinic))
    clients = [login_as(Client(), patient.user) for _ in range(8)]
    datas = [{"body": f"at once {n}"} for n in range(8)]
    answers = send_at_once(clients, reverse("portal:messages"), datas)
    assert statuses(answers) == [200] * 5 + [302] * 3
    assert ThreadMessage.objects.count() == 3
    # One notice for the burst, however the sends interleaved.
    assert Reminder.objects.filter(kind=ReminderKind.MESSAGE_TO_STAFF).count() == 1


# --- Notices -----------------------------------------------------------------------------------


def _built(reminder) -> Message | Skip:
    reminder = Reminder.objects.select_related("recipient", "patient__clinic").get(pk=reminder.pk)
    built = reminder_messages.build(reminder, reminder.due_at + dt.timedelta(minutes=1))
    assert not isinstance(built, reminder_messages.Defer)
    return built


def test_one_notice_to_the_physiotherapist_per_unread_burst_with_no_name_or_words(world):
    patient = world.patient_a
    for n in range(3):
        message_send(patient=patient, by=patient.user, body=f"{SECRET_WORDS} {n}")
    notices = list(Reminder.objects.filter(kind=ReminderKind.MESSAGE_TO_STAFF))
    assert [n.recipient for n in notices] == [world.physio_a]
    built = _built(notices[0])
    assert isinstance(built, Message)
    assert STAFF_SUBJECT.lower() in built.subject
    for text in (built.subject, built.text, built.html, built.short):
        assert "Paula" not in text and "sciatica" not in text
        assert f"/patients/{patient.pk}/" not in text
    # Read: a new message starts a new burst, and the old notice is not needed any more.
    thread_mark_read(
        patient=patient, reader=world.physio_a, through=ThreadMessage.objects.latest("pk").pk
    )
    assert _built(notices[0]) == Skip("the message was read")
    message_send(patient=patient, by=patient.user, body="one more")
    assert Reminder.objects.filter(kind=ReminderKind.MESSAGE_TO_STAFF).count() == 2


def test_without_a_physiotherapist_every_physiotherapist_of_the_clinic_is_told(world):
    patient = world.patient_a
    patient.physiotherapist = None
    patient.save()
    message_send(patient=patient, by=patient.user, body="hello")
    told = set(
        Reminder.objects.filter(kind=ReminderKind.MESSAGE_TO_STAFF).values_list(
            "recipient__email", flat=True
        )
    )
    assert told == {world.physio_a.email, world.physio_a2.email}


def test_one_notice_to_the_patient_per_unread_burst_saying_only_that_there_is_one(world):
    patient = world.patient_a
    for n in range(2):
        message_send(patient=patient, by=world.physio_a, body=f"{SECRET_WORDS} {n}")
    notices = list(Reminder.objects.filter(kind=ReminderKind.MESSAGE_TO_PATIENT))
    assert len(notices) == 1 and notices[0].recipient == patient.user
    built = _built(notices[0])
    assert isinstance(built, Message)
    assert built.subject == PATIENT_SUBJECT
    assert f"{PATIENT_SUBJECT}." in built.text
    assert reverse("portal:messages") in built.text
    for text in (built.subject, built.text, built.html, built.short):
        assert "sciatica" not in text and "Anna" not in text
    thread_mark_read(
        patient=patient, reader=patient.user, through=ThreadMessage.objects.latest("pk").pk
    )
    assert _built(notices[0]) == Skip("the message was read")


def test_the_patients_notice_goes_by_every_channel_they_chose(world):
    patient = world.patient_a
    patient.reminder_channels = ["email", "sms", "push"]
    patient.save(update_fields=["reminder_channels"])
    message_send(patient=patient, by=world.physio_a, body=f"{SECRET_WORDS} 1")
    notices = Reminder.objects.filter(kind=ReminderKind.MESSAGE_TO_PATIENT)
    assert sorted(notices.values_list("channel", flat=True)) == ["email", "push", "sms"]
    sms = notices.get(channel="sms")
    assert sms_text(sms, patient.zone).startswith("WalkBack: you have a new message from your")
    assert push_payload(_built(notices.get(channel="email")))["body"] == (
        "You have a new message from your clinic."
    )
    # Read, every channel's notice is skipped.
    thread_mark_read(
        patient=patient, reader=patient.user, through=ThreadMessage.objects.latest("pk").pk
    )
    assert {str(_built(n)) for n in notices} == {str(Skip("the message was read"))}
    # The physiotherapist's notice stays e-mail.
    message_send(patient=patient, by=patient.user, body="hello")
    staff = Reminder.objects.filter(kind=ReminderKind.MESSAGE_TO_STAFF)
    assert list(staff.values_list("channel", flat=True)) == ["email"]


def test_a_patient_who_stopped_reminders_gets_no_notice_e_mail(world):
    patient = world.patient_a
    patient.reminders_by_email = False
    patient.save()
    message_send(patient=patient, by=world.physio_a, body="hello")
    notice = Reminder.objects.get(kind=ReminderKind.MESSAGE_TO_PATIENT)
    assert _built(notice) == Skip("the patient stopped reminders")


# --- Audit -------------------------------------------------------------------------------------


def test_sending_and_reading_are_audited_without_the_words(world, client_for):
    patient = world.patient_a
    client_for(patient.user).post(reverse("portal:messages"), {"body": SECRET_WORDS})
    created = AuditEvent.objects.get(action=AuditAction.CREATE)
    assert created.patient_id == patient.pk and created.actor == patient.user
    assert created.detail == {"event": "message_sent", "characters": len(SECRET_WORDS)}
    client_for(world.physio_a).get(reverse("patients:messages", args=[patient.pk]))
    read = AuditEvent.objects.filter(action=AuditAction.READ, actor=world.physio_a).get()
    assert read.patient_id == patient.pk and read.detail == {"view": "patient-messages"}
    seen = client_for(patient.user).get(reverse("portal:seen")).content.decode()
    assert "Opened your messages with the clinic" in seen
    assert "sciatica" not in str(list(AuditEvent.objects.values()))


# --- Pinned query counts -----------------------------------------------------------------------

# Session, user and device first; then the patient, the thread, its messages, the read markers
# and the audit row. Marking read reads and writes only when something new was shown.
PINNED = {"patient": 8, "physio": 8}


def _count(client, url) -> int:
    client.get(url)  # settle the session and the read markers
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.mark.parametrize("who", ["patient", "physio"])
def test_thread_pages_read_a_fixed_number_of_queries(world, client_for, settings, who):
    settings.MESSAGES_PER_HOUR = 100
    patient = world.patient_a
    if who == "patient":
        client, url = client_for(patient.user), reverse("portal:messages")
    else:
        client, url = client_for(world.physio_a), reverse("patients:messages", args=[patient.pk])
    counts = []
    for n in (3, 30):
        while ThreadMessage.objects.count() < n:
            message_send(patient=patient, by=world.physio_a2, body="from the clinic")
            message_send(patient=patient, by=patient.user, body="from me")
        counts.append(_count(client, url))
    assert counts == [PINNED[who]] * 2


# --- The clinic's reply time -------------------------------------------------------------------


def test_the_clinic_sets_its_usual_reply_time(world, client_for):
    admin = client_for(world.admin_a)
    form = {
        "name": world.clinic_a.name,
        "time_zone": world.clinic_a.time_zone,
        "contact_phone": "02 9000 0000",
        "address": "",
        "closed_days": "",
        "message_reply_days": "1",
    }
    assert admin.post(reverse("clinic:settings"), form).status_code == 302
    page = client_for(world.patient_a.user).get(reverse("portal:messages")).content.decode()
    assert "we usually reply within 1 working day." in page
    assert 'href="tel:+61290000000"' in page
    refused = admin.post(reverse("clinic:settings"), form | {"message_reply_days": "30"})
    assert refused.status_code == 200
    world.clinic_a.refresh_from_db()
    assert world.clinic_a.message_reply_days == 1
    with pytest.raises(IntegrityError), transaction.atomic():
        type(world.clinic_a).objects.filter(pk=world.clinic_a.pk).update(message_reply_days=0)


def test_a_long_thread_pages_back_to_earlier_messages(world, client_for, settings):
    settings.MESSAGES_PER_HOUR = 100
    patient = world.patient_a
    sent = [
        message_send(patient=patient, by=patient.user, body=f"number {n:02d}").pk
        for n in range(MESSAGES_SHOWN + 10)
    ]
    physio = client_for(world.physio_a)
    url = reverse("patients:messages", args=[patient.pk])
    newest = physio.get(url).content.decode()
    assert "number 59" in newest and "number 10" in newest and "number 09" not in newest
    assert f'href="?before={sent[10]}"' in newest
    earlier = physio.get(f"{url}?before={sent[10]}").content.decode()
    assert "number 00" in earlier and "number 09" in earlier and "number 10" not in earlier
    assert "The newest messages" in earlier and "Earlier messages" not in earlier
    # The newest were read on the first visit; an earlier page never moves a marker back.
    assert ThreadReadMarker.objects.get(reader=world.physio_a).read_through == sent[-1]
    for nonsense in ["abc", "-1", "9" * 30]:
        assert "number 59" in physio.get(f"{url}?before={nonsense}").content.decode()
