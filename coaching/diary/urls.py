"""The diary, under /caseload/diary/ (physiotherapists only)."""

from django.urls import path

from coaching.diary import views

app_name = "diary"
urlpatterns = [
    path("", views.diary_today, name="today"),
    path("day/<str:day>/", views.diary_day, name="day"),
    path("week/<str:day>/", views.diary_week, name="week"),
    path("sessions/<int:pk>/rebook/", views.diary_rebook, name="rebook"),
    path("calendar-link/", views.staff_feed, name="feed"),
    path("calendar-link/new/", views.staff_feed_new, name="feed-new"),
    path("calendar-link/stop/", views.staff_feed_stop, name="feed-stop"),
]
