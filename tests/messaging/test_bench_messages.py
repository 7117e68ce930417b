"""``manage.py bench_messages`` at a tiny size (docs/messages.md, "Speed"): it refuses a
database not named for benchmarks, and measures its own clinic only."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from coaching.messaging.models import ThreadMessage
from tests.demo.test_benchmarks import other, run  # noqa: F401 - the fixture

pytestmark = pytest.mark.postgres


def test_it_refuses_a_database_not_named_for_it(postgres):
    with pytest.raises(CommandError, match="_bench"):
        call_command("bench_messages")


def test_it_measures_its_own_clinic(other):  # noqa: F811 - the fixture
    world, _ = other
    out = run("bench_messages", "--patients", "40", "--rounds", "1", "--repeat", "1")
    assert "status of 40 patients" in out
    for page in ("patient thread, newest 50 of 500", "staff thread, 4 messages", "bare hello"):
        assert page in out
    # Every thread page reads the same number of queries, short or long.
    counts = {line.rsplit(" ", 2)[-2] for line in out.splitlines() if "thread," in line}
    assert counts == {"8"}
    assert not ThreadMessage.objects.filter(thread__patient__clinic=world.clinic_a).exists()
