from django.urls import path

from coaching.portal import pwa

# At the top of the site so the worker's scope is every page (docs/offline.md).
urlpatterns = [
    path("sw.js", pwa.service_worker, name="pwa-service-worker"),
    path("manifest.webmanifest", pwa.manifest, name="pwa-manifest"),
]
