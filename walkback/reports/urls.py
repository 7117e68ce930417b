from django.urls import path

from walkback.reports import views

app_name = "clinic"
urlpatterns = [
    path("", views.home, name="home"),
    path("exports/", views.export_list, name="exports"),
    path("exports/<uuid:pk>/", views.export_detail, name="export-detail"),
    path("exports/<uuid:pk>/download/", views.export_download, name="export-download"),
]
