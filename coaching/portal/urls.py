from django.urls import include, path

from coaching.messaging import views as messaging_views
from coaching.portal import import_views, rights_views, sms_views
from coaching.portal import views as portal_views

app_name = "portal"
urlpatterns = [
    path("", portal_views.home, name="home"),
    path("walks/new/", portal_views.walk_new, name="walk-new"),
    path("walks/<int:pk>/", portal_views.walk_edit, name="walk-edit"),
    path("walks/<int:pk>/delete/", portal_views.walk_remove, name="walk-delete"),
    path("history/", portal_views.history, name="history"),
    path("history/<str:week>/", portal_views.history_week, name="history-week"),
    path("learn/", portal_views.learn, name="learn"),
    path("learn/flare-up/", portal_views.flare_up, name="flare-up"),
    path("learn/topics/<slug:slug>/", portal_views.learn_topic, name="learn-topic"),
    path("check-in/", portal_views.check_in, name="check-in"),
    path("problem/", portal_views.problem, name="problem"),
    path("messages/", messaging_views.my_messages, name="messages"),
    path("data/", portal_views.my_data, name="my-data"),
    path("data/reminders/", portal_views.reminders, name="reminders"),
    path(
        "data/reminders/stop-old-links/",
        portal_views.reminder_links_stop,
        name="reminder-links-stop",
    ),
    path("data/reminders/push/", include("coaching.reminders.push_urls")),
    path("data/reminders/phone/", sms_views.phone_verify, name="phone-verify"),
    path("data/reminders/phone/send/", sms_views.phone_code_send_view, name="phone-code-send"),
    path("data/details/", rights_views.details, name="details"),
    path("data/seen/", rights_views.seen, name="seen"),
    path("data/close/", rights_views.close, name="close"),
    path("data/close/withdraw/", rights_views.close_withdraw, name="close-withdraw"),
    path("data/import/", import_views.import_upload, name="import"),
    path("data/import/<uuid:pk>/", import_views.import_batch, name="import-batch"),
    path("data/import/<uuid:pk>/save/", import_views.import_save, name="import-save"),
    path("data/walkback-data.json", portal_views.data_json, name="data-json"),
    path("data/walkback-data.csv", portal_views.data_csv, name="data-csv"),
]
