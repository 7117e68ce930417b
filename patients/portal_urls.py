from django.urls import path

from patients import portal_views

app_name = "portal"
urlpatterns = [
    path("", portal_views.home, name="home"),
]
