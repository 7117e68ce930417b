"""Issue 11: `manage.py demo --addr HOST:PORT` makes the links in e-mails point at that address
(and lets that host in), so the demo opened from a phone sends links that open on the phone."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core import mail
from django.core.management import CommandError

from walkback.accounts.models import Role
from walkback.accounts.services import staff_invite
from walkback.demo.management.commands.demo import demo_environment

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("addr", "site_url", "hosts"),
    [
        ("127.0.0.1:8000", "http://127.0.0.1:8000", ["127.0.0.1", "localhost"]),
        ("8001", "http://127.0.0.1:8001", ["127.0.0.1", "localhost"]),
        ("10.0.0.7:8000", "http://10.0.0.7:8000", ["127.0.0.1", "localhost", "10.0.0.7"]),
        ("demo.local:9000", "http://demo.local:9000", ["127.0.0.1", "localhost", "demo.local"]),
        ("[::1]:8000", "http://[::1]:8000", ["127.0.0.1", "localhost", "::1"]),
        # Every address: nobody can open 0.0.0.0, so the links stay on this computer.
        ("0.0.0.0:8000", "http://127.0.0.1:8000", ["127.0.0.1", "localhost"]),
    ],
)  # fmt: skip
def test_the_address_becomes_the_links_and_an_allowed_host(addr, site_url, hosts):
    env = demo_environment(addr, {"PATH": "/bin"})
    assert env["SITE_URL"] == site_url
    assert env["DJANGO_ALLOWED_HOSTS"].split(",") == hosts
    assert env["PATH"] == "/bin"  # the rest of the environment is passed on


def test_a_site_url_set_on_purpose_wins():
    env = demo_environment("0.0.0.0:8000", {"SITE_URL": "https://walk.example.org"})
    assert env["SITE_URL"] == "https://walk.example.org"
    assert "walk.example.org" in env["DJANGO_ALLOWED_HOSTS"].split(",")


def test_a_wrong_address_is_refused_in_words():
    with pytest.raises(CommandError, match="HOST:PORT"):
        demo_environment("http://oops", {})


def test_the_web_server_worker_and_beat_read_it():
    """The children get the environment: settings.SITE_URL and ALLOWED_HOSTS follow it."""
    base = {k: v for k, v in os.environ.items() if k not in ("SITE_URL", "DJANGO_ALLOWED_HOSTS")}
    env = demo_environment("192.168.1.20:8001", base)
    env["DJANGO_SETTINGS_MODULE"] = "walkback.settings"
    code = "from django.conf import settings; print(settings.SITE_URL, settings.ALLOWED_HOSTS)"
    out = subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout
    assert "http://192.168.1.20:8001 ['127.0.0.1', 'localhost', '192.168.1.20']" in out


def test_an_invitation_link_points_at_the_demo_address(
    world, settings, django_capture_on_commit_callbacks
):
    settings.SITE_URL = demo_environment("192.168.1.20:8001", {})["SITE_URL"]
    with django_capture_on_commit_callbacks(execute=True):
        staff_invite(
            email="new.physio@example.test",
            full_name="New Physio",
            role=Role.PHYSIO,
            clinic=world.clinic_a,
            by=world.admin_a,
        )
    assert "http://192.168.1.20:8001/" in mail.outbox[-1].body
