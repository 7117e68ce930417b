"""Outcome questionnaires (PROMs): instruments defined as data, scored by pure functions,
scheduled by the programme and answered by the patient (docs/questionnaires.md)."""
