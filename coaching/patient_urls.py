from django.urls import path

from coaching import patient_views as views
from coaching.messaging import views as messaging_views

app_name = "patients"
urlpatterns = [
    path("invite/", views.patient_invite, name="invite"),
    path("<int:pk>/", views.patient_detail, name="detail"),
    path("<int:pk>/edit/", views.patient_edit, name="edit"),
    path("<int:pk>/screening/", views.patient_screening, name="screening"),
    path("<int:pk>/walks/", views.patient_walks, name="walks"),
    path("walks/<int:pk>/correct/", views.walk_correct, name="walk-correct"),
    path("<int:pk>/messages/", messaging_views.patient_messages, name="messages"),
]
