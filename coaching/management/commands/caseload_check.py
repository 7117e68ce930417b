"""Recompute every patient's caseload row from scratch and report the rows that differ from
the stored ones (docs/programme-rules.md, "The caseload's status"). Exits 1 when any differ;
``--fix`` then writes the recomputed rows."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from coaching.services.status import caseload_rows_refresh
from coaching.status import statuses_check


class Command(BaseCommand):
    help = "Check the maintained caseload rows against a recomputation from scratch."

    def add_arguments(self, parser):
        parser.add_argument("--fix", action="store_true", help="write the recomputed rows")

    def handle(self, *args, fix: bool, **options):
        now = timezone.now()
        differing = statuses_check(now=now)
        for pk, fields in sorted(differing.items()):
            self.stdout.write(f"patient {pk}: {', '.join(fields)}")
        if not differing:
            self.stdout.write(self.style.SUCCESS("Every caseload row agrees."))
            return
        if fix:
            caseload_rows_refresh(patient_ids=differing, now=now)
            self.stdout.write(f"{len(differing)} rows rewritten.")
        raise CommandError(f"{len(differing)} caseload rows differ from a recomputation.")
