"""Benchmark the outbox with reminders due on several channels (docs/reminders.md,
"Channels"): 10,000 reminders due at once across e-mail, SMS and web push, swept, then the
e-mail and SMS rows sent in-process in the send task's batches of 50, as one worker would
(a push needs a browser's subscription: docs/web-push.md measures one).

- e-mail goes through Django's mail framework to the in-memory backend (the message is built
  and serialised; no SMTP server);
- SMS goes through Twilio's library over HTTP to a local fake of Twilio's API
  (``walkback.demo.bench.fake_twilio``), which answers at once: the figures are our cost and
  the library's, not a carrier's.

Like ``reminders_benchmark`` it creates a throwaway clinic (patients with a confirmed mobile,
both channels chosen), moves the due reminders to a moment long past so nobody else's are
claimed, runs only on a PostgreSQL database named ``*_bench``, and deletes its data at the end.

    DATABASE_URL=postgres:///walkback_bench manage.py reminders_channels_benchmark
"""

from __future__ import annotations

import collections
import datetime as dt
import importlib.util
import logging
import time

import time_machine
from django.conf import settings
from django.core import mail
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test import override_settings

from coaching.models import PhoneVerification, Reminder, ReminderState
from coaching.reminders.delivery import SEND_BATCH, reminders_send, reminders_sweep
from coaching.reminders.services import reminders_plan_upcoming
from patients.models import Patient
from walkback.accounts.models import Clinic, User
from walkback.demo.bench.fake_twilio import FakeTwilio, twilio_settings
from walkback.demo.bench.support import require_bench_database
from walkback.demo.bulk import WORLD_ZONES, seed_clinic

CLINIC_NAME = "Reminder channels benchmark (temporary)"
SWEEP_AT = dt.datetime(2001, 1, 1, 12, 0, tzinfo=dt.UTC)


def push_channel_ready() -> bool:
    return (
        importlib.util.find_spec("coaching.reminders.push") is not None
        and "push" in settings.REMINDER_CHANNELS
    )


