"""The calendar feeds themselves. This namespace is on the public list
(``PUBLIC_NAMESPACES``): its one view opens nothing without a live token."""

from django.urls import path

from coaching.diary import views

app_name = "feeds"
urlpatterns = [
    path("<str:token>.ics", views.calendar_feed, name="calendar"),
]
