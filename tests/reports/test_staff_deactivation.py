"""Issue 11: deactivating a physiotherapist asks for confirmation and moves their patients
(all to one colleague, or each to their own) first, with their booked sessions; it is refused
while any patient would be left without a physiotherapist; the account's sessions end at once.
One transaction, audited."""

from __future__ import annotations

import datetime as dt
import threading
import time
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from coaching.models import CoachingSession
from patients.models import Patient, PatientStatus
from patients.services.assignment import patient_reassign
from tests.factories import ClinicFactory, CoachingSessionFactory, PatientFactory, UserFactory
from walkback.accounts.models import Role, User
from walkback.accounts.services import physio_lock_for_patients
from walkback.audit.models import AuditAction, AuditEvent
from walkback.reports.staff_services import session_clashes, staff_deactivate

pytestmark = pytest.mark.django_db


@pytest.fixture
def leaver(world):
    """Abe (physio_a2) with three current patients and a discharged one; Anna (physio_a) and
    Cleo stay."""
    abe = world.physio_a2
    extra = [
        PatientFactory(clinic=world.clinic_a, physiotherapist=abe, user__full_name=name)
        for name in ("Quinn Alpha", "Rosa Alpha")
    ]
    PatientFactory(
        clinic=world.clinic_a,
        physiotherapist=abe,
        status=PatientStatus.DISCHARGED,
        user__full_name="Dora Discharged",
    )
    cleo = UserFactory(email="cleo@example.test", full_name="Cleo Alpha", clinic=world.clinic_a)
    return {"abe": abe, "patients": [world.patient_a2, *extra], "cleo": cleo}


def url(member):
    return reverse("staff:deactivate", args=[member.pk])


def form_data(patients, **choices):
    return {"shown": ",".join(str(p.pk) for p in patients)} | {
        k: str(v.pk) if hasattr(v, "pk") else v for k, v in choices.items()
    }


# --- The service ---------------------------------------------------------------------------


def test_refused_while_patients_remain_and_nothing_changes(world, leaver):
    abe = leaver["abe"]
    with pytest.raises(ValidationError) as error:
        staff_deactivate(member=abe, by=world.admin_a)
    assert error.value.messages == [
        "Abe Alpha still has 3 patients. Move them to a colleague first, so nobody is left "
        "without a physiotherapist."
    ]
    some = {leaver["patients"][0].pk: world.physio_a}  # one of three chosen: still refused
    with pytest.raises(ValidationError):
        staff_deactivate(member=abe, by=world.admin_a, moves=some)
    abe.refresh_from_db()
    assert abe.is_active
    assert Patient.objects.filter(physiotherapist=abe).count() == 4


def test_moves_everyone_and_deactivates_in_one_audited_transaction(world, leaver):
    abe, patients, cleo = leaver["abe"], leaver["patients"], leaver["cleo"]
    generation = abe.session_generation
    moves = {patients[0].pk: cleo, patients[1].pk: world.physio_a, patients[2].pk: world.physio_a}
    done = staff_deactivate(member=abe, by=world.admin_a, moves=moves)
    assert len(done.moved) == 3 and done.clashes == []
    abe.refresh_from_db()
    assert not abe.is_active and abe.session_generation == generation + 1
    assert {p.pk: p.physiotherapist_id for p in Patient.objects.filter(pk__in=moves)} == {
        pk: user.pk for pk, user in moves.items()
    }
    # The discharged patient's record still names who cared for them.
    assert Patient.objects.get(user__full_name="Dora Discharged").physiotherapist == abe
    moved_events = AuditEvent.objects.filter(
        action=AuditAction.UPDATE, detail__event="physiotherapist_changed"
    )
    assert moved_events.count() == 3
    assert AuditEvent.objects.filter(
        action=AuditAction.ACCOUNT, object_id=str(abe.pk), detail__event="deactivated"
    ).exists()


