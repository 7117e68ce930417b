"""Account writes: invitations, accepting them, (de)activating staff. Each is one transaction
with its audit row."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext, gettext_noop

from walkback.accounts.emails import normalize_email
from walkback.accounts.languages import check_language, speaking_to
from walkback.accounts.limits import CLOSED_DAYS_MAX
from walkback.accounts.models import (
    Clinic,
    ClosedDay,
    DeviceSession,
    EmailChange,
    Invitation,
    Role,
    User,
)
from walkback.audit.models import AuditAction
from walkback.audit.services import audit_record
from walkback.core.services import model_update
from walkback.core.submissions import once_per_submission
from walkback.core.validators import validate_single_line


class InvitationInvalid(Exception):
    """The link is unknown, used or expired. One message for all three: no oracle."""


def invitation_create(*, user: User, by: User | None) -> str:
    """Make a fresh one-time link for ``user`` (earlier unused links stop working) and e-mail
    it. Returns the raw token, which is stored only as a hash."""
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    with transaction.atomic():
        Invitation.objects.filter(user=user, accepted_at__isnull=True).update(expires_at=now)
        invitation = Invitation.objects.create(
            user=user,
            invited_by=by,
            token_hash=Invitation.hash_token(token),
            expires_at=now + dt.timedelta(days=settings.INVITATION_DAYS),
        )
        audit_record(
            actor=by,
            action=AuditAction.INVITE,
            obj=invitation,
            clinic=user.clinic,
            patient=getattr(user, "patient", None) if user.is_patient else None,
            detail={"user_id": user.pk, "role": user.role},
        )
        link = settings.SITE_URL + reverse("accounts:invite-accept", args=[token])
        context = {"user": user, "link": link, "by": by, "days": settings.INVITATION_DAYS}
        transaction.on_commit(
            lambda: _mail_in_their_language(
                user,
                subject=lambda: (
                    gettext("Your WalkBack account at %(clinic)s") % {"clinic": user.clinic}
                ),
                template="accounts/email/invitation.txt",
                context=context,
                sender=str(user.clinic),
                to=user.email,
            )
        )
    return token


def _from_address() -> str:
    from email.utils import parseaddr

    return parseaddr(settings.DEFAULT_FROM_EMAIL)[1]


def _mail_in_their_language(
    user: User, *, subject, template: str, context: dict, sender: str, to: str
) -> None:
    """Send an account e-mail in ``user``'s own language (their choice, else their clinic's),
    whatever the language of the page that caused it. ``subject`` is a function, so that it is
    translated inside that language too."""
    with speaking_to(user):
        send_mail(
            subject=subject(),
            message=render_to_string(template, context),
            from_email=f"{sender} <{_from_address()}>",
            recipient_list=[to],
        )


@once_per_submission("staff_invite")
def staff_invite(
    *,
    email: str,
    full_name: str,
    role: str,
    clinic: Clinic,
    by: User,
    phone: str = "",
    language: str = "",
) -> User | None:
    """Create a staff account and e-mail its invitation. None when the address belongs to
    another clinic's account (``address_taken``): nothing is created. The same
    ``submission_token`` twice invites once (``once_per_submission``). ``language`` is the
    person's own (docs/languages.md); empty, they read their clinic's."""
    check_language(language, blank=True)
    if role not in (Role.PHYSIO, Role.CLINIC_ADMIN):
        raise ValidationError({"role": gettext("Staff are physiotherapists or clinic admins.")})
    validate_full_name(full_name)
    email = normalize_email(email)
    if address_taken(email=email, clinic=clinic, by=by, role=role):
        return None
    with transaction.atomic():
        user = user_create_unless_taken(
            email=email,
            full_name=full_name.strip(),
            role=role,
            clinic=clinic,
            by=by,
            phone=phone or "",
            language=language,
        )
        if user is not None:
            invitation_create(user=user, by=by)
    return user


def user_create_unless_taken(
    *, email: str, role: str, clinic: Clinic, by: User, **fields
) -> User | None:
    """Create the account of an address ``address_taken`` has just found free. When someone
    took it in between (the unique index made this insert wait for them), answer as the check
    now does: the same message within the clinic, None for another clinic's account."""
    try:
        with transaction.atomic():
            return User.objects.create_user(email=email, role=role, clinic=clinic, **fields)
    except IntegrityError:
        if address_taken(email=email, clinic=clinic, by=by, role=role):
            return None
        raise


