"""Staff pages about one patient (issue 3). Enrolment and the patient page itself are listed
in routes_foundation.py."""

from tests.access.spec import PHYSIO, Route

ROUTES = {
    "patients:edit": Route(roles=frozenset({PHYSIO}), for_patient=lambda p: {"pk": p.pk}),
    "patients:screening": Route(roles=frozenset({PHYSIO}), for_patient=lambda p: {"pk": p.pk}),
}
