"""``manage.py bench_messages``: what secure messages cost (docs/messages.md, "Speed"), on a
PostgreSQL database named ``*_bench`` (like the other benchmarks; it keeps what it seeds):

    createdb walkback_messages_bench
    DATABASE_URL=postgres://.../walkback_messages_bench DJANGO_SECRET_KEY=bench \\
        DJANGO_SECURE_SSL=false manage.py migrate
    DATABASE_URL=... manage.py bench_messages      # then dropdb walkback_messages_bench

It seeds a clinic of ``--patients`` (three weeks of walks each, ``walkback.demo.bulk``), one in
five with a thread of four messages and one in twenty waiting for an answer, then times:

1. the status computation of every patient in batches of 500 (``statuses_compute``, what the
   caseload rows are written from), and the unread-message ``EXISTS`` alone over the same
   batches: the flag's share of the refresh;
2. through the test client and the whole middleware stack, the thread pages (short, and a
   thread of 500 messages showing its newest page), the patient's home and a bare "hello",
   interleaved round by round in a shuffled order, with each page's query count.
"""

from __future__ import annotations

import random
import statistics
import time

from django.core.management.base import BaseCommand
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from coaching.messaging.models import MessageThread, ThreadMessage
from coaching.status import statuses_compute
from patients.models import Patient
from walkback.demo.bench.support import bench_site, logged_in, require_bench_database
from walkback.demo.bulk import seed_clinic

BATCH = 500
UNREAD_SQL = (
    "SELECT COUNT(*) FROM patients_patient p WHERE p.id = ANY(%s) AND EXISTS ("
    "SELECT 1 FROM coaching_messagethread t WHERE t.patient_id = p.id "
    "AND t.last_patient_message_id > t.staff_read_through)"
)


def _batches(ids: list[int]):
    for start in range(0, len(ids), BATCH):
        yield ids[start : start + BATCH]


def _median_ms(run, repeat: int) -> float:
    run()  # warm
    return statistics.median(_timed(run) for _ in range(repeat)) * 1000


def _timed(run) -> float:
    start = time.perf_counter()
    run()
    return time.perf_counter() - start


class Command(BaseCommand):
    help = "Benchmark the messages pages and the unread flag's share of the status refresh."

    def add_arguments(self, parser):
        parser.add_argument("--patients", type=int, default=5000)
        parser.add_argument("--rounds", type=int, default=30, help="requests per page")
        parser.add_argument("--repeat", type=int, default=5, help="runs of the refresh")

    def handle(self, *args, patients: int, rounds: int, repeat: int, **options):
        require_bench_database()
        rng = random.Random(7)
        bench = seed_clinic(
            patients=patients, days=21, physios=10, name=f"Messages bench {timezone.now():%H%M%S}"
        )
        ids = list(bench.patients.values_list("pk", flat=True))
        users = dict(bench.patients.values_list("pk", "user_id"))
        physio_of = dict(bench.patients.values_list("pk", "physiotherapist_id"))
        with_thread = rng.sample(ids, len(ids) // 5)
        waiting = set(rng.sample(with_thread, len(ids) // 20))
        MessageThread.objects.bulk_create([MessageThread(patient_id=pk) for pk in with_thread])
        ThreadMessage.objects.bulk_create(
            [
                ThreadMessage(
                    thread_id=pk,
                    author_id=users[pk] if n % 2 == 0 else physio_of[pk],
                    from_patient=n % 2 == 0,
                    body="A message of a sentence or two, as people write them.",
                )
                for pk in with_thread
                for n in range(4)
            ],
            batch_size=2000,
        )
        for pk in with_thread:
            thread = ThreadMessage.objects.filter(thread_id=pk)
            rows = list(thread.values_list("id", "from_patient"))
            newest = max(i for i, _ in rows)
            from_patient = max(i for i, mine in rows if mine)
            MessageThread.objects.filter(pk=pk).update(
                last_patient_message_id=from_patient,
                staff_read_through=0 if pk in waiting else newest,
            )
        long_thread = with_thread[0]
        ThreadMessage.objects.bulk_create(
            [
                ThreadMessage(
                    thread_id=long_thread,
                    author_id=users[long_thread] if n % 2 else physio_of[long_thread],
                    from_patient=bool(n % 2),
                    body="A longer message, of about the length people write. " * 5,
                )
                for n in range(496)
            ]
        )
        # Statistics for the planner after the load (VACUUM cannot run inside a transaction, as
        # in a test: ANALYZE only, then).
        command = "ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE"
        with connection.cursor() as cursor:
            for table in ("coaching_messagethread", "coaching_threadmessage", "patients_patient"):
                cursor.execute(f"{command} {table}")

        now = timezone.now()
        refresh = _median_ms(lambda: [statuses_compute(b, now=now) for b in _batches(ids)], repeat)

        def unread_only():
            with connection.cursor() as cursor:
                for batch in _batches(ids):
                    cursor.execute(UNREAD_SQL, [batch])
                    cursor.fetchone()

        exists = _median_ms(unread_only, repeat)
        self.stdout.write(
            f"status of {len(ids)} patients in batches of {BATCH}: {refresh:.0f} ms; the unread "
            f"EXISTS alone: {exists:.1f} ms ({exists / refresh:.1%})"
        )

        short = next(pk for pk in with_thread if pk != long_thread)
        patients_by_pk = Patient.objects.select_related("user", "physiotherapist").in_bulk(
            [short, long_thread]
        )
        pages = {}
        for label, pk in (("4 messages", short), ("newest 50 of 500", long_thread)):
            patient = patients_by_pk[pk]
            pages[f"patient thread, {label}"] = (
                logged_in(patient.user),
                reverse("portal:messages"),
            )
            pages[f"staff thread, {label}"] = (
                logged_in(patient.physiotherapist),
                reverse("patients:messages", args=[pk]),
            )
        someone = patients_by_pk[short].user
        pages["patient home"] = (logged_in(someone), reverse("portal:home"))
        pages["bare hello"] = (logged_in(someone), "/bench/hello/")
        times: dict[str, list[float]] = {name: [] for name in pages}
        queries: dict[str, int] = {}
        with bench_site():
            for name, (client, url) in pages.items():
                client.get(url)  # settle the session and the read markers
                with CaptureQueriesContext(connection) as captured:
                    assert client.get(url).status_code == 200, name
                queries[name] = len(captured)
            for _ in range(rounds):
                order = list(pages)
                rng.shuffle(order)
                for name in order:
                    client, url = pages[name]
                    times[name].append(_timed(lambda c=client, u=url: c.get(u)))
        hello = statistics.median(times["bare hello"])
        for name, values in times.items():
            median = statistics.median(values)
            self.stdout.write(
                f"{name:34} {median * 1000:7.1f} ms  {hello / median:5.2f} of bare hello's "
                f"throughput  {queries[name]} queries"
            )