def validate_full_name(full_name: str) -> None:
    """The model's rule, for services that create a user without ``full_clean``."""
    try:
        validate_single_line(full_name)
    except ValidationError as error:
        raise ValidationError({"full_name": error.messages}) from error


def clinic_settings_update(
    *,
    clinic: Clinic,
    by: User,
    name: str,
    time_zone: str,
    contact_phone,
    address: str,
    closed_days: Iterable[dt.date],
    diary_day_starts: dt.time | None = None,
    diary_day_ends: dt.time | None = None,
    diary_weekends: bool | None = None,
    import_hiking: bool | None = None,
    message_reply_days: int | None = None,
    language: str | None = None,
) -> Clinic:
    """The clinic admin's settings of their own clinic: its name, time zone, how patients
    reach it (phone, stored in E.164, and address) and the days it is closed. One transaction
    with its audit row (field names only); a refusal changes nothing. The programme's goal,
    rules and check-in months are ``coaching.services.clinic_programme_update``. ``language``
    is what the clinic's people read unless they chose their own; None keeps it."""
    if language is not None:
        check_language(language, blank=False)
    if not by.is_clinic_admin or by.clinic_id != clinic.pk:
        raise ValidationError(gettext("Only this clinic's admins can change its settings."))
    days = sorted(set(closed_days))
    if len(days) > CLOSED_DAYS_MAX:
        raise ValidationError(
            {
                "closed_days": gettext("List at most %(max)s closed days at a time.")
                % {"max": CLOSED_DAYS_MAX}
            }
        )
    with transaction.atomic():
        clinic = Clinic.objects.select_for_update().get(pk=clinic.pk)
        # The diary's working hours (docs/diary.md): None keeps what the clinic has.
        starts = diary_day_starts or clinic.diary_day_starts
        ends = diary_day_ends or clinic.diary_day_ends
        weekends = clinic.diary_weekends if diary_weekends is None else diary_weekends
        if ends <= starts:
            raise ValidationError(
                {"diary_day_ends": gettext("Sessions must end later in the day than they start.")}
            )
        changed = model_update(
            clinic,
            {
                "name": name.strip(),
                "time_zone": time_zone,
                "contact_phone": contact_phone or "",
                "address": address.strip(),
                "diary_day_starts": starts,
                "diary_day_ends": ends,
                "diary_weekends": weekends,
            }
            # Imported hikes (docs/activity-import.md); None leaves the setting as it is.
            | ({} if import_hiking is None else {"import_hiking": import_hiking})
            # The usual reply time to patients' messages (docs/messages.md); None keeps it.
            | ({} if message_reply_days is None else {"message_reply_days": message_reply_days})
            # The clinic's own language (docs/languages.md); None keeps it.
            | ({} if language is None else {"language": language}),
        )
        before = set(ClosedDay.objects.filter(clinic=clinic).values_list("day", flat=True))
        removed = before - set(days)
        added = [day for day in days if day not in before]
        ClosedDay.objects.filter(clinic=clinic, day__in=removed).delete()
        ClosedDay.objects.bulk_create(ClosedDay(clinic=clinic, day=day) for day in added)
        if removed or added:
            changed.append("closed_days")
        if changed:
            audit_record(
                actor=by,
                action=AuditAction.UPDATE,
                obj=clinic,
                clinic=clinic,
                detail={
                    "fields": changed,
                    "closed_days_added": len(added),
                    "closed_days_removed": len(removed),
                },
            )
    return clinic


# Marked here, translated where it is raised (tests compare the English constant).
SAME_CLINIC_ADDRESS = gettext_noop(
    "Someone at your clinic already has an account with this e-mail."
)


