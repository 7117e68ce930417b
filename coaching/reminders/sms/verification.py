"""The patient proves their mobile number is theirs before any reminder goes to it by SMS:
a six-digit code sent to the number and typed back (docs/reminders.md, "Channels").

- a code lasts ``SMS_CODE_TTL_SECONDS`` (10 minutes) and only for the number it went to;
- only a keyed hash of it is stored (HMAC with the secret key: six digits are too few for a
  plain hash to hide anything from someone who reads the table);
- ``CODE_MAX_FAILURES`` wrong tries and the code is spent: a new one must be asked for;
- sending is limited: one code a minute (``SMS_CODE_RESEND_SECONDS``, held in the database)
  and ``SMS_CODES_PER_HOUR`` an hour per patient and per number (the shared cache, as the
  password-reset e-mails are), so the page cannot be used to flood a number or run up a bill.

The code goes straight to the SMS channel, not through the outbox: it is wanted now, on the
page, and a code delivered an hour late would be useless. Changing ``User.phone`` unverifies
the number by itself (``selectors.phone_verified`` compares the two).
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from coaching.reminders.channels import Message, channel_for
from coaching.reminders.sms.models import CODE_MAX_FAILURES, PhoneVerification
from coaching.reminders.sms.selectors import phone_opted_out, phone_verified
from walkback.accounts.languages import speaking_to
from walkback.accounts.throttle import hit
from walkback.audit.models import AuditAction
from walkback.audit.services import audit_record

logger = logging.getLogger("walkback.reminders")

CODE_DIGITS = 6


def _hash(user_id: int, phone: str, code: str) -> str:
    return salted_hmac(
        "walkback.sms.phone-code", f"{user_id}:{phone}:{code}", algorithm="sha256"
    ).hexdigest()


def code_text(code: str) -> str:
    minutes = settings.SMS_CODE_TTL_SECONDS // 60
    return ngettext(
        "WalkBack: your code is %(code)s. It works for %(minutes)s minute. Do not share it.",
        "WalkBack: your code is %(code)s. It works for %(minutes)s minutes. Do not share it.",
        minutes,
    ) % {"code": code, "minutes": minutes}


def phone_code_send(*, user, patient, now: dt.datetime | None = None) -> None:
    """Send a new code to ``user.phone``. Raises ``ValidationError`` (field "phone") with a
    plain message when it may not be sent now, or when the provider refused it."""
    now = now or timezone.now()
    phone = str(user.phone or "")
    if not phone:
        raise ValidationError({"phone": _("Add your mobile number first.")})
    if phone_verified(user):
        raise ValidationError({"phone": _("This number is already confirmed.")})
    if phone_opted_out(phone):
        raise ValidationError(
            # Translators: keep STOP and START in Latin capitals: the words the network knows.
            {"phone": _("This number replied STOP to our texts. Text START to it first.")}
        )
    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    with transaction.atomic():
        verification, _created = PhoneVerification.objects.select_for_update().get_or_create(
            user=user
        )
        wait = settings.SMS_CODE_RESEND_SECONDS
        if verification.code_sent_at and now - verification.code_sent_at < dt.timedelta(
            seconds=wait
        ):
            raise ValidationError(
                {"phone": _("We just sent you a code. Please wait a minute before asking again.")}
            )
        limit = settings.SMS_CODES_PER_HOUR
        if not (
            hit("sms-code-user", str(user.pk), limit=limit, seconds=3600)
            and hit("sms-code-phone", phone, limit=limit, seconds=3600)
        ):
            raise ValidationError(
                {"phone": _("We have sent several codes already. Please try again in an hour.")}
            )
        verification.phone = phone
        verification.code_hash = _hash(user.pk, phone, code)
        verification.code_sent_at = now
        verification.code_expires_at = now + dt.timedelta(seconds=settings.SMS_CODE_TTL_SECONDS)
        verification.failed_attempts = 0
        verification.save()
        audit_record(
            actor=user,
            action=AuditAction.UPDATE,
            obj=verification,
            patient=patient,
            detail={"event": "phone_code_sent"},
        )
    channel = channel_for("sms")
    # The code's text is in the patient's own language, whatever the page's language.
    with speaking_to(user) as language:
        short = code_text(code)
    try:
        channel.send(
            Message(
                reminder_id=0,
                to_email="",
                subject="",
                text="",
                html="",
                short=short,
                sender_name="WalkBack",
                phone=phone,
                language=language,
            )
        )
    except Exception as error:
        logger.warning("phone code for user %s not sent (%s)", user.pk, type(error).__name__)
        # Nothing went out: the patient may ask again at once.
        PhoneVerification.objects.filter(pk=verification.pk).update(
            code_hash="", code_sent_at=None, code_expires_at=None
        )
        raise ValidationError(
            {"phone": _("We could not send a text to this number. Please check it and try again.")}
        ) from None
    finally:
        channel.close()


def phone_code_check(*, user, patient, code: str, now: dt.datetime | None = None) -> None:
    """Confirm the number if ``code`` is the one sent to it. Raises ``ValidationError``
    (field "code"); a wrong code is counted even so (the count commits before the error)."""
    now = now or timezone.now()
    code = "".join(code.split())
    phone = str(user.phone or "")
    wrong = False
    with transaction.atomic():
        verification = PhoneVerification.objects.select_for_update().filter(user_id=user.pk).first()
        if verification is None or not verification.code_hash or str(verification.phone) != phone:
            raise ValidationError({"code": _("Ask for a code first: press “Text me a code”.")})
        if verification.code_expires_at is None or verification.code_expires_at <= now:
            raise ValidationError({"code": _("This code has run out. Ask for a new one.")})
        if verification.failed_attempts >= CODE_MAX_FAILURES:
            raise ValidationError({"code": _("Too many wrong codes. Ask for a new one.")})
        if constant_time_compare(verification.code_hash, _hash(user.pk, phone, code)):
            verification.verified_phone = phone
            verification.verified_at = now
            verification.code_hash = ""
            verification.code_expires_at = None
            verification.failed_attempts = 0
            verification.save()
            audit_record(
                actor=user,
                action=AuditAction.UPDATE,
                obj=verification,
                patient=patient,
                detail={"event": "phone_verified"},
            )
            return
        verification.failed_attempts += 1
        verification.save(update_fields=["failed_attempts"])
        wrong = True
        left = CODE_MAX_FAILURES - verification.failed_attempts
    if wrong:
        if left:
            problem = ngettext(
                "That code is not right. You can try %(left)s more time.",
                "That code is not right. You can try %(left)s more times.",
                left,
            ) % {"left": left}
        else:
            problem = _("That code is not right. Ask for a new one.")
        raise ValidationError({"code": problem})
