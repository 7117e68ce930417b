"""``manage.py bench_http``: the pages of issue 16's speed table over HTTP, through gunicorn,
at two clinic sizes (docs/performance.md, "Over HTTP").

It adds clinics of its own (``walkback.demo.bulk.seed_clinic``: 200 and 50,000 patients by
default, three weeks of walks each), refreshes their caseload rows and their dashboard
figures as the periodic tasks do, runs ``VACUUM ANALYZE``, starts gunicorn (``--workers`` sync
workers, debug off) on the benchmarks' WSGI application (``walkback.demo.bench.wsgi``), and
requests every page over a new TCP connection per request (sync workers keep no connection
alive), in a shuffled order round by round. Each page is compared with the bare "hello" view of the
same person, behind the same middleware, in the same run. Only ``*_bench`` PostgreSQL
databases (``require_bench_database``).
"""

from __future__ import annotations

import http.client
import os
import random
import re
import statistics
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from coaching.services.status import caseload_rows_refresh
from patients.models import Patient
from walkback.accounts.models import Clinic, Role, User
from walkback.demo.bench.support import logged_in, require_bench_database
from walkback.demo.bulk import BenchClinic, seed_clinic
from walkback.reports import services as reports

HOST = "127.0.0.1"
CSRF_FIELD = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')


@dataclass
class Visitor:
    """A logged-in person's cookies, as a browser would send them."""

    cookie: str
    csrf: str = ""


