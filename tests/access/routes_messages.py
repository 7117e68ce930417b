"""Issue 15's secure messages. The patient's page names no thread (always their own); the
staff page is under the patient, so another clinic's patient is a 404."""

from tests.access.spec import PATIENT, STAFF, Route

ROUTES = {
    "portal:messages": Route(roles=frozenset({PATIENT})),
    "patients:messages": Route(roles=STAFF, for_patient=lambda p: {"pk": p.pk}),
}
