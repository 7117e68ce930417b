"""The two webhooks to configure at Twilio (docs/reminders.md, "Channels"):

- ``reminders:sms-incoming`` (a number's "A message comes in" webhook): replies STOP, START
  and their synonyms, and Twilio's Advanced Opt-Out events (``OptOutType``);
- ``reminders:sms-status`` (the status callback each message names): delivery receipts.

They are public (no login: Twilio calls them), so the only thing that authorises a request is
Twilio's signature (``X-Twilio-Signature``, an HMAC of the full URL and the form fields with
the account's auth token), checked with the library's ``RequestValidator``. A request without
it, with a wrong one, or with any field changed is a 403 and changes nothing. The URL signed
is ``SITE_URL`` + the path, the address Twilio was given, whatever proxies sit in front.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.http import HttpResponse, HttpResponseForbidden
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from phonenumber_field.phonenumber import to_python
from twilio.request_validator import RequestValidator

from coaching.reminders.sms.services import sms_delivery_record, sms_opt_in, sms_opt_out

logger = logging.getLogger("walkback.reminders")

# Twilio's standard opt-out and opt-in keywords (matched on the whole reply, any case).
STOP_WORDS = {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "OPTOUT", "REVOKE"}
START_WORDS = {"START", "YES", "UNSTOP"}
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


def signature_valid(request) -> bool:
    token = settings.TWILIO_AUTH_TOKEN
    signature = request.headers.get("X-Twilio-Signature", "")
    if not token or not signature:
        return False
    url = settings.SITE_URL + request.get_full_path()
    return RequestValidator(token).validate(url, request.POST, signature)


def _refused(request, what: str) -> HttpResponse:
    logger.warning("SMS webhook %s: missing or wrong signature, refused", what)
    return HttpResponseForbidden("Signature required.")


@csrf_exempt
@never_cache
@require_POST
def sms_incoming(request):
    if not signature_valid(request):
        return _refused(request, "incoming")
    phone = to_python(request.POST.get("From", ""))
    if phone is None or not phone.is_valid():
        return HttpResponse(EMPTY_TWIML, content_type="text/xml")
    number = phone.as_e164
    # Advanced Opt-Out names the event; otherwise the reply's text decides.
    opt = request.POST.get("OptOutType", "").strip().upper()
    word = opt or request.POST.get("Body", "").strip().upper()
    if word in STOP_WORDS:
        sms_opt_out(phone=number, via="stop-reply" if not opt else f"opt-out-{opt.lower()}")
    elif word in START_WORDS:
        sms_opt_in(phone=number, via="start-reply" if not opt else f"opt-out-{opt.lower()}")
    # An empty answer: Twilio sends its own confirmation of STOP and START.
    return HttpResponse(EMPTY_TWIML, content_type="text/xml")


@csrf_exempt
@never_cache
@require_POST
def sms_status(request):
    if not signature_valid(request):
        return _refused(request, "status")
    try:
        reminder_id = int(request.GET.get("reminder", ""))
    except ValueError:
        return HttpResponse(status=204)
    sms_delivery_record(
        reminder_id=reminder_id,
        message_sid=request.POST.get("MessageSid", ""),
        status=request.POST.get("MessageStatus", ""),
        error_code=request.POST.get("ErrorCode", ""),
    )
    return HttpResponse(status=204)
