from django.urls import path

from walkback.reports import clinic_views, views

app_name = "clinic"
urlpatterns = [
    path("", views.home, name="home"),
    path("settings/", clinic_views.clinic_settings, name="settings"),
    path("exports/", views.export_list, name="exports"),
    path("exports/<uuid:pk>/", views.export_detail, name="export-detail"),
    path("exports/<uuid:pk>/download/", views.export_download, name="export-download"),
]