def test_a_failing_move_rolls_everything_back(world, leaver):
    """The last colleague chosen was deactivated meanwhile: no patient moves, Abe stays."""
    abe, patients, cleo = leaver["abe"], leaver["patients"], leaver["cleo"]
    cleo.is_active = False
    cleo.save()
    moves = {patients[0].pk: world.physio_a, patients[1].pk: world.physio_a, patients[2].pk: cleo}
    with pytest.raises(ValidationError) as error:
        staff_deactivate(member=abe, by=world.admin_a, moves=moves)
    assert f"patient_{patients[2].pk}" in error.value.message_dict
    abe.refresh_from_db()
    assert abe.is_active
    assert Patient.objects.filter(physiotherapist=abe).count() == 4
    assert not AuditEvent.objects.filter(detail__event="physiotherapist_changed").exists()


@pytest.mark.parametrize("who", ["physio_a", "admin_b"])
def test_only_the_clinics_admin_deactivates(world, leaver, who):
    with pytest.raises(ValidationError):
        staff_deactivate(member=world.physio_a, by=getattr(world, who))


def test_booked_sessions_move_and_clashes_are_named(world, leaver):
    abe, patients = leaver["abe"], leaver["patients"]
    start = timezone.now() + dt.timedelta(days=5)
    moving = CoachingSessionFactory(patient=patients[0], number=2, scheduled_at=start)
    later = CoachingSessionFactory(
        patient=patients[1], number=2, scheduled_at=start + dt.timedelta(hours=3)
    )
    # Anna already sees her own patient 30 minutes into the moving session.
    anna_own = CoachingSessionFactory(
        patient=world.patient_a, number=2, scheduled_at=start + dt.timedelta(minutes=30)
    )
    moves = {p.pk: world.physio_a for p in patients}
    done = staff_deactivate(member=abe, by=world.admin_a, moves=moves)
    assert [(c.moved.pk, c.other.pk, c.physiotherapist.pk) for c in done.clashes] == [
        (moving.pk, anna_own.pk, world.physio_a.pk)
    ]
    handover = AuditEvent.objects.get(detail__event="patients_handed_over")
    assert handover.detail == {
        "event": "patients_handed_over",
        "patients": 3,
        "sessions_to_rebook": [moving.pk],
    }
    # Sessions belong to their patient: both now sit in Anna's diary.
    assert set(
        CoachingSession.objects.filter(patient__physiotherapist=world.physio_a).values_list(
            "pk", flat=True
        )
    ) == {moving.pk, later.pk, anna_own.pk}


def test_the_admin_is_told_which_moved_sessions_to_rebook(world, leaver, client_for):
    abe, patients = leaver["abe"], leaver["patients"]
    start = (timezone.now() + dt.timedelta(days=5)).replace(hour=0, minute=0, second=0)
    CoachingSessionFactory(patient=patients[0], number=3, scheduled_at=start)
    CoachingSessionFactory(patient=world.patient_a, number=2, scheduled_at=start)
    response = client_for(world.admin_a).post(
        url(abe), form_data(patients, all_to=world.physio_a), follow=True
    )
    local = start.astimezone(ZoneInfo(world.clinic_a.time_zone))
    text = response.content.decode()
    assert (
        f"Rebook Session 3 of {patients[0].full_name} ({local:%a %-d %b %Y, %H:%M}): "
        f"Anna Alpha has Session 2 of Paula Alpha at the same time." in text
    )


def test_sessions_back_to_back_do_not_clash(world):
    start = timezone.now() + dt.timedelta(days=5)
    first = CoachingSessionFactory(patient=world.patient_a, number=2, scheduled_at=start)
    CoachingSessionFactory(
        patient=world.patient_a2,
        number=2,
        scheduled_at=first.ends_at,
    )
    world.patient_a2.physiotherapist = world.physio_a
    world.patient_a2.save()
    assert session_clashes(patient_ids=[world.patient_a2.pk], physio_ids=[world.physio_a.pk]) == []


# --- The page ------------------------------------------------------------------------------