class Command(BaseCommand):
    help = "Time the sweep and the send with reminders due on several channels (PostgreSQL)."

    def add_arguments(self, parser):
        parser.add_argument("--patients", type=int, default=5_000)
        parser.add_argument("--due", type=int, default=10_000)
        parser.add_argument(
            "--send",
            type=int,
            default=None,
            help="send only this many of the swept reminders, taken evenly (default: all)",
        )
        parser.add_argument("--keep", action="store_true", help="do not delete the data")

    def handle(self, *args, patients, due, send, keep, **options):
        require_bench_database()
        # One line per reminder sent would be most of the output, and of the time.
        logging.getLogger("walkback.reminders").setLevel(logging.WARNING)
        self._cleanup()
        try:
            self._run(patients, due, send)
        finally:
            if not keep:
                self._cleanup()

    def _run(self, n_patients, due, send_only):
        out = self.stdout.write
        channels = ["email", "sms"] + (["push"] if push_channel_ready() else [])
        if len(channels) == 2:
            out("web push is not installed on this branch: two channels (e-mail, SMS)")
        clinic = seed_clinic(
            patients=n_patients, days=0, physios=0, zones=WORLD_ZONES, name=CLINIC_NAME
        ).clinic
        Patient.objects.filter(clinic=clinic).update(reminder_channels=channels)
        users = list(User.objects.filter(clinic=clinic, patient__isnull=False))
        for user in users:
            user.phone = f"+614{user.pk:08d}"
        User.objects.bulk_update(users, ["phone"], batch_size=2000)
        PhoneVerification.objects.bulk_create(
            [PhoneVerification(user=u, phone=u.phone, verified_phone=u.phone) for u in users],
            batch_size=2000,
        )
        started = time.perf_counter()
        reminders_plan_upcoming(clinic=clinic)
        planned = Reminder.objects.filter(patient__clinic=clinic).count()
        out(
            f"{n_patients:,} patients, {planned:,} rows planned in "
            f"{time.perf_counter() - started:.1f} s"
        )
        per_channel = due // len(channels)
        for channel in channels:
            ids = Reminder.objects.filter(
                patient__clinic=clinic, state=ReminderState.PENDING, channel=channel
            ).values_list("pk", flat=True)[:per_channel]
            Reminder.objects.filter(pk__in=list(ids)).update(
                due_at=SWEEP_AT - dt.timedelta(minutes=1)
            )
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE coaching_reminder")

        fake = FakeTwilio()
        env = twilio_settings(fake)
        try:
            with (
                override_settings(
                    EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
                    REMINDER_CHANNELS={
                        **settings.REMINDER_CHANNELS,
                        "sms": env["WALKBACK_SMS_CHANNEL"],
                    },
                    TWILIO_ACCOUNT_SID=env["TWILIO_ACCOUNT_SID"],
                    TWILIO_AUTH_TOKEN=env["TWILIO_AUTH_TOKEN"],
                    TWILIO_FROM_NUMBER=env["TWILIO_FROM_NUMBER"],
                    TWILIO_MESSAGING_SERVICE_SID="",
                    TWILIO_API_BASE_URL=fake.url,
                    REMINDER_QUIET_HOURS="off",  # a throughput figure, whatever the zone's hour
                ),
                time_machine.travel(SWEEP_AT, tick=True),
            ):
                mail.outbox = []
                handed: list[int] = []
                started = time.perf_counter()
                result = reminders_sweep(now=SWEEP_AT, publish=handed.extend)
                sweep = time.perf_counter() - started
                if result.queued != per_channel * len(channels):
                    raise CommandError(
                        f"expected {per_channel * len(channels)} due, swept {result.queued}"
                    )
                out(
                    f"sweep of {result.queued:,} due ({', '.join(channels)}): {sweep * 1000:.0f} ms"
                )
                if "push" in channels:
                    # Swept with the others; not sent here, as a push needs a browser's
                    # subscription and a push service: docs/web-push.md measures one push.
                    pushes = set(
                        Reminder.objects.filter(pk__in=handed, channel="push").values_list(
                            "pk", flat=True
                        )
                    )
                    handed = [pk for pk in handed if pk not in pushes]
                    out(f"{len(pushes):,} push rows swept, not sent (see docs/web-push.md)")
                if send_only is not None:  # every k-th id: each channel in proportion
                    step = max(1, len(handed) // send_only)
                    handed = handed[::step][:send_only]
                outcomes: collections.Counter = collections.Counter()
                started = time.perf_counter()
                for start in range(0, len(handed), SEND_BATCH):
                    outcomes.update(reminders_send(reminder_ids=handed[start : start + SEND_BATCH]))
                send = time.perf_counter() - started
        finally:
            fake.close()
        rows = Reminder.objects.filter(pk__in=handed)
        by_channel = collections.Counter(rows.values_list("channel", "state"))
        out(
            f"send of {len(handed):,} in batches of {SEND_BATCH}, one process: {send:.1f} s, "
            f"{len(handed) / send:.1f} reminders/s; outcomes {dict(outcomes)}"
        )
        for (channel, state), count in sorted(by_channel.items()):
            out(f"  {channel:5} {state:8} {count:,}")
        out(
            f"e-mails built and handed to the backend: {len(mail.outbox):,}; "
            f"texts accepted by the fake provider: {len(fake.accepted):,}"
        )
        if any(count != 1 for count in fake.delivered().values()):
            raise CommandError("a reminder was texted twice")

    def _cleanup(self):
        clinics = list(Clinic.objects.filter(name=CLINIC_NAME).values_list("pk", flat=True))
        if not clinics:
            return
        Reminder.objects.filter(recipient__clinic__in=clinics)._raw_delete(connection.alias)
        PhoneVerification.objects.filter(user__clinic__in=clinics)._raw_delete(connection.alias)
        Patient.objects.filter(clinic__in=clinics)._raw_delete(connection.alias)
        User.objects.filter(clinic__in=clinics)._raw_delete(connection.alias)
        Clinic.objects.filter(pk__in=clinics)._raw_delete(connection.alias)
        self.stdout.write("benchmark data deleted")
