from django.urls import path

from walkback.reports import clinic_views, rights_views, views

app_name = "clinic"
urlpatterns = [
    path("", views.home, name="home"),
    path("settings/", clinic_views.clinic_settings, name="settings"),
    path("exports/", views.export_list, name="exports"),
    path("exports/<uuid:pk>/", views.export_detail, name="export-detail"),
    path("exports/<uuid:pk>/download/", views.export_download, name="export-download"),
    path("closings/", rights_views.closings, name="closings"),
    path("closings/<int:pk>/", rights_views.closing_decide_view, name="closing-decide"),
    path("closings/retention/", rights_views.retention, name="retention"),
    path("audit/", rights_views.audit_trail, name="audit"),
    path("audit/trail.csv", rights_views.audit_trail_csv, name="audit-csv"),
]
