"""The demo (``seed_demo``) shows a patient with questionnaire scores over time, and gives the
demo patient one questionnaire waiting on their phone (issue 15's "Done when")."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from coaching.proms.models import QuestionnaireResponse
from coaching.proms.selectors import patient_questionnaires, questionnaires_due
from patients.models import Patient

pytestmark = pytest.mark.django_db


def test_the_demo_has_scores_over_time_and_one_waiting():
    call_command("seed_demo", stdout=io.StringIO())
    rows = QuestionnaireResponse.objects.count()
    call_command("seed_demo", stdout=io.StringIO())  # idempotent
    assert QuestionnaireResponse.objects.count() == rows
    lena = Patient.objects.get(user__email="lena.long@demo.test")
    summary = patient_questionnaires(lena)
    nprs = next(o for o in summary.outcomes if o.instrument.key == "nprs")
    assert [p.week for p in nprs.points] == [0, 12, 26]
    assert nprs.reached_mic is True
    assert summary.risk is not None and summary.risk[0].key == "medium"
    pat = Patient.objects.get(user__email="patient@demo.test")
    due = questionnaires_due(pat, today=pat.today())
    assert due is not None and [i.key for i in due.instruments] == ["peg"]