def test_the_page_lists_the_patients_and_moves_them_all_to_one_colleague(world, leaver, client_for):
    admin = client_for(world.admin_a)
    abe, patients, cleo = leaver["abe"], leaver["patients"], leaver["cleo"]
    page = admin.get(url(abe))
    text = page.content.decode()
    assert page.status_code == 200
    for patient in patients:
        assert patient.full_name in text
    assert "Dora Discharged" not in text
    assert "Move 3 patients and deactivate Abe Alpha" in text
    # All to Cleo, but Quinn to Anna: a choice for one patient wins over the one for all.
    response = admin.post(
        url(abe), form_data(patients, all_to=cleo, **{f"patient_{patients[1].pk}": world.physio_a})
    )
    assert response.status_code == 302
    owners = {
        p.pk: p.physiotherapist_id for p in Patient.objects.filter(pk__in=[p.pk for p in patients])
    }
    assert owners == {
        patients[0].pk: cleo.pk,
        patients[1].pk: world.physio_a.pk,
        patients[2].pk: cleo.pk,
    }
    abe.refresh_from_db()
    assert not abe.is_active
    listing = admin.get(reverse("staff:list")).content.decode()
    assert "Abe Alpha can no longer log in" in listing and "3 patients moved" in listing


def test_a_patient_without_a_choice_gets_a_message_by_their_select(world, leaver, client_for):
    admin = client_for(world.admin_a)
    abe, patients = leaver["abe"], leaver["patients"]
    choices = {f"patient_{patients[0].pk}": world.physio_a}
    response = admin.post(url(abe), form_data(patients, **choices))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert set(errors) == {f"patient_{patients[1].pk}", f"patient_{patients[2].pk}"}
    assert "Choose who takes over" in errors[f"patient_{patients[1].pk}"][0]
    assert 'aria-invalid="true"' in response.content.decode()
    abe.refresh_from_db()
    assert abe.is_active
    assert Patient.objects.get(pk=patients[0].pk).physiotherapist == abe  # nothing half-done


def test_a_patient_added_meanwhile_is_not_moved_unseen(world, leaver, client_for):
    admin = client_for(world.admin_a)
    abe, patients = leaver["abe"], leaver["patients"]
    newcomer = PatientFactory(clinic=world.clinic_a, physiotherapist=abe)
    response = admin.post(url(abe), form_data(patients, all_to=world.physio_a))
    assert response.status_code == 200
    assert "changed while you were choosing" in response.content.decode()
    assert Patient.objects.get(pk=newcomer.pk).physiotherapist == abe
    abe.refresh_from_db()
    assert abe.is_active


@pytest.mark.parametrize("colleague", ["physio_b", "abe", "nobody"])
def test_another_clinics_or_the_leavers_own_pk_is_refused(world, leaver, client_for, colleague):
    abe, patients = leaver["abe"], leaver["patients"]
    pk = {"physio_b": world.physio_b.pk, "abe": abe.pk, "nobody": 999999}[colleague]
    response = client_for(world.admin_a).post(url(abe), form_data(patients, all_to=pk))
    assert response.status_code == 200
    assert "all_to" in response.context["form"].errors
    abe.refresh_from_db()
    assert abe.is_active


def test_without_a_colleague_the_page_says_so_and_offers_no_button(world, client_for):
    world.physio_a.is_active = False
    world.physio_a.save()
    page = client_for(world.admin_a).get(url(world.physio_a2))
    text = page.content.decode()
    assert "no other active physiotherapist" in text
    assert "and deactivate" not in text


def test_the_old_button_refuses_with_a_plain_message_and_sends_to_the_page(
    world, leaver, client_for
):
    admin = client_for(world.admin_a)
    response = admin.post(
        reverse("staff:set-active", args=[leaver["abe"].pk]), {"active": "0"}, follow=True
    )
    assert response.redirect_chain[-1][0] == url(leaver["abe"])
    assert "Abe Alpha still has 3 patients" in response.content.decode()
    leaver["abe"].refresh_from_db()
    assert leaver["abe"].is_active


