"""Staff pages about one patient (issue 3). Enrolment and the patient page itself are listed
in routes_foundation.py."""

from tests.access.spec import PHYSIO, STAFF, Route


def _walk_of(patient):
    from tests.factories import WalkLogFactory

    return {"pk": WalkLogFactory(patient=patient, walked_on=patient.today(), minutes=30).pk}


ROUTES = {
    "patients:edit": Route(roles=frozenset({PHYSIO}), for_patient=lambda p: {"pk": p.pk}),
    "patients:screening": Route(roles=frozenset({PHYSIO}), for_patient=lambda p: {"pk": p.pk}),
    # Issue 11: every walk of a patient, and a physiotherapist's correction of one.
    "patients:walks": Route(roles=STAFF, for_patient=lambda p: {"pk": p.pk}),
    "patients:walk-correct": Route(roles=frozenset({PHYSIO}), for_patient=_walk_of),
}
