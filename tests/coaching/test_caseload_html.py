"""The caseload's rows are written in Python (coaching/caseload_html.py) for speed: the very
same markup, byte for byte, as the template loop they replace, which is kept here as the
reference."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
import time_machine
from django.template import engines
from django.utils import timezone

from coaching import selectors
from coaching.caseload_html import caseload_rows_html
from tests.coaching.test_views import NOW, with_history

pytestmark = pytest.mark.django_db

# templates/coaching/partials/caseload_rows.html as it was.
REFERENCE = """{# The caseload's rows #}
  {% for s in page %}{% with row=s.row week=s.week pain=s.pain %}
    <tr>
      <td><a class="fw-semibold" href="{% url 'patients:detail' row.patient_id %}">{{ row.patient.user.full_name }}</a><div class="small text-body-secondary">{{ row.patient.get_status_display }}</div></td>
      <td class="text-end">{% if row.programme_week is not None %}{{ row.programme_week }}{% else %}—{% endif %}</td>
      <td>{% if week.target_minutes is not None %}
        <span{% if week.on_target %} class="text-success"{% endif %}>{{ week.minutes }} of {{ week.target_minutes }} min{% if week.on_target %} <span class="visually-hidden">(on target)</span>{% endif %}</span>
        <div class="small text-body-secondary">{{ week.walks }} of {{ week.target_walks }} walks</div>
        {% elif week.walks %}{{ week.minutes }} min, no target{% else %}<span class="text-body-secondary">—</span>{% endif %}</td>
      <td>{% if row.last_walk_on %}{{ row.last_walk_on|date:"D j M" }}{% else %}<span class="text-body-secondary">None yet</span>{% endif %}</td>
      <td>{% if pain %}<span class="pain-trend pain-{{ pain.trend }}">{{ pain.before|floatformat:1 }} → {{ pain.after|floatformat:1 }} <span aria-hidden="true">{% if pain.trend == "up" %}▲{% elif pain.trend == "down" %}▼{% endif %}</span><span class="visually-hidden"> ({{ pain.trend }})</span></span>{% else %}<span class="text-body-secondary">—</span>{% endif %}</td>
      <td>{% if row.next_session_at %}Session {{ row.next_session_number }}: {{ row.next_session_at|date:"D j M, H:i" }}<div class="small text-body-secondary">{{ s.next_session_mode_label }}</div>{% else %}<span class="text-body-secondary">—</span>{% endif %}</td>
      <td class="flags">{% include "coaching/partials/flags.html" with flags=s.flags %}</td>
    </tr>
  {% endwith %}{% empty %}
    <tr><td colspan="7">No patients match. {% if total == 0 %}<a href="{% url 'patients:invite' %}">Add your first patient</a>.{% endif %}</td></tr>
  {% endfor %}
"""  # noqa: E501


def both(page, total):
    reference = engines["django"].from_string(REFERENCE).render({"page": page, "total": total})
    return reference, caseload_rows_html(page, total=total)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def test_the_rows_are_the_templates_markup(world):
    for weeks in (0, 1, 3, 12, 26):
        with_history(world.physio_a, weeks=weeks)
    # Every shape a cell takes: on target or not, no target, no walks, odd characters, no
    # programme week, no session, pain up, down and steady, flags with and without details.
    variants = itertools.cycle(range(6))
    with timezone.override(world.physio_a.zone):
        page = selectors.caseload_page(world.physio_a, mine=False).page
        for entry in page:
            row, kind = entry.row, next(variants)
            if kind == 0:
                row.week_on_target, row.week_target_minutes = True, 100
            elif kind == 1:
                row.week_target_minutes, row.week_walks = None, 3
            elif kind == 2:
                row.week_target_minutes, row.week_walks = None, 0
            elif kind == 3:
                row.patient.user.full_name = 'Ann & <b>O\'Neil</b> "Jr"'
                row.flags = [["adverse_event", 'x < y & "z"'], ["no_recent_log", ""]]
            elif kind == 4:
                row.programme_week = row.last_walk_on = row.next_session_at = None
                row.pain_before = None
            else:
                row.pain_before, row.pain_after, row.pain_trend = 2.25, 3.35, "down"
                row.next_session_at = dt.datetime(2026, 3, 20, 23, 5, tzinfo=dt.UTC)
                row.next_session_mode, row.next_session_number = "video", 3
        assert len(page) >= 5
        reference, written = both(page, 5)
        assert written == reference
        assert "▼" in written and "text-success" in written and "&amp; &lt;b&gt;" in written


def test_no_rows_say_so(world):
    with timezone.override(world.physio_a.zone):
        for query, status in (("nobody", ""), ("", "discharged")):
            page = selectors.caseload_page(world.physio_a, query=query, status=status)
            for total in (0, 3):
                reference, written = both(page.page, total)
                assert written == reference
