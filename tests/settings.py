"""The small test override of the one settings module (cookiecutter-django's habit)."""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "tests-only-" + "k" * 50)

from walkback.settings import *  # noqa: E402,F403

# Still Argon2 (tests check the stored hash), at the lowest cost so fixtures are quick.
PASSWORD_HASHERS = ["tests.hashers.QuickArgon2PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SECURE_HSTS_SECONDS = 0
# Tests run as production does: staff must pass the second factor unless a test says otherwise.
WALKBACK_REQUIRE_STAFF_2FA = True
AXES_ENABLED = True
# The reset-mail limits count in the shared cache (Redis in CI), which outlives a test: the
# suite run twice in an hour must not hit them. tests/security/test_password_reset_limits.py
# sets production's limits and starts from an empty cache.
PASSWORD_RESET_LIMIT_PER_ADDRESS = 10_000
PASSWORD_RESET_LIMIT_PER_CLIENT = 10_000
