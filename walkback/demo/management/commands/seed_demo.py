"""Seed the demo: two clinics (so separation can be seen), the three demo logins in the first.

Safe to run again: existing rows are kept. Each later part of the product adds its own demo
data through ``DEMO_SEEDERS`` so this command stays the one entry point.
"""

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils.module_loading import import_string

from coaching.services.status import caseload_rows_refresh
from patients.models import Patient
from walkback.demo.seed.foundation import DEMO_PASSWORD

DEMO_LOGINS = [
    ("admin@demo.test", "Clinic admin"),
    ("physio@demo.test", "Physiotherapist"),
    ("patient@demo.test", "Patient"),
]
# Run in order; each takes the foundation's result dict and may add to it.
DEMO_SEEDERS = [
    "walkback.demo.seed.foundation.seed_foundation",
    # The demo patient's own story first (the portal's); the caseload then adds its patients
    # and leaves a patient who already has sessions alone.
    "walkback.demo.seed.portal.seed_portal",
    "walkback.demo.seed.programme.seed_programme",
    "walkback.demo.seed.reports.seed_reports",
    "walkback.demo.seed.rights.seed_rights",
    # Before reminders: spreads the demo physiotherapist's 10:00 sessions over the day.
    "walkback.demo.seed.diary.seed_diary",
    # Sample files the demo patient can import (.demo/samples/, docs/activity-import.md).
    "walkback.demo.seed.imports.seed_imports",
    # A reply waiting for the demo patient, a question waiting for the physiotherapist.
    "walkback.demo.seed.messages.seed_messages",
    # Outcome questionnaires over time, for patients the seeders above started.
    "walkback.demo.seed.questionnaires.seed_questionnaires",
    # Last: the reminder planner fills in every demo patient's reminders.
    "walkback.demo.seed.reminders.seed_reminders",
    # The demo patient's confirmed mobile and texts beside e-mail (printed by the console).
    "walkback.demo.seed.sms.seed_sms",
    # After the seeded programmes: the clinic's contact and coming public holidays.
    "walkback.demo.seed.foundation.seed_clinic_settings",
]


class Command(BaseCommand):
    help = "Create or top up the demo clinics and logins."

    def handle(self, *args, **options):
        context: dict = {}
        with transaction.atomic():
            for path in DEMO_SEEDERS:
                import_string(path)(context)
            # The seeders write rows directly: every patient's caseload row from what they wrote.
            caseload_rows_refresh(patient_ids=Patient.objects.values_list("pk", flat=True))
        self.stdout.write(
            self.style.SUCCESS(f"Demo data ready. Logins (password {DEMO_PASSWORD}):")
        )
        for email, role in DEMO_LOGINS:
            self.stdout.write(f"  {role:<16} {email}")
