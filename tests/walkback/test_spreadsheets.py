"""The one spreadsheet-formula guard, in Python and in SQL, and every file that uses it."""

from __future__ import annotations

import re

import pytest

from coaching.models import EducationTopic
from walkback.core.spreadsheets import FORMULA_START_REGEX, FORMULA_STARTS, formula_safe
from walkback.reports.exports import safe_text

RISKY = ["=1+1", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1", '=HYPERLINK("http://evil")']
PLAIN = ["Jo Smith", "1-2", "a=b", " =1", "'=1", "", "é", "\n=1"]


@pytest.mark.parametrize("text", RISKY)
def test_a_cell_a_spreadsheet_would_run_gets_a_quote(text):
    assert formula_safe(text) == "'" + text


@pytest.mark.parametrize("text", PLAIN)
def test_other_text_is_left_as_typed(text):
    assert formula_safe(text) == text


@pytest.mark.parametrize("value", [None, -3, 2.5, True])
def test_values_that_are_not_text_are_left_alone(value):
    assert formula_safe(value) is value


def test_the_sql_pattern_is_the_same_rule():
    assert len(FORMULA_STARTS) == 6
    for text in RISKY + PLAIN:
        assert bool(re.match(FORMULA_START_REGEX, text)) == (formula_safe(text) != text), text


@pytest.mark.django_db
def test_the_database_guards_exactly_what_python_guards(world):
    """Exports computed in SQL (COPY on PostgreSQL) and in Python write the same cells."""
    # A free-text column: names refuse the tabs and returns some formulas start with.
    topic = EducationTopic.objects.create(clinic=world.clinic_a, title="T", slug="t", body="")
    for text in RISKY + PLAIN:
        EducationTopic.objects.filter(pk=topic.pk).update(body=text)
        guarded = EducationTopic.objects.annotate(cell=safe_text("body")).get(pk=topic.pk).cell
        assert guarded == (formula_safe(text) or None), repr(text)
