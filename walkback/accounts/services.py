"""Account writes: invitations, accepting them, (de)activating staff. Each is one transaction
with its audit row."""

from __future__ import annotations

import datetime as dt
import secrets

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from walkback.accounts.emails import normalize_email
from walkback.accounts.models import Clinic, DeviceSession, Invitation, Role, User
from walkback.audit.models import AuditAction
from walkback.audit.services import audit_record
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
            lambda: send_mail(
                subject=f"Your WalkBack account at {user.clinic}",
                message=render_to_string("accounts/email/invitation.txt", context),
                from_email=f"{user.clinic} <{_from_address()}>",
                recipient_list=[user.email],
            )
        )
    return token


def _from_address() -> str:
    from email.utils import parseaddr

    return parseaddr(settings.DEFAULT_FROM_EMAIL)[1]


@once_per_submission("staff_invite")
def staff_invite(*, email: str, full_name: str, role: str, clinic: Clinic, by: User) -> User | None:
    """Create a staff account and e-mail its invitation. None when the address belongs to
    another clinic's account (``address_taken``): nothing is created. The same
    ``submission_token`` twice invites once (``once_per_submission``)."""
    if role not in (Role.PHYSIO, Role.CLINIC_ADMIN):
        raise ValidationError({"role": "Staff are physiotherapists or clinic admins."})
    validate_full_name(full_name)
    email = normalize_email(email)
    if address_taken(email=email, clinic=clinic, by=by, role=role):
        return None
    with transaction.atomic():
        user = user_create_unless_taken(
            email=email, full_name=full_name.strip(), role=role, clinic=clinic, by=by
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


SAME_CLINIC_ADDRESS = "Someone at your clinic already has an account with this e-mail."


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
        raise ValidationError({"email": SAME_CLINIC_ADDRESS})
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
            lambda: send_mail(
                subject="Your WalkBack account: an invitation you may not have expected",
                message=render_to_string("accounts/email/address_in_use.txt", context),
                from_email=f"WalkBack <{_from_address()}>",
                recipient_list=[existing.email],
            )
        )
    return True


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


def user_set_active(*, user: User, active: bool, by: User) -> User:
    """Switch a login of the same clinic off or on (a member of staff, or a patient: the
    clinic admin's "switch off login"). A switched-off account cannot log in, and its open
    sessions end at once."""
    if user.clinic_id != by.clinic_id:
        raise ValidationError("That account belongs to another clinic.")
    if user.pk == by.pk and not active:
        raise ValidationError("You cannot deactivate your own account.")
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
