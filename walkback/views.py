from __future__ import annotations

from django.db import connection
from django.http import JsonResponse
from django.shortcuts import redirect
from django.views.decorators.cache import never_cache

from walkback.accounts.models import Role

ROLE_HOMES = {
    Role.CLINIC_ADMIN: "clinic:home",
    Role.PHYSIO: "coaching:caseload",
    Role.PATIENT: "portal:home",
}


def home(request):
    """Send each role to the page made for it."""
    if request.user.is_superuser and not request.user.clinic_id:
        return redirect("admin:index")
    return redirect(ROLE_HOMES[request.user.role])


def broker_ok(timeout: float = 2.0) -> bool:
    from walkback.celery import app

    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=timeout)
        return True
    except Exception:  # noqa: BLE001 - any failure means "not reachable" for a probe
        return False


@never_cache
def healthz(request):
    """For load balancers and compose health checks: is the database and broker reachable?"""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        database = True
    except Exception:  # noqa: BLE001
        database = False
    broker = broker_ok()
    ok = database and broker
    return JsonResponse(
        {"status": "ok" if ok else "fail", "database": database, "broker": broker},
        status=200 if ok else 503,
    )
