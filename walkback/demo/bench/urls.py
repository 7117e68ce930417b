"""URLs for ``manage.py bench_reports`` only: the project's URLs plus two bare pages, so the
dashboard is compared with pages behind exactly the same middleware. Never the ROOT_URLCONF
of a running site."""

from django.shortcuts import render
from django.urls import path

from walkback.accounts.decorators import clinic_admin_required
from walkback.urls import urlpatterns as project_urlpatterns


@clinic_admin_required
def bare_staff_page(request):
    """A template with the staff layout and no figures: the page every staff page pays for."""
    return render(request, "reports/bench_bare.html")


@clinic_admin_required
def bare_hello(request):
    """A one-line template: the floor."""
    return render(request, "reports/bench_hello.html")


urlpatterns = [
    *project_urlpatterns,
    path("bench/bare/", bare_staff_page, name="bench-bare"),
    path("bench/hello/", bare_hello, name="bench-hello"),
]