def address_taken(*, email: str, clinic: Clinic, by: User, role: str) -> bool:
    """Before inviting ``email`` to ``clinic``: is the address already someone's account?

    Within the clinic, saying so is fine (a ``ValidationError`` on the e-mail field). An
    account at another clinic must not be revealed: the person's care elsewhere is not this
    clinic's business. The inviter's page then looks as it does after any invitation (the
    caller returns as if it had sent one), and the account holder gets a notice instead, which
    tells them what happened and what to do. Returns True in that case.
    """
    existing = User.objects.filter(email=email).select_related("clinic").first()
    if existing is None:
        return False
    if existing.clinic_id == clinic.pk:
        raise ValidationError({"email": gettext(SAME_CLINIC_ADDRESS)})
    with transaction.atomic():
        # The inviting clinic's trail says an invitation was not sent, never to whom.
        audit_record(
            actor=by,
            action=AuditAction.INVITE,
            object_type="accounts.Invitation",
            clinic=clinic,
            detail={"event": "address_in_use", "role": role},
        )
        context = {"user": existing, "clinic": clinic}
        transaction.on_commit(
            lambda: _mail_in_their_language(
                existing,
                subject=lambda: gettext(
                    "Your WalkBack account: an invitation you may not have expected"
                ),
                template="accounts/email/address_in_use.txt",
                context=context,
                sender="WalkBack",
                to=existing.email,
            )
        )
    return True


def account_closed_send(*, address: str, short_name: str, clinic_name: str, language: str) -> None:
    """The farewell e-mail of a closed account, in the language the person read WalkBack in
    (``languages.language_for``, taken before their account was erased): their account no
    longer holds it, so the caller passes it."""
    with translation.override(language):
        send_mail(
            subject=gettext("Your WalkBack account at %(clinic)s is closed")
            % {"clinic": clinic_name},
            message=render_to_string(
                "accounts/email/account_closed.txt", {"name": short_name, "clinic": clinic_name}
            ),
            from_email=f"{clinic_name} <{_from_address()}>",
            recipient_list=[address],
        )


def invitation_lookup(token: str) -> Invitation:
    invitation = (
        Invitation.objects.usable()
        .select_related("user", "user__clinic")
        .filter(token_hash=Invitation.hash_token(token), user__is_active=True)
        .first()
    )
    if invitation is None:
        raise InvitationInvalid
    return invitation


def invitation_accept(*, token: str, password: str) -> User:
    """Set the password once; the link then stops working."""
    with transaction.atomic():
        invitation = invitation_lookup(token)
        # Lock the row so two tabs submitting at once cannot both use the link.
        invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if not invitation.is_usable:
            raise InvitationInvalid
        user = invitation.user
        validate_password(password, user)
        user.set_password(password)
        user.save(update_fields=["password"])
        invitation.accepted_at = timezone.now()
        invitation.save(update_fields=["accepted_at"])
        audit_record(
            actor=user, action=AuditAction.ACCOUNT, obj=user, detail={"event": "invite_accepted"}
        )
    return user


def user_sessions_end(*, user: User) -> None:
    """End every open session of ``user`` now, on every device (the next request of each is
    logged out). Call it inside the transaction of the change that causes it."""
    User.objects.filter(pk=user.pk).update(session_generation=F("session_generation") + 1)
    user.refresh_from_db(fields=["session_generation"])
    # Phones kept signed in end too, so they no longer show on the security page.
    DeviceSession.objects.filter(user=user).delete()


def physio_lock_for_patients(physio: User) -> None:
    """Before giving a patient to ``physio`` (enrolment, a change of physiotherapist, a move):
    lock their row until the transaction ends and check they are still active. Deactivating
    a physiotherapist locks the same row (``walkback.reports.staff_services.staff_deactivate``),
    so the two wait for each other: no patient is given to someone being deactivated, and no
    deactivation misses a patient given to them meanwhile. Call it inside the transaction."""
    locked = User.objects.select_for_update(no_key=True).only("is_active").get(pk=physio.pk)
    if not locked.is_active:
        raise ValidationError(
            {
                "physiotherapist": gettext(
                    "%(name)s is no longer active. Choose another physiotherapist."
                )
                % {"name": physio.full_name}
            }
        )


def user_set_active(*, user: User, active: bool, by: User) -> User:
    """Switch a login of the same clinic off or on (a member of staff, or a patient: the
    clinic admin's "switch off login"). A switched-off account cannot log in, and its open
    sessions end at once."""
    if user.clinic_id != by.clinic_id:
        raise ValidationError(gettext("That account belongs to another clinic."))
    if user.pk == by.pk and not active:
        raise ValidationError(gettext("You cannot deactivate your own account."))
    with transaction.atomic():
        user.is_active = active
        user.save(update_fields=["is_active"])
        if not active:
            user_sessions_end(user=user)
        audit_record(
            actor=by,
            action=AuditAction.ACCOUNT,
            obj=user,
            detail={"event": "reactivated" if active else "deactivated"},
        )
    return user


