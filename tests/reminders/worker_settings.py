"""Settings for the real Celery workers and web processes the reliability tests start: the
project's own settings from the environment (DATABASE_URL = the test database, REDIS_URL =
the test's throwaway Redis, EMAIL_URL = file:///folder), plus, when WALKBACK_TEST_SEND_DELAY
is set, a mail backend that takes that long per message so a test can kill a worker
mid-batch."""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "tests-only-" + "k" * 50)

from walkback.settings import *  # noqa: E402,F403

if os.environ.get("WALKBACK_TEST_SEND_DELAY"):
    EMAIL_BACKEND = "tests.reminders.slow_mail.SlowFileBackend"

# The web processes some of these tests start serve pages without a collectstatic manifest.
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
