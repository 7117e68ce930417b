"""The signed-link pages. This namespace is on the public list (``PUBLIC_NAMESPACES``): every
view in it must check its signed token first and do nothing else."""

from django.urls import path

from coaching.reminders import views

app_name = "reminders"
urlpatterns = [
    path("<str:token>/", views.preferences, name="preferences"),
    path("<str:token>/stop/", views.stop, name="stop"),
]
