"""Outcome questionnaires (issue 15; docs/questionnaires.md). A patient answers their own
(no ids in the URL); staff read a patient's scores, a physiotherapist enters a patient's
answers, a clinic admin chooses the instruments. Another clinic's patient is a 404."""

from tests.access.spec import ADMIN, PATIENT, PHYSIO, STAFF, Route

ROUTES = {
    "proms_portal:list": Route(roles=frozenset({PATIENT})),
    # The factory's patient has no programme start yet: the enrolment questionnaires are open.
    "proms_portal:answer": Route(roles=frozenset({PATIENT}), kwargs=lambda: {"key": "nprs"}),
    "proms:patient": Route(roles=STAFF, for_patient=lambda p: {"pk": p.pk}),
    "proms:enter": Route(
        roles=frozenset({PHYSIO}), for_patient=lambda p: {"pk": p.pk, "key": "nprs"}
    ),
    "proms:settings": Route(roles=frozenset({ADMIN})),
}
