"""Deployment checks of our own, run by ``manage.py check --deploy``."""

from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.security, deploy=True)
def embedded_defaults_in_production(app_configs, **kwargs):
    problems = []
    if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        problems.append(
            Warning(
                "DATABASE_URL is not set: production needs PostgreSQL, not the demo SQLite file.",
                id="walkback.W001",
            )
        )
    if settings.CELERY_BROKER_URL.startswith("filesystem"):
        problems.append(
            Warning(
                "REDIS_URL is not set: production needs Redis, not the demo file-system broker.",
                id="walkback.W002",
            )
        )
    if settings.EMAIL_BACKEND.endswith(("console.EmailBackend", "locmem.EmailBackend")):
        problems.append(
            Warning("EMAIL_URL is not set: reminders would only be printed.", id="walkback.W003")
        )
    if not settings.WALKBACK_REQUIRE_STAFF_2FA:
        problems.append(
            Warning("Staff two-factor authentication is turned off.", id="walkback.W004")
        )
    return problems
