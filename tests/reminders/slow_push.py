"""The web push channel, slow on purpose for the worker fault tests: says which reminder it is
about to push (a marker file named after the reminder and the process), waits, then pushes,
so a test can kill the worker while a push is in the middle of being sent."""

import os
import time
from pathlib import Path

from coaching.reminders.push import WebPushChannel


class SlowWebPushChannel(WebPushChannel):
    def send(self, message):
        markers = Path(os.environ["WALKBACK_TEST_MARKERS"])
        markers.mkdir(parents=True, exist_ok=True)
        (markers / f"{message.reminder_id}.{os.getpid()}").touch()
        time.sleep(float(os.environ["WALKBACK_TEST_PUSH_DELAY"]))
        super().send(message)
