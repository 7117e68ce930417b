from __future__ import annotations

from django.db import connection
from django.http import JsonResponse
from django.shortcuts import redirect
from django.views.decorators.cache import never_cache

from walkback.accounts.models import Role
from walkback.celery import app

ROLE_HOMES = {
    Role.CLINIC_ADMIN: "clinic:home",
    Role.PHYSIO: "coaching:caseload",
    Role.PATIENT: "portal:home",
}


def home(request):
    """Send each role to the page made for it."""
    if request.user.is_superuser and not request.user.clinic_id:
        return redirect("site:clinic-create")
    return redirect(ROLE_HOMES[request.user.role])


def database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return True
    except Exception:  # noqa: BLE001 - any failure means "not reachable" for a probe
        return False


def broker_ok(timeout: float = 1.0) -> bool:
    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=timeout)
        return True
    except Exception:  # noqa: BLE001 - any failure means "not reachable" for a probe
        return False


def cache_ok() -> bool:
    from django.core.cache import cache

    try:
        cache.set("healthz:probe", "ok", 10)
        return cache.get("healthz:probe") == "ok"
    except Exception:  # noqa: BLE001
        return False


@never_cache
def healthz(request):
    """Liveness, for load balancers and the compose health check: the process answers and the
    database is reachable, which is all a page needs. Redis being down does not make a web
    node unfit (pages work without the cache; reminders wait in the database for the
    broker), so it is not checked here: a Redis outage must not pull every node."""
    ok = database_ok()
    return JsonResponse(
        {"status": "ok" if ok else "fail", "database": ok}, status=200 if ok else 503
    )


@never_cache
def healthz_ready(request):
    """Readiness, for monitoring: each component by name, 503 when any is down.

    Public like ``/healthz`` (monitoring probes carry no login), so it says only "up" or "down"
    per component: no addresses, versions or error texts. Each probe has a short timeout, so
    a flood of requests during an outage cannot hold web workers for long."""
    components = {"database": database_ok(), "broker": broker_ok(), "cache": cache_ok()}
    ok = all(components.values())
    return JsonResponse(
        {"status": "ok" if ok else "degraded", "components": components},
        status=200 if ok else 503,
    )
