"""The clinic admin's area (issue 6): dashboard, exports, caseloads and moving patients."""

from tests.access.spec import ADMIN, Route
from tests.factories import AccountClosingFactory, ExportJobFactory

ADMIN_ONLY = frozenset({ADMIN})


def _pending_job_of_admin_a():
    """An export job of the matrix's admin persona (admin_a), still being prepared."""
    from walkback.accounts.models import User

    admin = User.objects.get(email="admin.a@example.test")
    job = ExportJobFactory(
        requested_by=admin, clinic=admin.clinic, dataset="walks", format="csv", rows_total=10
    )
    return {"pk": job.pk}


def _closing_request_of(patient):
    """The patient's request to close their account (one per patient)."""
    from patients.models import AccountClosing

    closing = AccountClosing.objects.filter(patient=patient).first()
    return {"pk": (closing or AccountClosingFactory(patient=patient)).pk}


ROUTES = {
    # The requesting admin's own clinic: the URL names none, so another clinic's cannot be
    # asked for (tests/reports/test_clinic_settings.py shows each admin changes only theirs).
    "clinic:settings": Route(roles=ADMIN_ONLY),
    # The site superuser's page: no clinic role may use it (tests/coaching/test_clinic_create.py
    # covers the superuser).
    "site:clinic-create": Route(roles=frozenset()),
    "clinic:exports": Route(roles=ADMIN_ONLY),
    "clinic:export-detail": Route(roles=ADMIN_ONLY, kwargs=_pending_job_of_admin_a),
    # Not ready yet: the download link sends the owner back to the progress page.
    "clinic:export-download": Route(
        roles=ADMIN_ONLY, kwargs=_pending_job_of_admin_a, ok=frozenset({302})
    ),
    # Data rights (docs/security.md#data-rights). Posted empty: the form's messages, nothing
    # closed; another clinic's request is a 404.
    "clinic:closings": Route(roles=ADMIN_ONLY),
    "clinic:closing-decide": Route(
        roles=ADMIN_ONLY,
        for_patient=_closing_request_of,
        method="post",
    ),
    "clinic:retention": Route(roles=ADMIN_ONLY, method="post"),
    "clinic:audit": Route(roles=ADMIN_ONLY),
    "clinic:audit-csv": Route(roles=ADMIN_ONLY),
    "staff:caseload": Route(roles=ADMIN_ONLY, for_staff=lambda user: {"pk": user.pk}),
    # Issue 11: confirming a deactivation and moving the physiotherapist's patients first.
    "staff:deactivate": Route(roles=ADMIN_ONLY, for_staff=lambda user: {"pk": user.pk}),
    "staff:patient-reassign": Route(
        roles=ADMIN_ONLY,
        for_patient=lambda patient: {"pk": patient.pk},
        method="post",
        ok=frozenset({302}),
    ),
    # Posted without "active": switches the login off, a harmless change for the matrix.
    "staff:patient-login": Route(
        roles=ADMIN_ONLY,
        for_patient=lambda patient: {"pk": patient.pk},
        method="post",
        ok=frozenset({302}),
    ),
}
