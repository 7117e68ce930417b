"""Writes of the programme, one module a subject: ``programme`` (the start, "keeping going",
the clinic's rules), ``sessions``, ``prescriptions`` (plans, their weekly steps, corrections),
``education``, ``adverse_events`` and ``status`` (the maintained caseload row). Each service
validates (a ``ValidationError`` with plain-words messages keyed by field), writes, and
records its audit row in one transaction, so a refused change leaves nothing behind. Reads
are ``coaching.selectors``.

The names below are the package's public services, so callers write ``services.session_update``
whichever module holds it.
"""

from coaching.services.adverse_events import adverse_event_mark_reviewed, adverse_event_report
from coaching.services.education import education_topic_save
from coaching.services.prescriptions import (
    prescription_correct,
    prescription_plans_advance,
    prescription_set,
)
from coaching.services.programme import (
    DEFAULT_SCHEDULE,
    clinic_programme_update,
    programme_keeping_going_due,
    programme_start,
    programme_start_blocker,
)
from coaching.services.sessions import session_rebook, session_set_status, session_update
from coaching.services.status import caseload_rows_refresh, caseload_rows_refresh_due

__all__ = [
    "DEFAULT_SCHEDULE",
    "adverse_event_mark_reviewed",
    "adverse_event_report",
    "caseload_rows_refresh",
    "caseload_rows_refresh_due",
    "clinic_programme_update",
    "education_topic_save",
    "prescription_correct",
    "prescription_plans_advance",
    "prescription_set",
    "programme_keeping_going_due",
    "programme_start",
    "programme_start_blocker",
    "session_rebook",
    "session_set_status",
    "session_update",
]
