"""Responses that may show patient data are never kept by a browser or a shared cache."""

from __future__ import annotations

from django.conf import settings
from django.utils.cache import patch_cache_control


class NoStoreMiddleware:
    """``Cache-Control: no-store, private`` on every page the application builds: pages,
    ``.ics`` files, CSV, Excel and JSON downloads, the signed reminder-link pages (issue 12).

    Rather than list what shows health data (and miss the next page), only what certainly does
    not is left alone: static files (WhiteNoise answers those before this runs, and the
    ``STATIC_URL`` check covers the debug server) and the load balancer's ``/healthz``.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        path = request.path_info
        if path.startswith(settings.STATIC_URL) or path.rstrip("/").startswith("/healthz"):
            return response
        patch_cache_control(response, no_store=True, private=True)
        return response