# How long the link that proves a new e-mail address works.
EMAIL_CHANGE_HOURS = 48
SAME_ADDRESS = gettext_noop("That is already your e-mail address.")


class EmailChangeInvalid(Exception):
    """The link is unknown, used, expired or someone else's. One message for all."""


def email_change_request(*, user: User, new_email: str, patient=None) -> None:
    """Start changing ``user``'s address: e-mail a one-time link to the new address; the
    address changes only when that link is followed (``email_change_confirm``). Earlier links
    stop working. When the new address is already an account, nothing can change: that
    address gets a notice instead of a link and the page says the same as always, so it tells
    nobody whose address it is (as ``address_taken`` does for invitations)."""
    new_email = normalize_email(new_email)
    if new_email == user.email:
        raise ValidationError({"email": gettext(SAME_ADDRESS)})
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    taken = User.objects.filter(email=new_email).exists()
    with transaction.atomic():
        EmailChange.objects.filter(user=user).delete()
        if not taken:
            EmailChange.objects.create(
                user=user,
                new_email=new_email,
                token_hash=Invitation.hash_token(token),
                expires_at=now + dt.timedelta(hours=EMAIL_CHANGE_HOURS),
            )
        audit_record(
            actor=user,
            action=AuditAction.ACCOUNT,
            obj=user,
            patient=patient,
            detail={"event": "email_change_asked"},
        )
        link = settings.SITE_URL + reverse("accounts:email-confirm", args=[token])
        context = {"user": user, "link": link, "hours": EMAIL_CHANGE_HOURS, "taken": taken}
        transaction.on_commit(
            lambda: _mail_in_their_language(
                user,
                subject=lambda: gettext("Confirm your new e-mail address for WalkBack"),
                template="accounts/email/email_change.txt",
                context=context,
                sender=str(user.clinic),
                to=new_email,
            )
        )


def email_change_confirm(*, user: User, token: str, patient=None) -> User:
    """Follow the link: the logged-in ``user``'s address becomes the one it was sent to. The
    old address is told, so a change nobody asked for does not go unnoticed."""
    with transaction.atomic():
        change = (
            EmailChange.objects.usable()
            .select_for_update()
            .filter(token_hash=Invitation.hash_token(token), user=user)
            .first()
        )
        if change is None:
            raise EmailChangeInvalid
        old_email = user.email
        user.email = change.new_email
        try:
            with transaction.atomic():
                user.save(update_fields=["email"])
        except IntegrityError as error:
            # Someone took the address after the link was sent.
            user.email = old_email
            raise EmailChangeInvalid from error
        # The row held the address only until it was proved: nothing to keep.
        EmailChange.objects.filter(user=user).delete()
        audit_record(
            actor=user,
            action=AuditAction.ACCOUNT,
            obj=user,
            patient=patient,
            detail={"event": "email_changed"},
        )
        context = {"user": user}
        transaction.on_commit(
            lambda: _mail_in_their_language(
                user,
                subject=lambda: gettext("Your WalkBack e-mail address was changed"),
                template="accounts/email/email_changed.txt",
                context=context,
                sender=str(user.clinic),
                to=old_email,
            )
        )
    return user


def user_phone_set(*, user: User, phone) -> bool:
    """A person sets or removes their own phone number. Returns whether it changed."""
    if str(phone or "") == str(user.phone or ""):
        return False
    with transaction.atomic():
        user.phone = phone or ""
        user.full_clean(exclude=["password"])
        user.save(update_fields=["phone"])
        audit_record(
            actor=user,
            action=AuditAction.ACCOUNT,
            obj=user,
            patient=getattr(user, "patient", None) if user.is_patient else None,
            detail={"event": "phone_changed"},
        )
    return True


def user_language_set(*, user: User, language: str) -> bool:
    """A person chooses the language they read WalkBack in (their pages, e-mails, texts and
    reminders); "" means their clinic's. Returns whether it changed. An unknown code is
    refused, next to the field."""
    language = language or ""
    check_language(language)
    if language == user.language:
        return False
    with transaction.atomic():
        user.language = language
        user.save(update_fields=["language"])
        audit_record(
            actor=user,
            action=AuditAction.ACCOUNT,
            obj=user,
            patient=getattr(user, "patient", None) if user.is_patient else None,
            detail={"event": "language_changed", "language": language},
        )
    return True
