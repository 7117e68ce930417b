"""The demo patient (patient@demo.test) shows every part of the portal."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from coaching.portal.selectors import home_summary, learn_topics
from coaching.progress import patient_weeks
from patients.models import CheckIn, Patient, WalkLog
from patients.selectors import check_in_missed_months, check_ins_due

pytestmark = pytest.mark.django_db


def test_demo_patient_has_history_target_session_and_a_due_check_in():
    call_command("seed_demo", stdout=io.StringIO())
    call_command("seed_demo", stdout=io.StringIO())  # idempotent: nothing doubles
    patient = Patient.objects.get(user__email="patient@demo.test")
    summary = home_summary(patient)
    assert summary.week.target is not None
    assert summary.next_session is not None and summary.next_session.video_link
    assert summary.check_in_due is not None and summary.check_in_due.month_number == 2
    assert check_ins_due(patient, today=patient.today())
    # Month 1 was missed: the open check-in asks about it again (issue 10).
    assert CheckIn.objects.get(patient=patient, month_number=1).completed_at is None
    missed = check_in_missed_months(patient, current=summary.check_in_due)
    assert [m.month_number for m in missed] == [1]
    weeks_with_walks = [r for r in patient_weeks(patient, today=patient.today()).rows if r.walks]
    assert len(weeks_with_walks) >= 6
    walks = WalkLog.objects.filter(patient=patient).count()
    call_command("seed_demo", stdout=io.StringIO())
    assert WalkLog.objects.filter(patient=patient).count() == walks
    assert [t.covered for t in learn_topics(patient)][:1] == [True]
