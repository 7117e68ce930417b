"""The site superuser's pages (the operator of the installation, not a clinic's staff)."""

from django.urls import path

from walkback.reports import clinic_views

app_name = "site"
urlpatterns = [
    path("clinics/new/", clinic_views.clinic_create, name="clinic-create"),
]
