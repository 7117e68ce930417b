"""Issue 15's diary (docs/diary.md): the physiotherapist's day and week, rebooking from it,
calendar links. The feed itself is public and answers only to a live token (a revoked or
made-up one is a 404: tests/coaching/test_diary_feeds.py)."""

from tests.access.routes_coaching import _session
from tests.access.spec import ADMIN, PATIENT, PHYSIO, Route

EVERYONE = frozenset({ADMIN, PHYSIO, PATIENT})
PHYSIO_ONLY = frozenset({PHYSIO})
PATIENT_ONLY = frozenset({PATIENT})


def _feed_token():
    from coaching.diary.services import calendar_feed_new
    from tests.factories import PatientFactory

    return {"token": calendar_feed_new(owner=PatientFactory().user)}


def _day():
    return {"day": "2026-12-01"}


ROUTES = {
    "diary:today": Route(roles=PHYSIO_ONLY),
    "diary:day": Route(roles=PHYSIO_ONLY, kwargs=_day),
    "diary:week": Route(roles=PHYSIO_ONLY, kwargs=_day),
    # Any session of the clinic's patients (as on the session pages); another clinic's: 404.
    "diary:rebook": Route(roles=PHYSIO_ONLY, for_patient=_session),
    "diary:feed": Route(roles=PHYSIO_ONLY),
    "diary:feed-new": Route(roles=PHYSIO_ONLY, method="post"),
    "diary:feed-stop": Route(roles=PHYSIO_ONLY, method="post", ok=frozenset({302})),
    "my-calendar:home": Route(roles=PATIENT_ONLY),
    "my-calendar:new": Route(roles=PATIENT_ONLY, method="post"),
    "my-calendar:stop": Route(roles=PATIENT_ONLY, method="post", ok=frozenset({302})),
    "feeds:calendar": Route(
        roles=EVERYONE, public=True, kwargs=_feed_token, public_ok=frozenset({200})
    ),
}
