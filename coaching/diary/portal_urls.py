"""A patient's calendar link, under /me/calendar/."""

from django.urls import path

from coaching.diary import views

app_name = "my-calendar"
urlpatterns = [
    path("", views.patient_feed, name="home"),
    path("new/", views.patient_feed_new, name="new"),
    path("stop/", views.patient_feed_stop, name="stop"),
]
