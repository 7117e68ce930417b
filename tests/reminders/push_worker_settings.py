"""Settings for the real Celery workers of the web push fault tests: the reminder workers'
settings, with the slow push channel when WALKBACK_TEST_PUSH_DELAY is set."""

import os

from tests.reminders.worker_settings import *  # noqa: F403

if os.environ.get("WALKBACK_TEST_PUSH_DELAY"):
    REMINDER_CHANNELS = {
        **REMINDER_CHANNELS,  # noqa: F405
        "push": "tests.reminders.slow_push.SlowWebPushChannel",
    }
