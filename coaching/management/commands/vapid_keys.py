"""Print a new VAPID key pair for a clinic's install, as the environment lines WalkBack reads
(docs/web-push.md). Run once; keep the private key secret. A new pair makes every browser's
existing subscription useless (the push services refuse it), so patients subscribe again."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from coaching.reminders.push import vapid_key_pair


class Command(BaseCommand):
    help = "Generate a VAPID key pair for web push reminders and print it as settings."

    def handle(self, *args, **options):
        private, public = vapid_key_pair()
        self.stdout.write(f"WALKBACK_VAPID_PUBLIC_KEY={public}")
        self.stdout.write(f"WALKBACK_VAPID_PRIVATE_KEY={private}")
        self.stdout.write("WALKBACK_VAPID_SUBJECT=mailto:<an address of the clinic's IT contact>")
