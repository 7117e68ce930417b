"""Staff changes that keep patients safe (issue 11): deactivating a member of staff, with a
physiotherapist's patients moved to colleagues first. It lives in the clinic admin's layer
because it moves patients and reads their sessions (README, "Layers"); the moves themselves
are ``patients.services.assignment.patient_reassign`` and switching the login off is
``walkback.accounts.services.user_set_active``, each with its own audit row, all in one
transaction here."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import cast

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from coaching.models import CoachingSession, SessionStatus
from patients.models import Patient, PatientStatus
from patients.services.assignment import patient_reassign
from walkback.accounts.models import Role, User
from walkback.accounts.services import user_set_active
from walkback.audit.models import AuditAction
from walkback.audit.services import audit_record


def patients_to_move(member: User, among: QuerySet[Patient] | None = None) -> list[Patient]:
    """The patients a physiotherapist must hand over before leaving: all but the discharged,
    the same patients the staff list counts as their caseload. A discharged patient's record
    keeps naming the physiotherapist who cared for them. ``among``: a page passes the
    requesting admin's ``patients_for``."""
    if member.role != Role.PHYSIO:
        return []
    among = Patient.objects.all() if among is None else among
    return list(
        among.filter(physiotherapist=member)
        .exclude(status=PatientStatus.DISCHARGED)
        .select_related("user")
        .order_by("user__full_name", "pk")
    )


@dataclass(frozen=True)
class SessionClash:
    """A planned session that moved with its patient and now overlaps another planned session
    of the same physiotherapist: it needs rebooking."""

    moved: CoachingSession
    other: CoachingSession
    physiotherapist: User


@dataclass(frozen=True)
class Deactivation:
    member: User
    moved: list[tuple[Patient, User]] = field(default_factory=list)
    clashes: list[SessionClash] = field(default_factory=list)


def still_has_patients(member: User, count: int) -> str:
    return ngettext(
        "%(name)s still has %(count)s patient. "
        "Move them to a colleague first, so nobody is left without a physiotherapist.",
        "%(name)s still has %(count)s patients. "
        "Move them to a colleague first, so nobody is left without a physiotherapist.",
        count,
    ) % {"name": member.full_name, "count": count}


def staff_deactivate(
    *, member: User, by: User, moves: Mapping[int, User] | None = None
) -> Deactivation:
    """Switch a member of staff's login off (their open sessions end at once), first moving
    each of a physiotherapist's patients to the colleague ``moves`` names for them (patient
    id to physiotherapist). Refused, with nothing changed, while any patient would be left
    without a physiotherapist: every patient of ``patients_to_move`` must be in ``moves``.
    Their sessions go with them (a session belongs to the patient); planned sessions that now
    overlap in the new physiotherapist's diary are returned as ``clashes``, to rebook.
    One transaction: every move, the deactivation and their audit rows, or none."""
    moves = dict(moves or {})
    if by.role != Role.CLINIC_ADMIN or by.clinic_id != member.clinic_id:
        raise ValidationError(_("Only an admin of the clinic can deactivate its staff."))
    if member.role not in (Role.PHYSIO, Role.CLINIC_ADMIN):
        raise ValidationError(_("Only staff are deactivated here."))
    with transaction.atomic():
        # Lock the leaver and the colleagues taking over, in id order (no deadlock): a patient
        # enrolled with or moved to the leaver meanwhile waits for this transaction and is
        # seen below, and no colleague can be deactivated while patients move to them.
        ids = sorted({member.pk, *(user.pk for user in moves.values())})
        locked = {u.pk: u for u in User.objects.select_for_update().filter(pk__in=ids)}
        if not locked[member.pk].is_active:
            raise ValidationError(
                _("%(name)s is already deactivated.") % {"name": member.full_name}
            )
        current = patients_to_move(member)
        unmoved = [patient for patient in current if patient.pk not in moves]
        if unmoved:
            raise ValidationError(still_has_patients(member, len(unmoved)))
        if set(moves) - {patient.pk for patient in current}:
            raise ValidationError(
                _("%(name)s's patients changed while you were choosing. Check the list again.")
                % {"name": member.full_name}
            )
        moved = []
        for patient in current:
            target = locked[moves[patient.pk].pk]
            if target.pk == member.pk:
                raise ValidationError(
                    {
                        f"patient_{patient.pk}": _("Choose a colleague other than %(name)s.")
                        % {"name": member.full_name}
                    }
                )
            try:
                patient_reassign(patient=patient, physiotherapist=target, by=by)
            except ValidationError as error:
                raise ValidationError(
                    {
                        f"patient_{patient.pk}": _("%(name)s: %(problem)s")
                        % {"name": patient.full_name, "problem": " ".join(error.messages)}
                    }
                ) from error
            moved.append((patient, target))
        user_set_active(user=member, active=False, by=by)
        clashes = session_clashes(
            patient_ids=[patient.pk for patient, _ in moved],
            physio_ids=sorted({target.pk for _, target in moved}),
        )
        if moved:
            # Each move has its own row; this one keeps the hand-over as a whole, and the
            # sessions it left to rebook (ids only).
            audit_record(
                actor=by,
                action=AuditAction.ACCOUNT,
                obj=member,
                detail={
                    "event": "patients_handed_over",
                    "patients": len(moved),
                    "sessions_to_rebook": [clash.moved.pk for clash in clashes],
                },
            )
    return Deactivation(member=member, moved=moved, clashes=clashes)


def session_clashes(
    *, patient_ids: list[int], physio_ids: list[int], now: dt.datetime | None = None
) -> list[SessionClash]:
    """Planned future sessions of ``patient_ids`` that overlap another planned session of
    their (new) physiotherapist, one of ``physio_ids``. One query."""
    now = now or timezone.now()
    sessions = (
        CoachingSession.objects.filter(
            patient__physiotherapist_id__in=physio_ids,
            status=SessionStatus.PLANNED,
            scheduled_at__gt=now,
        )
        .select_related("patient__user", "patient__physiotherapist")
        .order_by("scheduled_at", "pk")
    )
    by_physio: dict[int | None, list[CoachingSession]] = defaultdict(list)
    for session in sessions:
        by_physio[session.patient.physiotherapist_id].append(session)
    moved = set(patient_ids)
    clashes = []
    for diary in by_physio.values():
        for i, session in enumerate(diary):
            for other in diary[i + 1 :]:
                if other.scheduled_at >= session.ends_at:
                    break
                if other.patient_id == session.patient_id:
                    continue
                if session.patient_id in moved or other.patient_id in moved:
                    first, second = (
                        (session, other) if session.patient_id in moved else (other, session)
                    )
                    clashes.append(
                        SessionClash(
                            moved=first,
                            other=second,
                            # The query took only patients with one of physio_ids.
                            physiotherapist=cast(User, first.patient.physiotherapist),
                        )
                    )
    return clashes
