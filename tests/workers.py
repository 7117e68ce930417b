"""Real Celery for the tests that depend on it: a throwaway ``redis-server`` per test (the
machine's Redis on 6379 is shared and never touched) and real ``celery worker`` processes on
the PostgreSQL test database. A pytest plugin (tests/conftest.py loads it): the reminder and
the export tests both use ``celery_on`` and ``workers``."""

from __future__ import annotations

import collections
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import connection

BASE_DIR = Path(django_settings.BASE_DIR)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RedisServer:
    def __init__(self, folder: Path):
        self.port, self.folder, self.process = _free_port(), folder, None
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def start(self):
        self.process = subprocess.Popen(  # noqa: S603
            [
                shutil.which("redis-server"),
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.folder),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        import redis

        client = redis.Redis(port=self.port)
        for _ in range(100):
            try:
                client.ping()
                return
            except redis.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        self.process = None


@pytest.fixture
def redis_server(tmp_path):
    if not shutil.which("redis-server"):
        pytest.skip("redis-server is not installed")
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def celery_on(redis_server, transactional_db, settings):
    """Point this process's Celery (the sweep publishes from here) and cache at the
    throwaway Redis; put them back afterwards."""
    if connection.vendor != "postgresql":
        pytest.skip("the worker tests share the PostgreSQL test database with the workers")
    from walkback.celery import app

    def use(url):
        app.conf.broker_url = url
        app.conf.broker_transport_options = {"visibility_timeout": 3600}
        app._pool = None
        app.amqp._producer_pool = None

    previous = app.conf.broker_url
    use(redis_server.url)
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": redis_server.url,
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
    yield redis_server
    use(previous)


class Workers:
    """Real ``celery -A walkback worker`` processes on the test database and Redis."""

    def __init__(self, redis_url: str, folder: Path, **env):
        db = django_settings.DATABASES["default"]
        auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
        self.mail = folder / "mail"
        self.markers = folder / "markers"
        self.logs = folder / "logs"
        self.logs.mkdir(parents=True)
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.reminders.worker_settings",
            "DATABASE_URL": f"postgres://{auth}@{db['HOST'] or 'localhost'}:"
            f"{db['PORT'] or 5432}/{db['NAME']}",
            "REDIS_URL": redis_url,
            "EMAIL_URL": f"file://{self.mail}",
            "WALKBACK_TEST_MARKERS": str(self.markers),
            **env,
        }
        self.env.pop("CI", None)
        self.processes: list[subprocess.Popen] = []

    def start(
        self, name: str, *, pool: str = "solo", concurrency: int = 1, queues: str = ""
    ) -> subprocess.Popen:
        """``queues``: the ``-Q`` list, as the production workers are split (docker-compose.yml);
        by default Celery's default queue only, where the reminders go."""
        log = self.logs / f"{name}-{len(self.processes)}.log"
        process = subprocess.Popen(  # noqa: S603
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "walkback",
                "worker",
                f"--pool={pool}",
                f"--concurrency={concurrency}",
                "--loglevel=INFO",
                f"--hostname={name}@%h",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                *(["-Q", queues] if queues else []),
            ],
            cwd=BASE_DIR,
            env=self.env,
            stdout=log.open("w"),
            stderr=subprocess.STDOUT,
        )
        self.processes.append(process)
        deadline = time.monotonic() + 60
        while "ready." not in log.read_text():
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"worker {name} did not start:\n{log.read_text()[-3000:]}")
            time.sleep(0.1)
        return process

    def stop_all(self):
        for process in self.processes:
            if process.poll() is None:
                process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def delivered(self) -> collections.Counter:
        """How many times each reminder id was written by the mail backend."""
        found = collections.Counter()
        for path in self.mail.glob("*.log") if self.mail.exists() else []:
            found.update(
                int(n) for n in re.findall(rb"X-WalkBack-Reminder: (\d+)", path.read_bytes())
            )
        return found

    def log_text(self) -> str:
        return "\n".join(p.read_text()[-2000:] for p in self.logs.glob("*.log"))


@pytest.fixture
def workers(celery_on, tmp_path):
    made = []

    def make(**env):
        made.append(Workers(celery_on.url, tmp_path / f"run{len(made)}", **env))
        return made[-1]

    yield make
    for group in made:
        group.stop_all()
