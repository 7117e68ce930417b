"""The clinic admin's staff pages. Their addresses stay under /accounts/staff/."""

from django.urls import path

from walkback.reports import staff_views as views

app_name = "staff"
urlpatterns = [
    path("staff/", views.staff_list, name="list"),
    path("staff/<int:pk>/active/", views.staff_set_active, name="set-active"),
    path("staff/<int:pk>/deactivate/", views.staff_deactivate_page, name="deactivate"),
    path("staff/<int:pk>/reinvite/", views.staff_reinvite, name="reinvite"),
    path("staff/<int:pk>/caseload/", views.staff_caseload, name="caseload"),
    path("patients/<int:pk>/physiotherapist/", views.patient_reassign, name="patient-reassign"),
    path("patients/<int:pk>/login/", views.patient_login, name="patient-login"),
]
