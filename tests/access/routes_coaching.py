"""The physiotherapist workspace (issue 3): sessions, prescriptions, library, settings."""

import datetime as dt

from django.utils import timezone

from tests.access.spec import PHYSIO, STAFF, Route
from tests.factories import AdverseEventFactory

PHYSIO_ONLY = frozenset({PHYSIO})


def _session(patient):
    from coaching.models import CoachingSession, SessionMode, SessionPurpose

    session, _ = CoachingSession.objects.get_or_create(
        patient=patient,
        number=1,
        defaults={
            "purpose": SessionPurpose.PRESCRIBE,
            "mode": SessionMode.IN_PERSON,
            "scheduled_at": timezone.now() + dt.timedelta(days=1),
        },
    )
    return {"pk": session.pk}


def _adverse_event(patient):

    event = AdverseEventFactory(
        patient=patient,
        occurred_on=dt.date.today(),
        body_region="knee",
        severity="mild",
        related_to_walking="unsure",
    )
    return {"pk": event.pk}


def _prescription(patient):
    from coaching.models import Prescription
    from tests.factories import UserFactory

    author = UserFactory(role="physio", clinic=patient.clinic)
    prescription = Prescription.objects.create(
        patient=patient,
        effective_from=dt.date.today(),
        walks_per_week=3,
        minutes_per_walk=10,
        author=author,
    )
    return {"pk": prescription.pk}


def _topic(staff):
    from coaching.models import EducationTopic

    topic, _ = EducationTopic.objects.get_or_create(
        clinic=staff.clinic, slug="matrix-topic", defaults={"title": "Topic", "body": "Text"}
    )
    return {"pk": topic.pk}


def _patient(patient):
    return {"pk": patient.pk}


ROUTES = {
    "coaching:programme-start": Route(roles=PHYSIO_ONLY, for_patient=_patient),
    "coaching:prescription-new": Route(roles=PHYSIO_ONLY, for_patient=_patient),
    "coaching:prescription-correct": Route(roles=PHYSIO_ONLY, for_patient=_prescription),
    "coaching:sessions-ics": Route(roles=PHYSIO_ONLY, for_patient=_patient),
    "coaching:session-detail": Route(roles=PHYSIO_ONLY, for_patient=_session),
    "coaching:session-edit": Route(roles=PHYSIO_ONLY, for_patient=_session),
    "coaching:session-rebook": Route(roles=PHYSIO_ONLY, for_patient=_session),
    "coaching:session-ics": Route(roles=PHYSIO_ONLY, for_patient=_session),
    "coaching:session-status": Route(
        roles=PHYSIO_ONLY, for_patient=_session, method="post", ok=frozenset({302})
    ),
    "coaching:adverse-event-review": Route(
        roles=PHYSIO_ONLY, for_patient=_adverse_event, method="post", ok=frozenset({302})
    ),
    "coaching:library": Route(roles=STAFF),
    "coaching:library-seed": Route(roles=STAFF, method="post", ok=frozenset({302})),
    "coaching:topic-new": Route(roles=STAFF),
    "coaching:topic-edit": Route(roles=STAFF, for_staff=_topic),
    "coaching:programme-settings": Route(roles=STAFF),
}
