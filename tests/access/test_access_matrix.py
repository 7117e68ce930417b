"""docs/security.md#access: every URL pattern x anonymous and each role x own and other clinic
(and, for patients, own and other patient). Another's object is a 404, never a 200."""

from __future__ import annotations

import importlib
import pkgutil

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

import tests.access
from tests.access.spec import ADMIN, PATIENT, PHYSIO, Route
from tests.conftest import login_as


def _collect_routes() -> dict[str, Route]:
    routes: dict[str, Route] = {}
    for module in pkgutil.iter_modules(tests.access.__path__):
        if module.name.startswith("routes_"):
            found = importlib.import_module(f"tests.access.{module.name}").ROUTES
            duplicated = routes.keys() & found.keys()
            assert not duplicated, f"described twice: {duplicated}"
            routes.update(found)
    return routes


ROUTES = _collect_routes()


def _url_names(patterns=None, namespace=""):
    for entry in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(entry, URLResolver):
            ns = entry.namespace or ""
            if ns == "admin":
                continue  # the Django admin site is covered by test_admin_site_needs_staff
            prefix = f"{namespace}{ns}:" if ns else namespace
            yield from _url_names(entry.url_patterns, prefix)
        elif isinstance(entry, URLPattern):
            assert entry.name, f"URL pattern {entry.pattern} has no name"
            yield f"{namespace}{entry.name}"


ALL_NAMES = sorted(set(_url_names()))


def test_every_url_is_in_the_matrix():
    missing = [name for name in ALL_NAMES if name not in ROUTES]
    assert not missing, f"add these URL names to a tests/access/routes_*.py file: {missing}"
    stale = [name for name in ROUTES if name not in ALL_NAMES]
    assert not stale, f"these described routes no longer exist: {stale}"


def _kwargs(route: Route, world, *, patient=None, staff=None):
    if route.for_patient:
        return route.for_patient(patient)
    if route.for_staff:
        return route.for_staff(staff)
    return route.kwargs() if route.kwargs else {}


def _call(client, route: Route, name: str, kwargs: dict):
    url = reverse(name, kwargs=kwargs)
    return getattr(client, route.method)(url)


@pytest.mark.parametrize("name", ALL_NAMES)
def test_anonymous(name, world, client):
    route = ROUTES[name]
    kwargs = _kwargs(route, world, patient=world.patient_a, staff=world.physio_a2)
    response = _call(client, route, name, kwargs)
    if route.public:
        assert response.status_code in route.public_ok
    else:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))


PERSONAS = {
    ADMIN: "admin_a",
    PHYSIO: "physio_a",
    PATIENT: "patient_a",
}


def _persona_user(world, role):
    persona = getattr(world, PERSONAS[role])
    return persona.user if role == PATIENT else persona


@pytest.mark.parametrize("role", [ADMIN, PHYSIO, PATIENT])
@pytest.mark.parametrize("name", ALL_NAMES)
def test_role_on_own_scope(name, role, world):
    from django.test import Client

    route = ROUTES[name]
    client = login_as(Client(), _persona_user(world, role))
    # Staff's own scope is any patient of their clinic (here: a colleague's patient);
    # a patient's own scope is themselves.
    patient = world.patient_a if role == PATIENT else world.patient_a2
    kwargs = _kwargs(route, world, patient=patient, staff=world.physio_a2)
    response = _call(client, route, name, kwargs)
    if role in route.roles:
        assert response.status_code in route.ok, response.content[:300]
    else:
        assert response.status_code in (403, 404)


@pytest.mark.parametrize("role", [ADMIN, PHYSIO, PATIENT])
@pytest.mark.parametrize(
    "name", [n for n in ALL_NAMES if ROUTES[n].for_patient or ROUTES[n].for_staff]
)
def test_role_on_other_scope_is_not_found(name, role, world):
    from django.test import Client

    route = ROUTES[name]
    client = login_as(Client(), _persona_user(world, role))
    others = [(world.patient_b, world.physio_b)]
    if role == PATIENT:
        others.append((world.patient_a2, world.physio_a2))
    for patient, staff in others:
        kwargs = _kwargs(route, world, patient=patient, staff=staff)
        response = _call(client, route, name, kwargs)
        expected = (404,) if role in route.roles else (403, 404)
        assert response.status_code in expected, (name, role, patient, response.status_code)


@pytest.mark.parametrize("role", [ADMIN, PHYSIO, PATIENT])
def test_admin_site_needs_staff(role, world):
    from django.test import Client

    client = login_as(Client(), _persona_user(world, role))
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


@pytest.mark.django_db
def test_unknown_urls_also_send_anonymous_visitors_to_login(client):
    response = client.get("/no/such/page/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
