"""Settings come from the environment; a wrong value stops start-up; production values pass
Django's deployment check with no warnings."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = {
    "DJANGO_DEBUG": "false",
    "DJANGO_SECRET_KEY": "a-long-random-production-secret-" + "x7Qp2" * 10,
    "DJANGO_ALLOWED_HOSTS": "walkback.example.org",
    "DATABASE_URL": "postgres://walkback:secret@db:5432/walkback",
    "REDIS_URL": "redis://redis:6379/0",
    "EMAIL_URL": "smtp://mailer:pw@smtp.example.org:587",
}


def run_django(env_overrides: dict, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_"))}
    env.pop("REDIS_URL", None)
    env.pop("EMAIL_URL", None)
    env.update(env_overrides)
    env["DJANGO_SETTINGS_MODULE"] = "walkback.settings"
    return subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_settings_pass_the_deployment_check():
    result = run_django(PRODUCTION, "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr


def test_deployment_check_warns_about_demo_defaults():
    env = {**PRODUCTION}
    del env["DATABASE_URL"], env["REDIS_URL"]
    result = run_django(env, "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode != 0
    assert "walkback.W001" in result.stderr + result.stdout
    assert "walkback.W002" in result.stderr + result.stdout


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("DJANGO_DEBUG", "maybe", "DJANGO_DEBUG must be one of"),
        ("DATABASE_URL", "mysql://db/walkback", "DATABASE_URL must start with"),
        ("DATABASE_URL", "postgres://db", "DATABASE_URL must name a database"),
        ("REDIS_URL", "amqp://broker", "REDIS_URL must start with"),
        ("EMAIL_URL", "carrier-pigeon://", "EMAIL_URL must start with"),
        ("AXES_FAILURE_LIMIT", "lots", "AXES_FAILURE_LIMIT must be a whole number"),
    ],
)
def test_a_wrong_value_fails_loudly_at_start_up(name, value, message):
    result = run_django({**PRODUCTION, name: value}, "check")
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert message in result.stderr


def test_a_missing_secret_key_fails_when_debug_is_off():
    env = {**PRODUCTION}
    del env["DJANGO_SECRET_KEY"]
    result = run_django(env, "check")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


def test_nothing_set_runs_on_embedded_defaults():
    result = run_django(
        {"DJANGO_DEBUG": "true"},
        "shell",
        "-c",
        "from django.conf import settings as s; "
        "print(s.DATABASES['default']['ENGINE'], s.CELERY_BROKER_URL, s.EMAIL_BACKEND)",
    )
    assert result.returncode == 0, result.stderr
    assert "sqlite3 filesystem:// django.core.mail.backends.console.EmailBackend" in result.stdout


def test_postgres_url_uses_the_psycopg_pool_and_health_checks():
    from walkback.env import database_from_url

    config = database_from_url("postgres://u:p%40ss@db:5433/walkback", base_dir=ROOT)
    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert config["PASSWORD"] == "p@ss"
    assert config["PORT"] == "5433"
    assert config["CONN_HEALTH_CHECKS"] is True
    assert config["OPTIONS"]["pool"]["max_size"] == 10


def test_with_nothing_set_manage_py_just_works_in_debug_mode():
    """A newcomer's first command, with no environment at all."""
    result = run_django({}, "shell", "-c", "from django.conf import settings as s; print(s.DEBUG)")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "True"


def test_a_deployment_key_turns_debug_off_by_default():
    env = {k: v for k, v in PRODUCTION.items() if k != "DJANGO_DEBUG"}
    result = run_django(env, "shell", "-c", "from django.conf import settings as s; print(s.DEBUG)")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "False"
