from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.core.cache import cache

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
def test_healthz_reports_database_and_broker(client, redis_url):
    assert client.get("/healthz").json() == {"status": "ok", "database": True}
    response = client.get("/healthz/ready")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "components": {"database": True, "broker": True, "cache": True},
    }


@contextlib.contextmanager
def redis_down(settings):
    """The broker and the cache point at a port where nothing listens."""
    from walkback.celery import app

    original = app.conf.broker_url
    app.conf.broker_url = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        }
    }
    try:
        yield
    finally:
        app.conf.broker_url = original


@pytest.mark.django_db
def test_redis_down_leaves_liveness_up_and_readiness_names_what_is_down(
    client, client_for, settings, world
):
    """Issue 12: /healthz answered 503 when only Redis was down, while every page worked, so
    a load balancer would have pulled every web node. Liveness is the process and the
    database; the readiness report names each component."""
    with redis_down(settings):
        response = client.get("/healthz")
        assert response.status_code == 200
        assert response.json() == {"status": "ok", "database": True}
        ready = client.get("/healthz/ready")
        assert ready.status_code == 503
        assert ready.json() == {
            "status": "degraded",
            "components": {"database": True, "broker": False, "cache": False},
        }
        # ... and pages really do still work.
        assert client_for(world.patient_a.user).get("/me/").status_code == 200


@pytest.mark.django_db
def test_readiness_report_names_components_only(client):
    """Public, so it carries no address, version or error text."""
    body = client.get("/healthz/ready").content.decode()
    assert "redis://" not in body and "127.0.0.1" not in body and "postgres" not in body


def test_celery_round_trip_through_redis_and_a_real_worker(redis_url):
    """A task goes through the real Redis broker to a real worker process and back."""
    from walkback.core.tasks import ping_task

    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings", "REDIS_URL": redis_url}
    queue = f"ping-{uuid.uuid4().hex[:8]}"  # a private queue: no other worker steals the task
    worker = subprocess.Popen(  # noqa: S603
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "walkback",
            "worker",
            "-Q",
            queue,
            "--pool=solo",
            "--loglevel=WARNING",
            "--without-mingle",
            "--without-gossip",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        nonce = uuid.uuid4().hex
        ping_task.apply_async(args=[nonce], queue=queue)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and cache.get(f"ping:{nonce}") is None:
            assert worker.poll() is None, worker.stdout.read().decode()
            time.sleep(0.2)
        assert cache.get(f"ping:{nonce}") == "pong"
    finally:
        worker.terminate()
        worker.wait(timeout=20)


def test_celery_is_configured_for_at_least_once_delivery():
    from walkback.celery import app

    assert app.conf.task_acks_late is True
    assert app.conf.task_reject_on_worker_lost is True
    assert app.conf.task_serializer == "json"
    assert app.conf.accept_content == ["json"]
    assert app.conf.task_time_limit and app.conf.task_soft_time_limit
    assert app.conf.worker_prefetch_multiplier == 1
