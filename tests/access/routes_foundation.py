from tests.access.spec import ADMIN, PATIENT, PHYSIO, STAFF, Route

EVERYONE = frozenset({ADMIN, PHYSIO, PATIENT})

ROUTES = {
    "home": Route(roles=EVERYONE, ok=frozenset({302})),
    "healthz": Route(
        roles=EVERYONE, public=True, ok=frozenset({200, 503}), public_ok=frozenset({200, 503})
    ),
    "healthz-ready": Route(
        roles=EVERYONE, public=True, ok=frozenset({200, 503}), public_ok=frozenset({200, 503})
    ),
    "accounts:login": Route(roles=EVERYONE, public=True, ok=frozenset({302})),
    "accounts:logout": Route(roles=EVERYONE, public=True, method="post", ok=frozenset({302})),
    # Django's set_language: no record is named, so there is no other scope to try.
    "set_language": Route(roles=EVERYONE, public=True, method="post", ok=frozenset({302})),
    "accounts:invite-accept": Route(
        roles=EVERYONE,
        public=True,
        kwargs=lambda: {"token": "not-a-real-token"},
        ok=frozenset({410}),
        public_ok=frozenset({410}),
    ),
    "accounts:password-reset": Route(roles=EVERYONE, public=True),
    "accounts:password-reset-done": Route(roles=EVERYONE, public=True),
    "accounts:password-reset-confirm": Route(
        roles=EVERYONE, public=True, kwargs=lambda: {"uidb64": "MQ", "token": "bad-token"}
    ),
    "accounts:password-reset-complete": Route(roles=EVERYONE, public=True),
    "accounts:security": Route(roles=EVERYONE),
    "accounts:phone": Route(roles=EVERYONE),
    "accounts:language": Route(roles=EVERYONE),
    # A link to confirm a new address: one nobody asked for does nothing, for everyone.
    "accounts:email-confirm": Route(
        roles=EVERYONE, kwargs=lambda: {"token": "not-a-real-link"}, ok=frozenset({410})
    ),
    "accounts:otp-setup": Route(roles=EVERYONE),
    "accounts:otp-verify": Route(roles=EVERYONE, ok=frozenset({302})),
    "accounts:password-change": Route(roles=EVERYONE),
    "staff:list": Route(roles=frozenset({ADMIN})),
    "staff:set-active": Route(
        roles=frozenset({ADMIN}),
        for_staff=lambda user: {"pk": user.pk},
        method="post",
        ok=frozenset({302}),
    ),
    "staff:reinvite": Route(
        roles=frozenset({ADMIN}),
        for_staff=lambda user: {"pk": user.pk},
        method="post",
        ok=frozenset({302}),
    ),
    "clinic:home": Route(roles=frozenset({ADMIN})),
    "coaching:caseload": Route(roles=frozenset({PHYSIO})),
    "patients:invite": Route(roles=frozenset({PHYSIO})),
    "patients:detail": Route(roles=STAFF, for_patient=lambda p: {"pk": p.pk}),
    "portal:home": Route(roles=frozenset({PATIENT})),
}
