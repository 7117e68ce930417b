from django.urls import path

from coaching.proms import views

app_name = "proms_portal"
urlpatterns = [
    path("", views.portal_list, name="list"),
    path("<slug:key>/", views.portal_answer, name="answer"),
]
