from django.urls import path

from coaching import views
from coaching.reminders import views as reminder_views

app_name = "coaching"
urlpatterns = [
    path("", views.caseload, name="caseload"),
    path(
        "patients/<int:pk>/reminders/",
        reminder_views.patient_reminders,
        name="patient-reminders",
    ),
]
