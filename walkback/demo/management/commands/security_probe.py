"""``manage.py security_probe URL``: the deployment security checks of docs/security.md, over
HTTP against a running site (walkback/demo/security_probe.py says which accounts it needs).
Exits non-zero when a check fails."""

from django.core.management.base import BaseCommand, CommandError

from walkback.demo.security_probe import run_all


class Command(BaseCommand):
    help = "Probe a running WalkBack deployment for the security promises of docs/security.md."

    def add_arguments(self, parser):
        parser.add_argument("url", help="the site's address, e.g. https://walkback.example")
        parser.add_argument("--patient", required=True, help="EMAIL:PASSWORD of a patient")
        parser.add_argument(
            "--foreign-walk-id", required=True, type=int, help="a walk of another clinic"
        )
        parser.add_argument(
            "--lockout", required=True, help="EMAIL:PASSWORD of an account that may be locked"
        )
        parser.add_argument("--lockout-limit", type=int, default=5)

    def handle(self, *args, url, patient, foreign_walk_id, lockout, lockout_limit, **options):
        findings = run_all(
            url,
            patient=tuple(patient.split(":", 1)),
            foreign_walk_id=foreign_walk_id,
            lockout=tuple(lockout.split(":", 1)),
            lockout_limit=lockout_limit,
        )
        for finding in findings:
            mark = "PASS" if finding.passed else "FAIL"
            self.stdout.write(f"{mark}  {finding.check}: {finding.detail}")
        failed = [f for f in findings if not f.passed]
        self.stdout.write(f"{len(findings) - len(failed)} passed, {len(failed)} failed")
        if failed:
            raise CommandError(f"{len(failed)} security check(s) failed")