class Command(BaseCommand):
    help = "Issue 16's page table over HTTP through gunicorn, at two clinic sizes."

    def add_arguments(self, parser):
        parser.add_argument("--sizes", type=int, nargs="+", default=[200, 50_000])
        parser.add_argument("--days", type=int, default=21, help="days of walks per patient")
        parser.add_argument("--rounds", type=int, default=30)
        parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
        parser.add_argument("--port", type=int, default=8765)
        parser.add_argument(
            "--skip-seed", action="store_true", help="measure the newest clinics of these sizes"
        )

    def handle(self, *args, sizes, days, rounds, workers, port, skip_seed, **options):
        require_bench_database()
        clinics = [self._existing(size) for size in sizes] if skip_seed else []
        for size in sizes if not skip_seed else []:
            began = time.perf_counter()
            # A physiotherapist looks after about 2,000 patients at most (issue 16's figures).
            bench = seed_clinic(
                patients=size, days=days, physios=max(1, size // 2000), name=f"HTTP {size:,}"
            )
            caseload_rows_refresh(patient_ids=bench.patient_ids)
            for scope in reports.figures_default_scopes(bench.clinic.pk):  # as the beat does
                reports.figures_snapshot_refresh(clinic=bench.clinic, scope=scope)
            self.stdout.write(f"Seeded {size:,} patients in {time.perf_counter() - began:.0f} s.")
            clinics.append(bench)
        with connection.cursor() as cursor:
            # What autovacuum does soon after such a load: without statistics the planner
            # takes a 50,000-patient clinic for three rows and sorts all of it for one page.
            cursor.execute("VACUUM ANALYZE")
        server = self._gunicorn(workers, port)
        try:
            rows = []
            for size, bench in zip(sizes, clinics, strict=True):
                rows += self._measure(size, bench, port, rounds)
            rss = self._worker_rss(server)
        finally:
            server.terminate()
            server.wait(timeout=30)
        self._report(rows, rounds, workers, rss)

    @staticmethod
    def _existing(size: int) -> BenchClinic:
        clinic = Clinic.objects.filter(name=f"HTTP {size:,}").order_by("-pk").first()
        if clinic is None:
            raise CommandError(f"No clinic of {size:,} patients to measure again: seed one.")
        staff = User.objects.filter(clinic=clinic).order_by("pk")
        return BenchClinic(
            clinic=clinic,
            admin=staff.get(role=Role.CLINIC_ADMIN),
            physios=list(staff.filter(role=Role.PHYSIO)),
            patient_ids=list(
                Patient.objects.filter(clinic=clinic).order_by("pk").values_list("pk", flat=True)
            ),
        )

    # --- The server ---------------------------------------------------------------------------

    def _gunicorn(self, workers: int, port: int) -> subprocess.Popen:
        env = {**os.environ, "DJANGO_DEBUG": "false"}
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            "walkback.demo.bench.wsgi:application",
            "--workers",
            str(workers),
            "--bind",
            f"{HOST}:{port}",
            "--timeout",
            "120",
            "--log-level",
            "warning",
        ]
        server = subprocess.Popen(command, env=env, cwd=settings.BASE_DIR)  # noqa: S603
        for _ in range(100):
            try:
                if self._request(port, "GET", "/healthz").status == 200:
                    return server
            except OSError:
                time.sleep(0.2)
        server.terminate()
        raise CommandError("gunicorn did not answer /healthz within 20 seconds.")

    @staticmethod
    def _worker_rss(server: subprocess.Popen) -> list[int]:
        """Each worker's resident memory (MB) after the run, from /proc."""
        children = Path(f"/proc/{server.pid}/task/{server.pid}/children")
        sizes = []
        for pid in children.read_text().split() if children.exists() else []:
            status = Path(f"/proc/{pid}/status").read_text()
            kb = int(re.search(r"VmRSS:\s+(\d+)", status).group(1))  # type: ignore[union-attr]
            sizes.append(kb // 1024)
        return sizes

    @staticmethod
    def _request(port, method, path, *, visitor=None, body=b"", headers=None):
        connection = http.client.HTTPConnection(HOST, port, timeout=120)
        sent = {"Host": HOST, **(headers or {})}
        if visitor is not None:
            sent["Cookie"] = visitor.cookie
        connection.request(method, path, body=body or None, headers=sent)
        response = connection.getresponse()
        response.body = response.read()  # type: ignore[attr-defined]  # read before closing
        connection.close()
        return response

    # --- The pages ----------------------------------------------------------------------------

    def _visitor(self, user, port) -> Visitor:
        client = logged_in(user)
        session = client.cookies[settings.SESSION_COOKIE_NAME].value
        visitor = Visitor(cookie=f"{settings.SESSION_COOKIE_NAME}={session}")
        return visitor

    def _with_csrf(self, visitor: Visitor, port: int, form_path: str) -> Visitor:
        """The CSRF cookie and the form's token, from a real GET of the form."""
        page = self._request(port, "GET", form_path, visitor=visitor)
        cookie = page.getheader("Set-Cookie", "")
        match = re.search(rf"{settings.CSRF_COOKIE_NAME}=([^;]+)", cookie)
        field = CSRF_FIELD.search(page.body)
        if match is None or field is None:
            raise CommandError(f"No CSRF token on {form_path} ({page.status}).")
        visitor.cookie += f"; {settings.CSRF_COOKIE_NAME}={match.group(1)}"
        visitor.csrf = field.group(1).decode()
        return visitor

    def _measure(self, size: int, bench: BenchClinic, port: int, rounds: int) -> list[tuple]:
        physio = self._visitor(bench.physios[0], port)
        admin = self._visitor(bench.admin, port)
        walker_record = Patient.objects.select_related("user").get(pk=bench.patient_ids[0])
        walker = self._with_csrf(self._visitor(walker_record.user, port), port, "/me/walks/new/")
        today = walker_record.today().isoformat()
        shown = walker_record.pk

        def get(visitor, path):
            return lambda: self._request(port, "GET", path, visitor=visitor)

        def log_walk():
            body = (
                f"csrfmiddlewaretoken={walker.csrf}&walked_on={today}&minutes=20"
                f"&submission_token={uuid.uuid4()}"
            ).encode()
            answer = self._request(
                port,
                "POST",
                "/me/walks/new/",
                visitor=walker,
                body=body,
                headers={"Content-Type": "application/x-www-form-urlencoded"},
            )
            answer.status = 200 if answer.status == 302 else answer.status
            return answer

        def loop():
            log_walk()
            return self._request(port, "GET", "/me/", visitor=walker)

        year_ago = walker_record.today().replace(day=1).isoformat()
        pages = {
            "hello (physio)": ("physio", get(physio, "/bench/hello/")),
            "hello (patient)": ("patient", get(walker, "/bench/hello/")),
            "hello (admin)": ("admin", get(admin, "/bench/hello/")),
            "caseload, own patients, page 1": ("physio", get(physio, "/caseload/")),
            "caseload, clinic-wide, page 1": ("physio", get(physio, "/caseload/?scope=all")),
            "staff patient page": ("physio", get(physio, f"/patients/{shown}/")),
            "patient home": ("patient", get(walker, "/me/")),
            "log a walk, then home": ("patient", loop),
            "dashboard": ("admin", get(admin, "/clinic/")),
            "dashboard, a period": ("admin", get(admin, f"/clinic/?date_from={year_ago}")),
        }
        for label, (_, call) in pages.items():  # warm up every worker and check
            for _ in range(4):
                answer = call()
            if answer.status != 200:
                raise CommandError(f"{label}: HTTP {answer.status}")
        samples: dict[str, list[float]] = {label: [] for label in pages}
        order = list(pages)
        shuffle = random.Random(16)
        for _ in range(rounds):
            shuffle.shuffle(order)
            for label in order:
                began = time.perf_counter()
                pages[label][1]()
                samples[label].append(time.perf_counter() - began)
        median = {label: statistics.median(times) * 1000 for label, times in samples.items()}
        hello = {who: median[f"hello ({who})"] for who in ("physio", "patient", "admin")}
        return [
            (size, label, median[label], hello[who] / median[label])
            for label, (who, _) in pages.items()
        ]

    def _report(self, rows, rounds, workers, rss) -> None:
        out = self.stdout.write
        out(
            f"\nOver HTTP, gunicorn with {workers} sync workers, {rounds} rounds interleaved in a "
            "shuffled order, a new connection per request; median milliseconds.\n"
        )
        out("| clinic | page | ms | share of hello's throughput |")
        out("|---:|---|---:|---:|")
        for size, label, ms, share in rows:
            out(f"| {size:,} | {label} | {ms:.1f} | {share:.2f} |")
        out(f"\nWorkers' resident memory after the run: {', '.join(f'{mb} MB' for mb in rss)}.")
