"""Real Celery for the tests that depend on it: a throwaway ``redis-server`` per test (the
machine's Redis on 6379 is shared and never touched) and real ``celery worker`` processes on
the PostgreSQL test database. A pytest plugin (tests/conftest.py loads it): the reminder and
the export tests both use ``celery_on`` and ``workers``.

Past one machine (``docker compose --scale web=2 --scale worker=2``, docs/scaling.md): a
group can also start real ``gunicorn`` web processes (``start_web``) on the same database and
Redis, and ``WebClient`` drives them over HTTP like a browser, each request to the next one.
"""

from __future__ import annotations

import collections
import http.client
import itertools
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode, urlsplit

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
        self.web_urls: list[str] = []

    def _spawn(self, name: str, argv: list[str], **env) -> tuple[subprocess.Popen, Path]:
        """``python -m argv...`` in the project, its output in this group's ``name`` log."""
        log = self.logs / f"{name}-{len(self.processes)}.log"
        process = subprocess.Popen(  # noqa: S603
            [sys.executable, "-m", *argv],
            cwd=BASE_DIR,
            env={**self.env, **env},
            stdout=log.open("w"),
            stderr=subprocess.STDOUT,
        )
        self.processes.append(process)
        return process, log

    def start(
        self, name: str, *, pool: str = "solo", concurrency: int = 1, queues: str = ""
    ) -> subprocess.Popen:
        """``queues``: the ``-Q`` list, as the production workers are split (docker-compose.yml);
        by default Celery's default queue only, where the reminders go."""
        process, log = self._spawn(
            name,
            [
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
        )
        deadline = time.monotonic() + 60
        while "ready." not in log.read_text():
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"worker {name} did not start:\n{log.read_text()[-3000:]}")
            time.sleep(0.1)
        return process

    def start_web(self, name: str) -> str:
        """A ``gunicorn`` web process, as the web container runs it (its configuration file,
        one sync worker), on a free port; returns its base URL once ``/healthz`` answers."""
        port = _free_port()
        process, log = self._spawn(
            name,
            [
                "gunicorn",
                "--config",
                "python:walkback.gunicorn_conf",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "1",
                "walkback.wsgi",
            ],
            DJANGO_SECURE_SSL="false",
        )
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                if WebClient([url]).get("/healthz").status_code == 200:
                    break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"web {name} did not start:\n{log.read_text()[-3000:]}")
            time.sleep(0.1)
        self.web_urls.append(url)
        return url

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


class Response:
    def __init__(self, status_code: int, headers, content: bytes):
        self.status_code, self.headers, self.content = status_code, headers, content

    def text(self) -> str:
        return self.content.decode()


class WebClient:
    """A browser of the web processes at ``urls``: each request goes to the next process in
    turn, cookies are kept (the login's session is in the database, so every process knows
    it), redirects are not followed (as Django's test client), and a POST carries the CSRF
    token of its cookie. ``get`` and ``post`` answer like the test client: ``status_code``."""

    def __init__(self, urls: list[str], session_key: str | None = None):
        self.urls = itertools.cycle(urls)
        # Django accepts the cookie's secret itself as the form's token.
        self.cookies = {"csrftoken": secrets.token_hex(16)}
        if session_key:
            self.cookies[django_settings.SESSION_COOKIE_NAME] = session_key

    def request(self, method: str, path: str, data: dict | None = None) -> Response:
        where = urlsplit(next(self.urls))
        body, headers = (
            None,
            {"Cookie": "; ".join(f"{name}={value}" for name, value in self.cookies.items())},
        )
        if data is not None:
            body = urlencode({**data, "csrfmiddlewaretoken": self.cookies["csrftoken"]}, True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection = http.client.HTTPConnection(where.hostname, where.port, timeout=60)
        try:
            connection.request(method, path, body=body, headers=headers)
            answer = connection.getresponse()
            content = answer.read()
        finally:
            connection.close()
        for header in answer.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        return Response(answer.status, answer.headers, content)

    def get(self, path: str) -> Response:
        return self.request("GET", path)

    def post(self, path: str, data: dict) -> Response:
        return self.request("POST", path, data)


def web_client(urls: list[str], user=None) -> WebClient:
    """A ``WebClient`` logged in as ``user`` as after a real login (staff with the second
    factor passed), or anonymous."""
    if user is None:
        return WebClient(urls)
    from django.test import Client

    from walkback.demo.bench.support import log_in

    session = log_in(Client(), user).session
    return WebClient(urls, session.session_key)


@pytest.fixture
def workers(celery_on, tmp_path):
    made = []

    def make(**env):
        made.append(Workers(celery_on.url, tmp_path / f"run{len(made)}", **env))
        return made[-1]

    yield make
    for group in made:
        group.stop_all()
