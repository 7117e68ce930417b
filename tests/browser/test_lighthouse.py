"""Lighthouse (the npm package in package.json, run with npx) on the patient home and "Log a
walk", on its phone profile with Debian's headless Chromium, logged in as a patient:
accessibility 100, best practices 100, performance at least 90 (docs/offline.md has the
scores). Reports go to test-artifacts/lighthouse/. Skipped only outside CI when npm or the
package is missing; `.ci/run` runs `npm ci` first.

The pages are served as in production, static files included: collected with the production
storage (hashed names, gzip copies) and answered by WhiteNoise, not by the test server's
uncompressed finder, whose 230 kB of Bootstrap would measure the test server, not the site."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connections
from django.test import Client, override_settings
from django.test.testcases import LiveServerThread

from tests.browser.conftest import CHROMIUM
from tests.conftest import IN_CI, login_as
from tests.factories import (
    ClinicFactory,
    PatientFactory,
    PrescriptionFactory,
    UserFactory,
    WalkLogFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
LIGHTHOUSE = ROOT / "node_modules" / ".bin" / "lighthouse"
REPORTS = ROOT / "test-artifacts" / "lighthouse"
CATEGORIES = ("performance", "accessibility", "best-practices")


@pytest.fixture
def lighthouse():
    if not shutil.which("npx") or not LIGHTHOUSE.exists():
        if IN_CI:
            pytest.fail("Lighthouse is not installed: run `npm ci` (.ci/run does)")
        pytest.skip("Lighthouse is not installed (npm ci)")
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Chromium not found at {CHROMIUM}")
    return LIGHTHOUSE


@pytest.fixture(scope="module")
def collected_static(tmp_path_factory):
    root = tmp_path_factory.mktemp("collected-static")
    with override_settings(STATIC_ROOT=root, STORAGES=PRODUCTION_STORAGES):
        call_command("collectstatic", "--noinput", verbosity=0)
    return root


PRODUCTION_STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}


@pytest.fixture
def production_server(collected_static, transactional_db):
    """A live server whose static files come from WhiteNoise, as behind gunicorn."""
    with override_settings(
        STATIC_ROOT=collected_static,
        STORAGES=PRODUCTION_STORAGES,
        WHITENOISE_USE_FINDERS=False,
        WHITENOISE_AUTOREFRESH=False,
        ALLOWED_HOSTS=["localhost"],
    ):
        shared = {
            conn.alias: conn
            for conn in connections.all()
            if conn.vendor == "sqlite" and conn.is_in_memory_db()
        }
        for conn in shared.values():
            conn.inc_thread_sharing()
        # No static handler in front: /static/ reaches WhiteNoiseMiddleware like in production.
        thread = LiveServerThread("localhost", lambda app: app, connections_override=shared)
        thread.daemon = True
        thread.start()
        thread.is_ready.wait()
        if thread.error:
            raise thread.error
        yield f"http://localhost:{thread.port}"
        thread.terminate()
        for conn in shared.values():
            conn.dec_thread_sharing()


@pytest.fixture
def patient_cookie():
    clinic = ClinicFactory(name="Harbour Physio", time_zone="Australia/Sydney")
    physio = UserFactory(full_name="Priya Physio", clinic=clinic)
    patient = PatientFactory(clinic=clinic, physiotherapist=physio)
    today = patient.today()
    patient.programme_start = today - dt.timedelta(days=20)
    patient.save()
    PrescriptionFactory(
        patient=patient,
        effective_from=patient.programme_start,
        walks_per_week=5,
        minutes_per_walk=30,
        author=physio,
    )
    for days_ago in (1, 3, 6):
        WalkLogFactory(patient=patient, walked_on=today - dt.timedelta(days=days_ago), minutes=30)
    client = login_as(Client(), patient.user)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


# Lighthouse's 4x CPU slowdown assumes a fast desktop; below this benchmark index it warns that
# the machine is too slow for the default and asks for a calibrated multiplier
# (lighthouse/core/gather/driver/environment.js, SLOW_CPU_BENCHMARK_INDEX_THRESHOLD).
FAST_MACHINE_INDEX = 1000
DEFAULT_SLOWDOWN = 4
CALIBRATION: dict[str, float] = {}


@pytest.fixture
def cpu_slowdown(lighthouse, production_server) -> float:
    """The CPU multiplier that makes this machine emulate Lighthouse's phone: 4x on a machine
    of benchmark index 1000 or more, proportionally less below (never below 1x). Measured by
    a Lighthouse run of its own on a page with no patient data (the login page), once per
    test run, since a loaded CI machine can be several times slower than a desktop."""
    if "slowdown" in CALIBRATION:
        return CALIBRATION["slowdown"]
    result = run_lighthouse(
        production_server + "/accounts/login/", "", "calibration", cpu_slowdown=DEFAULT_SLOWDOWN
    )
    index = result["environment"]["benchmarkIndex"]
    slowdown = max(1.0, min(DEFAULT_SLOWDOWN, DEFAULT_SLOWDOWN * index / FAST_MACHINE_INDEX))
    print(f"lighthouse calibration: benchmark index {index:.0f}, CPU slowdown {slowdown:.2f}x")
    CALIBRATION["slowdown"] = slowdown
    return slowdown


def run_lighthouse(url: str, cookie: str, name: str, *, cpu_slowdown: float) -> dict:
    REPORTS.mkdir(parents=True, exist_ok=True)
    report = REPORTS / f"{name}.json"
    command = [
        "npx",
        "--no-install",
        "lighthouse",
        url,
        "--form-factor=mobile",
        "--screenEmulation.mobile",
        f"--only-categories={','.join(CATEGORIES)}",
        "--chrome-flags=--headless=new --no-sandbox --disable-gpu --no-first-run",
        f"--extra-headers={json.dumps({'Cookie': cookie} if cookie else {})}",
        f"--throttling.cpuSlowdownMultiplier={cpu_slowdown:.2f}",
        "--output=json",
        f"--output-path={report}",
        "--quiet",
    ]
    for _attempt in range(3):
        report.unlink(missing_ok=True)
        # Lighthouse exits 1 when it writes a report with a runtime error; no report at all
        # is a failure of its own.
        done = subprocess.run(
            command, cwd=ROOT, env={**os.environ, "CHROME_PATH": CHROMIUM}, timeout=240
        )
        assert report.exists(), f"lighthouse wrote no report (exit {done.returncode})"
        result = json.loads(report.read_text())
        # Lighthouse sometimes fails to record the page load's trace on a busy machine
        # (NO_NAVSTART: "Please run Lighthouse again") and then gives no score at all; that
        # run measured nothing, so it is run again. A low score is never retried.
        if not result.get("runtimeError"):
            return result
        print(f"lighthouse {name}: {result['runtimeError']['code']}, running it again")
    return result


def failing_audits(result: dict, category: str) -> list[str]:
    refs = result["categories"][category]["auditRefs"]
    return [
        f"{ref['id']}: {result['audits'][ref['id']].get('title')}"
        for ref in refs
        if ref["weight"] and (result["audits"][ref["id"]].get("score") or 0) < 1
    ]


@pytest.mark.parametrize(
    ("path", "name"), [("/me/", "patient-home"), ("/me/walks/new/", "log-a-walk")]
)
def test_lighthouse_on_the_patient_pages(
    lighthouse, production_server, patient_cookie, cpu_slowdown, path, name
):
    result = run_lighthouse(
        production_server + path, patient_cookie, name, cpu_slowdown=cpu_slowdown
    )
    assert result["finalDisplayedUrl"].endswith(path), "not logged in"
    scores = {c: round(result["categories"][c]["score"] * 100) for c in CATEGORIES}
    metrics = {
        audit: result["audits"][audit]["displayValue"]
        for audit in ("first-contentful-paint", "largest-contentful-paint", "total-blocking-time")
    }
    print(f"lighthouse {name}: {scores} {metrics}")
    assert scores["accessibility"] == 100, failing_audits(result, "accessibility")
    assert scores["best-practices"] == 100, failing_audits(result, "best-practices")
    assert scores["performance"] >= 90, failing_audits(result, "performance")
