"""The questionnaire export (docs/questionnaires.md#exports): one row per answered
questionnaire with its scores and band, identified or de-identified like the other datasets
(docs/reports.md). The answers themselves are not exported: PSFS's activities are the
patient's own words and could identify them; the scores are what outcomes are measured by."""

from __future__ import annotations

from django.db.models import Case, CharField, F, Value, When
from django.db.models.fields.json import KT

from coaching.proms.models import QuestionnaireResponse


def questionnaires_table(spec, people, *, salt, zone, deid):
    # Imported here: exports.py registers this builder, so a module-level import would be
    # circular.
    from walkback.reports.exports import (
        _dated,
        _in_range,
        _local_day,
        _query_table,
        _who,
        blank_as_null,
        no_word,
        yes_word,
    )

    qs = QuestionnaireResponse.objects.filter(patient__in=people.values("pk")).annotate(
        completed_local=_local_day("completed_at", zone)
    )
    qs = _in_range(qs, "completed_local", spec.scope)
    columns = [
        *_who("patient__", spec, salt),
        ("instrument", F("instrument")),
        ("version", F("version")),
        ("week", F("week")),
        _dated(deid, "completed", F("completed_local")),
        ("score", F("score")),
        ("psychosocial", KT("subscales__psychosocial")),
        # No band (PEG, PSFS) is missing, as COPY and Python's csv must both write it.
        ("band", blank_as_null(F("band"))),
        # The physiotherapist typed the patient's answers in (e.g. STarT Back at enrolment).
        (
            "entered_by_staff",
            Case(
                When(answered_by_id=F("patient__user_id"), then=Value(no_word())),
                When(answered_by__isnull=False, then=Value(yes_word())),
                default=Value(None),
                output_field=CharField(),
            ),
        ),
    ]
    return _query_table(qs, columns, ["patient_id", "instrument", "week"])
