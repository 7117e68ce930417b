"""Kept sessions, "stay signed in" and two-step login (docs/security.md#sessions-and-drafts).
Another person's kept phone and another clinic's reset are 404s:
tests/security/test_sessions_and_two_step.py."""

from tests.access.spec import ADMIN, PATIENT, PHYSIO, Route

EVERYONE = frozenset({ADMIN, PHYSIO, PATIENT})

ROUTES = {
    # Staff log in with two-step login (200: "shown once already"); the patient has none and
    # is sent to their account page.
    "accounts:recovery-codes": Route(roles=EVERYONE, ok=frozenset({200, 302})),
    "accounts:two-step-off": Route(roles=frozenset({PATIENT}), ok=frozenset({302})),
    "accounts:two-step-reset": Route(
        roles=frozenset({ADMIN}), for_staff=lambda user: {"pk": user.pk}
    ),
    "accounts:session-extend": Route(roles=EVERYONE, method="post", ok=frozenset({302})),
    # No kept phone exists in the matrix: a made-up id is nobody's.
    "accounts:device-sign-out": Route(
        roles=EVERYONE, method="post", kwargs=lambda: {"pk": 999_999}, ok=frozenset({404})
    ),
    "accounts:sign-out-everywhere": Route(roles=EVERYONE, method="post", ok=frozenset({302})),
}
