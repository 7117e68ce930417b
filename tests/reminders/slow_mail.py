"""A file-based mail backend that is slow on purpose, and says which message it is working on
(a marker file named after the reminder and the process) before the slow part, so a test can
kill the process while a message is in the middle of being sent."""

import os
import time
from pathlib import Path

from django.core.mail.backends.filebased import EmailBackend


class SlowFileBackend(EmailBackend):
    def write_message(self, message):
        reminder = message.extra_headers.get("X-WalkBack-Reminder", "none")
        markers = Path(os.environ["WALKBACK_TEST_MARKERS"])
        markers.mkdir(parents=True, exist_ok=True)
        (markers / f"{reminder}.{os.getpid()}").touch()
        time.sleep(float(os.environ["WALKBACK_TEST_SEND_DELAY"]))
        super().write_message(message)
