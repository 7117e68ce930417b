"""Web push under "Me → Reminders": included by ``coaching/portal/urls.py`` (namespace
``portal``)."""

from django.urls import path

from coaching.reminders import push_views

urlpatterns = [
    path("subscribe/", push_views.subscribe, name="push-subscribe"),
    path("unsubscribe/", push_views.unsubscribe, name="push-unsubscribe"),
    path("<int:pk>/remove/", push_views.remove, name="push-remove"),
]
