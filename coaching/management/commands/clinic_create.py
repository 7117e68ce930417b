"""``manage.py clinic_create --name ... --time-zone ... --admin-email ... [--admin-name ...]``:
a self-hosted install's first clinic (README, "Self-hosted: first clinic"). The clinic gets
its default programme settings and education library, and its first admin an e-mailed
invitation. Bad input prints what is wrong and exits non-zero with nothing created."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from coaching.services.clinics import clinic_create

# The command's option for each field a refusal names.
OPTIONS = {
    "name": "--name",
    "time_zone": "--time-zone",
    "admin_email": "--admin-email",
    "admin_name": "--admin-name",
}


class Command(BaseCommand):
    help = "Create a clinic, ready to use, and e-mail its first admin an invitation."

    def add_arguments(self, parser):
        parser.add_argument("--name", required=True, help="the clinic's name")
        parser.add_argument(
            "--time-zone", required=True, help="the clinic's IANA time zone, e.g. Australia/Sydney"
        )
        parser.add_argument("--admin-email", required=True, help="the first clinic admin's e-mail")
        parser.add_argument(
            "--admin-name", default="", help="the first admin's full name (default: from e-mail)"
        )

    def handle(self, *args, name, time_zone, admin_email, admin_name, **options):
        try:
            clinic = clinic_create(
                name=name,
                time_zone=time_zone,
                admin_email=admin_email,
                admin_name=admin_name,
                by=None,
            )
        except ValidationError as error:
            raise CommandError(_words(error)) from None
        self.stdout.write(
            self.style.SUCCESS(
                f"Created clinic {clinic.pk} ({clinic.name}, {clinic.time_zone}). An invitation "
                f"was e-mailed to {admin_email.strip().lower()}; its link works for "
                f"{settings.INVITATION_DAYS} days."
            )
        )


def _words(error: ValidationError) -> str:
    if not hasattr(error, "error_dict"):
        return " ".join(error.messages)
    lines = ["Nothing was created:"]
    for field, messages in error.message_dict.items():
        lines.extend(f"  {OPTIONS.get(field, field)}: {message}" for message in messages)
        if field == "time_zone":
            lines.append("  (an IANA name such as Australia/Sydney or Europe/London)")
    return "\n".join(lines)
