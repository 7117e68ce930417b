"""Shared fixtures: personas in two clinics (healthchecks' and wger's habit), real services.

Clinic A: admin_a, physio_a, physio_a2, patient_a (physio_a's), patient_a2 (physio_a2's).
Clinic B: admin_b, physio_b, patient_b. Everything a test reads from A must never show B.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import pytest
from django.conf import settings

from tests.factories import PASSWORD, ClinicFactory, PatientFactory, UserFactory
from walkback.accounts.models import Role
from walkback.demo.bench.support import log_in


def pytest_configure(config):
    # Before any live server starts: on SQLite it serves one request at a time
    # (tests/live_server.py says why).
    if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        from django.test.testcases import LiveServerThread

        from tests.live_server import OneRequestAtATimeServer

        LiveServerThread.server_class = OneRequestAtATimeServer


IN_CI = bool(os.environ.get("CI"))

# Real Redis and Celery workers for the tests that depend on them (tests/workers.py).
pytest_plugins = ["tests.workers", "tests.reminders.push_fixtures"]


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """In CI a skipped test is a failure: nothing that needs PostgreSQL, Redis or the browser
    may quietly not run."""
    outcome = yield
    report = outcome.get_result()
    if IN_CI and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        report.longrepr = f"skipped in CI, which must run everything: {report.longrepr}"


@pytest.fixture(autouse=True)
def _site_language():
    """Each test starts in the site's language: Django's LocaleMiddleware leaves the language
    of a test's last request active in the thread (docs/languages.md)."""
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@dataclass
class World:
    clinic_a: object
    clinic_b: object
    admin_a: object
    admin_b: object
    physio_a: object
    physio_a2: object
    physio_b: object
    patient_a: object
    patient_a2: object
    patient_b: object


@pytest.fixture
def world(db) -> World:
    clinic_a = ClinicFactory(name="Alpha Physio", time_zone="Australia/Sydney")
    clinic_b = ClinicFactory(name="Zebracorn Secret Clinic", time_zone="Europe/London")
    physio_a = UserFactory(email="physio.a@example.test", full_name="Anna Alpha", clinic=clinic_a)
    physio_a2 = UserFactory(email="physio.a2@example.test", full_name="Abe Alpha", clinic=clinic_a)
    physio_b = UserFactory(
        email="physio.b@example.test", full_name="Quixotic Zebracorn", clinic=clinic_b
    )
    return World(
        clinic_a=clinic_a,
        clinic_b=clinic_b,
        admin_a=UserFactory(email="admin.a@example.test", role=Role.CLINIC_ADMIN, clinic=clinic_a),
        admin_b=UserFactory(email="admin.b@example.test", role=Role.CLINIC_ADMIN, clinic=clinic_b),
        physio_a=physio_a,
        physio_a2=physio_a2,
        physio_b=physio_b,
        patient_a=PatientFactory(
            clinic=clinic_a,
            physiotherapist=physio_a,
            user__email="patient.a@example.test",
            user__full_name="Paula Alpha",
        ),
        patient_a2=PatientFactory(
            clinic=clinic_a,
            physiotherapist=physio_a2,
            user__email="patient.a2@example.test",
            user__full_name="Peter Alpha",
        ),
        patient_b=PatientFactory(
            clinic=clinic_b,
            physiotherapist=physio_b,
            user__email="patient.b@example.test",
            user__full_name="Zebracorn Patientname",
        ),
    )


# Log a client in as ``user`` with the second factor passed, as after a real login.
login_as = log_in


@pytest.fixture
def client_for(client, db):
    def make(user):
        from django.test import Client

        return login_as(Client(), user)

    return make


@pytest.fixture
def password():
    return PASSWORD


@pytest.fixture
def redis_url():
    url = settings.REDIS_URL
    if not url.startswith("redis"):
        pytest.skip("REDIS_URL does not point at Redis")
    return url


@pytest.fixture
def postgres(db):
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("DATABASE_URL does not point at PostgreSQL")
    return connection
