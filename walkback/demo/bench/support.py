"""What every benchmark command shares: the database it may fill, and a logged-in client."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import CommandError
from django.db import connection
from django.test import Client, override_settings
from django_otp.plugins.otp_totp.models import TOTPDevice

# A benchmark writes tens of thousands of rows (and some keep them): only into a database
# made for it. Read at call time, so a test can point the guard at its own test database.
BENCH_SUFFIX = "_bench"


def require_bench_database() -> None:
    name = str(connection.settings_dict["NAME"])
    if connection.vendor != "postgresql" or not name.endswith(BENCH_SUFFIX):
        raise CommandError(
            f"Point DATABASE_URL at a PostgreSQL database whose name ends in {BENCH_SUFFIX} "
            f"(this is {connection.vendor} {name!r})."
        )


def log_in(client: Client, user) -> Client:
    """Log ``client`` in as ``user`` as after a real login: staff with their second factor
    passed. The tests log in the same way (``tests.conftest.login_as``)."""
    client.force_login(user, backend="walkback.accounts.backends.UserBackend")
    if user.is_clinic_staff:
        device, _ = TOTPDevice.objects.get_or_create(
            user=user, name="second factor", confirmed=True
        )
        session = client.session
        session["otp_device_id"] = device.persistent_id
        session.save()
    return client


def logged_in(user) -> Client:
    return log_in(Client(HTTP_HOST="127.0.0.1"), user)


def bench_site():
    """The settings of a benchmark's requests: the project's URLs plus the bare pages, any
    host, and static files by plain URL (pages are measured, not a collectstatic manifest)."""
    return override_settings(
        ROOT_URLCONF="walkback.demo.bench.urls",
        ALLOWED_HOSTS=["*"],
        STORAGES={
            **settings.STORAGES,
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        },
    )
