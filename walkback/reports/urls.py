from django.urls import path

from walkback.reports import views

app_name = "clinic"
urlpatterns = [
    path("", views.home, name="home"),
]
