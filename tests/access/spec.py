"""How a URL is described for the access matrix.

Each area of the product lists its URL names in ``tests/access/routes_<area>.py``. The matrix
test fails when a URL pattern of the project is in none of them, so a new view cannot skip it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

ADMIN, PHYSIO, PATIENT = "clinic_admin", "physio", "patient"
STAFF = frozenset({ADMIN, PHYSIO})


@dataclass(frozen=True)
class Route:
    # Roles that may use the page (for their own clinic's / their own objects).
    roles: frozenset = frozenset()
    # For URLs about one patient's record: builds the URL kwargs for a given Patient
    # (creating whatever object the URL needs). The matrix calls it for an own-scope patient
    # and for out-of-scope ones (another clinic; for patients, another patient).
    for_patient: Callable | None = None
    # For URLs about a staff member: builds kwargs for a given User (staff).
    for_staff: Callable | None = None
    # Plain kwargs for URLs that name no scoped object.
    kwargs: Callable | None = None
    method: str = "get"
    # Status codes an allowed role may get on its own scope.
    ok: frozenset = field(default_factory=lambda: frozenset({200}))
    # On the short public list: anonymous visitors are not sent to the login page.
    public: bool = False
    # Status codes an anonymous visitor may get on a public route.
    public_ok: frozenset = field(default_factory=lambda: frozenset({200, 302}))
