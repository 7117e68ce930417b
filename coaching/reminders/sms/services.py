"""Writes the SMS provider's webhooks cause: a number said STOP (or START), a message was or
was not delivered. Called by ``webhooks`` once the provider's signature is checked."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from coaching.models import Reminder, ReminderChannel, ReminderDelivery
from coaching.reminders.sms.models import SmsOptOut
from patients.models import Patient
from walkback.audit.models import AuditAction
from walkback.audit.services import audit_record

# Twilio's final delivery states; the others (queued, sending, sent) say nothing final.
DELIVERY_STATES = {
    "delivered": ReminderDelivery.DELIVERED,
    "undelivered": ReminderDelivery.UNDELIVERED,
    "failed": ReminderDelivery.UNDELIVERED,
}
# Twilio's error for "this number has replied STOP": the provider's own opt-out record.
UNSUBSCRIBED_ERROR = "21610"


def _audit_patients(phone: str, event: str, via: str) -> None:
    """One audit row (no actor: the provider told us) for each patient with this number."""
    for patient in Patient.objects.filter(user__phone=phone).select_related("clinic"):
        audit_record(
            actor=None,
            action=AuditAction.UPDATE,
            obj=patient,
            patient=patient,
            detail={"event": event, "via": via},
        )


def sms_opt_out(*, phone: str, via: str) -> bool:
    """No more SMS to ``phone`` until it says START. True if it was not opted out before."""
    with transaction.atomic():
        _, created = SmsOptOut.objects.get_or_create(phone=phone, defaults={"via": via[:20]})
        if created:
            _audit_patients(phone, "sms_opt_out", via)
    return created


def sms_opt_in(*, phone: str, via: str) -> bool:
    """``phone`` said START: texts may go to it again, by the channels its patient chose
    (their choice was never changed by STOP). True if it was opted out."""
    with transaction.atomic():
        deleted, _ = SmsOptOut.objects.filter(phone=phone).delete()
        if deleted:
            _audit_patients(phone, "sms_opt_in", via)
    return bool(deleted)


def sms_delivery_record(
    *, reminder_id: int, message_sid: str, status: str, error_code: str = ""
) -> bool:
    """A delivery receipt: mark the SMS row delivered or not delivered. Receipts that say
    nothing final are ignored; True if a row changed."""
    delivery = DELIVERY_STATES.get(status)
    if delivery is None:
        return False
    with transaction.atomic():
        row = (
            Reminder.objects.select_for_update()
            .filter(pk=reminder_id, channel=ReminderChannel.SMS)
            .select_related("recipient")
            .first()
        )
        # The row's message, or a row whose outcome is not recorded yet (the receipt can
        # arrive before the worker wrote the provider's id).
        if row is None or row.provider_message_id not in ("", message_sid):
            return False
        row.delivery = delivery
        row.delivery_at = timezone.now()
        row.provider_message_id = message_sid[:64]
        fields = ["delivery", "delivery_at", "provider_message_id"]
        if delivery == ReminderDelivery.UNDELIVERED and error_code:
            row.last_error = f"not delivered (provider error {error_code})"[:200]
            fields.append("last_error")
        row.save(update_fields=fields)
        if error_code == UNSUBSCRIBED_ERROR and row.recipient.phone:
            sms_opt_out(phone=str(row.recipient.phone), via="provider-21610")
    return True
