"""The benchmarks' URLconf: the project's URLs plus bare pages, so each real page is compared
with pages behind exactly the same middleware. Only ever set for a benchmark's run
(``override_settings(ROOT_URLCONF=...)``), never the ROOT_URLCONF of a running site."""

from django.http import HttpResponse
from django.shortcuts import render
from django.urls import include, path


def bench_hello(request):
    """No template at all: the middleware's own cost."""
    return HttpResponse("hello")


def bench_one_line(request):
    return render(request, "demo/bench/hello.html")


def bench_staff_layout(request):
    """The staff layout and nothing else: the page every staff page pays for."""
    return render(request, "demo/bench/staff.html")


def bench_patient_layout(request):
    return render(request, "demo/bench/patient.html")


urlpatterns = [
    path("bench/hello/", bench_hello),
    path("bench/one-line/", bench_one_line),
    path("bench/staff/", bench_staff_layout),
    path("bench/patient/", bench_patient_layout),
    path("", include("walkback.urls")),
]
