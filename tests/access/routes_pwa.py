"""The web app manifest and the service worker (docs/offline.md): public, the same file for
everyone, nothing about a person in either."""

from tests.access.spec import ADMIN, PATIENT, PHYSIO, Route

EVERYONE = frozenset({ADMIN, PHYSIO, PATIENT})

ROUTES = {
    "pwa-manifest": Route(roles=EVERYONE, public=True, public_ok=frozenset({200})),
    "pwa-service-worker": Route(roles=EVERYONE, public=True, public_ok=frozenset({200})),
    # The words of the pages' scripts (gettext in the browser): public, like the worker.
    "javascript-catalog": Route(roles=EVERYONE, public=True, public_ok=frozenset({200})),
}
