"""The patient's own pages (/me/). Only patients; another patient's walk or topic is a 404."""

import zoneinfo

from django.utils import timezone

from coaching.progress import week_start
from tests.access.spec import PATIENT, Route
from tests.factories import CoachingSessionFactory, EducationTopicFactory, WalkLogFactory

PATIENTS = frozenset({PATIENT})


def _this_monday_in_sydney():
    """patient_a of the ``world`` fixture lives in Sydney: a week of theirs."""
    today = timezone.now().astimezone(zoneinfo.ZoneInfo("Australia/Sydney")).date()
    return {"week": week_start(today).isoformat()}


def _topic_on_a_session(patient) -> dict:
    """A patient sees a topic once it is on one of their sessions (a new number each time)."""
    topic = EducationTopicFactory(clinic=patient.clinic)
    used = set(patient.sessions.values_list("number", flat=True))
    number = next(n for n in range(1, 7) if n not in used)
    CoachingSessionFactory(patient=patient, number=number, topics=[topic])
    return {"slug": topic.slug}


ROUTES = {
    "portal:walk-new": Route(roles=PATIENTS),
    "portal:walk-edit": Route(
        roles=PATIENTS, for_patient=lambda p: {"pk": WalkLogFactory(patient=p).pk}
    ),
    "portal:walk-delete": Route(
        roles=PATIENTS, for_patient=lambda p: {"pk": WalkLogFactory(patient=p).pk}
    ),
    "portal:history": Route(roles=PATIENTS),
    "portal:history-week": Route(roles=PATIENTS, kwargs=_this_monday_in_sydney),
    "portal:learn": Route(roles=PATIENTS),
    "portal:flare-up": Route(roles=PATIENTS),
    "portal:learn-topic": Route(roles=PATIENTS, for_patient=_topic_on_a_session),
    "portal:check-in": Route(roles=PATIENTS),
    "portal:problem": Route(roles=PATIENTS),
    "portal:my-data": Route(roles=PATIENTS),
    "portal:reminders": Route(roles=PATIENTS),
    "portal:reminder-links-stop": Route(roles=PATIENTS, method="post", ok=frozenset({302})),
    "portal:data-json": Route(roles=PATIENTS),
    "portal:data-csv": Route(roles=PATIENTS),
    # Data rights (docs/security.md#data-rights): the patient's own account only, no ids.
    "portal:details": Route(roles=PATIENTS),
    "portal:seen": Route(roles=PATIENTS),
    "portal:close": Route(roles=PATIENTS),
    # Nothing to withdraw: a message and back to "Me".
    "portal:close-withdraw": Route(roles=PATIENTS, method="post", ok=frozenset({302})),
}
