"""Helpers for the SMS tests."""

from __future__ import annotations

from coaching.reminders.sms.models import PhoneVerification

PHONE = "+61412345678"


def verified_phone(user, phone: str = PHONE) -> str:
    """Give ``user`` a mobile number they have confirmed with a code."""
    user.phone = phone
    user.save(update_fields=["phone"])
    PhoneVerification.objects.update_or_create(
        user=user, defaults={"phone": phone, "verified_phone": phone}
    )
    return phone


def every_patient_kind(patient, *, session_at) -> list:
    """One unsaved SMS reminder of every kind a patient can get (a video session at
    ``session_at`` and a check-in for the kinds about them): for checking every text."""
    from coaching.models import CoachingSession, Reminder, ReminderKind, SessionMode, SessionPurpose
    from tests.factories import CheckInFactory

    session = CoachingSession.objects.create(
        patient=patient,
        number=2,
        purpose=SessionPurpose.PRESCRIBE,
        mode=SessionMode.VIDEO,
        video_link="https://meet.example.test/secret-room",
        scheduled_at=session_at,
    )
    check_in = CheckInFactory(patient=patient)
    return [
        Reminder(
            kind=kind,
            recipient=patient.user,
            patient=patient,
            channel="sms",
            session=session if kind.startswith("session") else None,
            check_in=check_in if kind.startswith("check_in") else None,
        )
        for kind in ReminderKind.values
        if kind not in ("digest", "adverse_event")
    ]