def test_a_physio_without_patients_is_confirmed_and_their_sessions_end(world, client_for):
    """Over HTTP: Abe is logged in on a device; once deactivated, his next request is sent to
    the login page (``user_sessions_end``: the session hash includes the generation)."""
    abe = world.physio_a2
    abe_device = client_for(abe)
    assert abe_device.get(reverse("coaching:caseload")).status_code == 200
    patient_reassign(patient=world.patient_a2, physiotherapist=world.physio_a, by=world.admin_a)
    admin = client_for(world.admin_a)
    page = admin.get(url(abe)).content.decode()
    assert "Deactivate Abe Alpha</button>" in page
    assert admin.post(url(abe), {"shown": ""}).status_code == 302
    after = abe_device.get(reverse("coaching:caseload"))
    assert after.status_code == 302 and after["Location"].startswith(reverse("accounts:login"))


def test_an_admin_cannot_open_their_own_deactivation(world, client_for):
    response = client_for(world.admin_a).get(url(world.admin_a))
    assert response.status_code == 302
    world.admin_a.refresh_from_db()
    assert world.admin_a.is_active


# --- Races (PostgreSQL: real concurrent transactions) --------------------------------------


def _in_thread(target, results, name):
    def run():
        from django.db import connection as thread_connection

        try:
            results[name] = target()
        except ValidationError as error:
            results[name] = error
        finally:
            thread_connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def _race_clinic():
    """A clinic of its own (the test commits), with an admin and two physiotherapists."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL for real concurrent transactions")
    clinic = ClinicFactory()
    admin = UserFactory(role=Role.CLINIC_ADMIN, clinic=clinic)
    return clinic, admin, UserFactory(clinic=clinic), UserFactory(clinic=clinic)


@pytest.mark.django_db(transaction=True)
def test_a_patient_given_to_the_leaver_meanwhile_stops_the_deactivation():
    """An enrolment with Abe holds his row (``physio_lock_for_patients``) when the admin
    presses the button: the deactivation waits, then sees the newcomer and refuses."""
    clinic, admin, abe, anna = _race_clinic()
    first = PatientFactory(clinic=clinic, physiotherapist=abe)
    holding, release, results = threading.Event(), threading.Event(), {}

    def enrol():
        with transaction.atomic():
            physio_lock_for_patients(abe)
            holding.set()
            release.wait(10)
            return PatientFactory(clinic=clinic, physiotherapist=abe)

    enrolling = _in_thread(enrol, results, "enrol")
    assert holding.wait(10)
    leaving = _in_thread(
        lambda: staff_deactivate(member=abe, by=admin, moves={first.pk: anna}), results, "leave"
    )
    time.sleep(0.5)
    assert leaving.is_alive()  # waiting for the enrolment's lock
    release.set()
    enrolling.join(10)
    leaving.join(10)
    assert isinstance(results["leave"], ValidationError)
    assert "still has 1 patient" in results["leave"].messages[0]
    abe.refresh_from_db()
    assert abe.is_active
    assert Patient.objects.filter(physiotherapist=abe).count() == 2


@pytest.mark.django_db(transaction=True)
def test_a_move_to_someone_being_deactivated_waits_and_is_refused():
    clinic, admin, abe, anna = _race_clinic()
    patient = PatientFactory(clinic=clinic, physiotherapist=anna)
    holding, release, results = threading.Event(), threading.Event(), {}

    def deactivate():  # what staff_deactivate does with Abe's row, held open
        with transaction.atomic():
            locked = User.objects.select_for_update().get(pk=abe.pk)
            holding.set()
            release.wait(10)
            locked.is_active = False
            locked.save(update_fields=["is_active"])

    leaving = _in_thread(deactivate, results, "leave")
    assert holding.wait(10)
    moving = _in_thread(
        lambda: patient_reassign(patient=patient, physiotherapist=abe, by=admin), results, "move"
    )
    time.sleep(0.5)
    assert moving.is_alive()
    release.set()
    leaving.join(10)
    moving.join(10)
    assert isinstance(results["move"], ValidationError)
    assert "no longer active" in " ".join(results["move"].messages)
    assert Patient.objects.get(pk=patient.pk).physiotherapist == anna
