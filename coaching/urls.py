from django.urls import path

from coaching import content_views, views
from coaching.reminders import views as reminder_views

app_name = "coaching"
urlpatterns = [
    path("", views.caseload, name="caseload"),
    path("patients/<int:pk>/start/", views.programme_start, name="programme-start"),
    path("patients/<int:pk>/prescription/", views.prescription_new, name="prescription-new"),
    path("patients/<int:pk>/sessions.ics", views.sessions_calendar, name="sessions-ics"),
    path(
        "prescriptions/<int:pk>/correct/",
        views.prescription_correct,
        name="prescription-correct",
    ),
    path("sessions/<int:pk>/", views.session_detail, name="session-detail"),
    path("sessions/<int:pk>/edit/", views.session_edit, name="session-edit"),
    path("sessions/<int:pk>/rebook/", views.session_rebook, name="session-rebook"),
    path("sessions/<int:pk>/status/", views.session_status, name="session-status"),
    path("sessions/<int:pk>/session.ics", views.session_ics, name="session-ics"),
    path(
        "adverse-events/<int:pk>/review/", views.adverse_event_review, name="adverse-event-review"
    ),
    path("library/", views.library, name="library"),
    path("library/standard-topics/", views.library_seed, name="library-seed"),
    path("library/new/", views.topic_edit, name="topic-new"),
    path("library/<int:pk>/", views.topic_edit, name="topic-edit"),
    path(
        "library/<int:pk>/in/<str:language>/",
        content_views.topic_translation,
        name="topic-translation",
    ),
    path("settings/", views.programme_settings, name="programme-settings"),
    path(
        "settings/screening-languages/",
        content_views.screening_languages,
        name="screening-languages",
    ),
    path(
        "patients/<int:pk>/reminders/",
        reminder_views.patient_reminders,
        name="patient-reminders",
    ),
]
