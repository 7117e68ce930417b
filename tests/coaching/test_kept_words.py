"""What the programme keeps in the database says what, not in which words: the caseload row's
flag details and a plan step's rationale are kept as a key and values and written in the
reader's language when shown. In English they read as they always did."""

from __future__ import annotations

import json

from coaching.flags import Flag
from coaching.progression import Dose, ProgrammeRules, next_dose, sentence


def test_flag_details_are_kept_as_keys_and_read_as_before_in_english():
    cases = [
        (Flag("unread_message", {"say": "from_patient"}), "From the patient."),
        (Flag("recurrence", {"say": "recurrence", "month": 3}), "Told at the month 3 check-in."),
        (
            Flag("pain_rising", {"say": "pain", "before": 2.25, "after": 4.0}),
            "Average pain 2.2 → 4.0.",
        ),
        (
            Flag("behind_keeping_going", {"say": "keeping_going", "percent": 55, "weeks": 4}),
            "55% of it over the last 4 weeks.",
        ),
        (Flag("behind_target", {"say": "behind", "percents": [40, 60]}), "40% and 60% of target."),
        (Flag("no_recent_log", {"say": "last_walk", "day": "2026-09-03"}), "Last walk 3 Sep."),
        (
            Flag("session_overdue", {"say": "session_overdue", "number": 2, "day": "2026-03-01"}),
            "Session 2, 1 Mar: not marked.",
        ),
        (Flag("check_in_overdue", {"say": "check_in_due", "day": "2026-05-10"}), "Due 10 May."),
        (Flag("screening_incomplete"), ""),
    ]
    for flag, english in cases:
        assert flag.detail == english
        json.dumps(flag.says)  # kept in a JSON column
    # A row written before details were kept this way shows its words until refreshed.
    assert Flag("adverse_event", "Not reviewed yet.").detail == "Not reviewed yet."
    assert Flag("adverse_event").label == "Problem reported"


def test_a_suggestion_keeps_what_it_says_and_reads_as_before_in_english():
    rules = ProgrammeRules()
    suggestion = next_dose(rules, Dose(3, 20), None, None)
    assert suggestion.sentence == (
        "Hold at 3 × 20 min: there is not yet a full week on this prescription to judge."
    )
    assert json.loads(json.dumps(suggestion.says)) == suggestion.says
    assert sentence({"say": "correction", "reason": "typo"}) == "Correction: typo"
