"""Issue 5's URLs. The signed-link pages are public and answer every visitor the same way:
the token, not the login, decides (a forged one is a 404, tested in tests/reminders)."""

from tests.access.spec import ADMIN, PATIENT, PHYSIO, STAFF, Route

EVERYONE = frozenset({ADMIN, PHYSIO, PATIENT})


def _token():
    from coaching.reminders.links import preferences_token
    from tests.factories import PatientFactory

    return {"token": preferences_token(PatientFactory())}


ROUTES = {
    "reminders:preferences": Route(roles=EVERYONE, public=True, kwargs=_token),
    "reminders:stop": Route(roles=EVERYONE, public=True, kwargs=_token),
    "coaching:patient-reminders": Route(roles=STAFF, for_patient=lambda p: {"pk": p.pk}),
}
