from django.urls import path

from coaching.proms import views

app_name = "proms"
urlpatterns = [
    path("patients/<int:pk>/", views.patient_outcomes, name="patient"),
    path("patients/<int:pk>/<slug:key>/", views.staff_enter, name="enter"),
    path("settings/", views.clinic_settings, name="settings"),
]
