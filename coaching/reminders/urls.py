"""The signed-link pages. This namespace is on the public list (``PUBLIC_NAMESPACES``): every
view in it must check its signed token (or, for the SMS webhooks, the provider's signature)
first and do nothing else."""

from django.urls import path

from coaching.reminders import views
from coaching.reminders.sms import webhooks

app_name = "reminders"
urlpatterns = [
    # The SMS provider's webhooks: Twilio's signature, not a token, authorises them.
    path("sms/incoming/", webhooks.sms_incoming, name="sms-incoming"),
    path("sms/status/", webhooks.sms_status, name="sms-status"),
    path("<str:token>/", views.preferences, name="preferences"),
    path("<str:token>/stop/", views.stop, name="stop"),
]
