"""`make demo` runs the whole product on embedded defaults; running it again keeps the data."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from django.core.management import call_command

from walkback.accounts.models import Clinic, ClosedDay, User

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
def test_seeding_twice_keeps_the_data_and_adds_nothing():
    call_command("seed_demo", verbosity=0)
    counts = (User.objects.count(), Clinic.objects.count(), ClosedDay.objects.count())
    call_command("seed_demo", verbosity=0)
    assert (User.objects.count(), Clinic.objects.count(), ClosedDay.objects.count()) == counts
    assert Clinic.objects.count() == 2
    for email in ("admin@demo.test", "physio@demo.test", "patient@demo.test"):
        user = User.objects.get(email=email)
        assert user.check_password("walkback-demo")
        assert user.clinic.name == "Harbour Physio (demo)"
    # The clinic settings page has something to show: a contact and the coming holidays.
    demo = Clinic.objects.get(name="Harbour Physio (demo)")
    assert demo.contact_phone.as_e164 == "+61290000000" and demo.address
    assert ClosedDay.objects.filter(clinic=demo).count() == 5


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_demo_serves_the_site_without_services_and_ctrl_c_stops_everything(tmp_path):
    port = _free_port()
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "REDIS_URL", "EMAIL_URL", "DJANGO_SETTINGS_MODULE")
    }
    env.update(DJANGO_DEBUG="true", DATABASE_URL=f"sqlite:///{tmp_path}/demo.sqlite3")
    for attempt in range(2):  # the second run must keep the data and not fail
        demo = subprocess.Popen(  # noqa: S603
            [sys.executable, "manage.py", "demo", "--addr", f"127.0.0.1:{port}"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            deadline = time.monotonic() + 90
            status = None
            while time.monotonic() < deadline:
                assert demo.poll() is None, demo.stdout.read().decode()
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:  # noqa: S310
                        status = r.status
                        body = r.read().decode()
                    break
                except OSError:
                    time.sleep(0.5)
            assert status == 200, "the demo did not come up"
            assert '"database": true' in body
            # The readiness report names the file-system broker too.
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz/ready", timeout=5) as r:  # noqa: S310
                assert '"broker": true' in r.read().decode()
        finally:
            # What Ctrl-C sends; the second run is stopped as `kill` would stop it.
            demo.send_signal(signal.SIGINT if attempt == 0 else signal.SIGTERM)
            output = demo.communicate(timeout=120)[0].decode()  # slow under load
        assert "admin@demo.test" in output and "walkback-demo" in output
        # No web server, worker or beat is left behind in the process group.
        leftover = subprocess.run(["pgrep", "-g", str(demo.pid)], capture_output=True, text=True)  # noqa: S603,S607
        assert leftover.stdout.strip() == "", f"run {attempt}: processes left: {leftover.stdout}"
