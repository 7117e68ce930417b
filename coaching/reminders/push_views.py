"""The patient's web push endpoints under "Me → Reminders" (docs/web-push.md).

``subscribe`` and ``unsubscribe`` take JSON from ``static/js/push-subscribe.js`` (CSRF-checked
through the ``X-CSRFToken`` header, like any POST); ``remove`` is the no-JavaScript form beside
each listed browser. Thin: the patient's own record, one service call, an answer.
"""

from __future__ import annotations

import json

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from coaching.portal.selectors import portal_patient
from coaching.reminders.push import push_enabled
from coaching.reminders.push_services import (
    push_device_remove,
    push_subscribe,
    push_unsubscribe,
)
from walkback.accounts.decorators import patient_required

# A subscription is a few hundred bytes; anything much bigger is not one.
MAX_BODY_BYTES = 4096


def _json_body(request) -> dict | None:
    if len(request.body) > MAX_BODY_BYTES:
        return None
    try:
        data = json.loads(request.body)
    except (ValueError, UnicodeDecodeError):
        return None
    return data if isinstance(data, dict) else None


def _bad_request(message: str) -> JsonResponse:
    return JsonResponse({"errors": {"__all__": message}}, status=400)


@patient_required
@require_POST
def subscribe(request):
    patient = portal_patient(request.user)
    data = _json_body(request)
    if data is None:
        return _bad_request(_("The browser sent something we could not read. Please try again."))
    if not push_enabled():
        return JsonResponse(
            {"errors": {"__all__": _("Reminders by push are not set up here.")}}, status=404
        )
    keys = data["keys"] if isinstance(data.get("keys"), dict) else {}
    try:
        subscription = push_subscribe(
            patient=patient,
            by=request.user,
            endpoint=data.get("endpoint"),
            p256dh=keys.get("p256dh"),
            auth=keys.get("auth"),
            user_agent=request.headers.get("User-Agent", ""),
        )
    except ValidationError as error:
        return JsonResponse(
            {"errors": {field: " ".join(text) for field, text in error.message_dict.items()}},
            status=400,
        )
    # The page reloads after this answer: the message shows there, beside the updated list.
    messages.success(request, _("Done: your reminders will come to this phone too."))
    return JsonResponse({"ok": True, "device": subscription.device_label}, status=201)


@patient_required
@require_POST
def unsubscribe(request):
    patient = portal_patient(request.user)
    data = _json_body(request)
    if data is None:
        return _bad_request(_("The browser sent something we could not read. Please try again."))
    if not push_unsubscribe(patient=patient, by=request.user, endpoint=data.get("endpoint")):
        # Not this patient's (or already gone): nothing changed, and nothing said about whose.
        return JsonResponse(
            {"errors": {"__all__": _("This browser was not on your list.")}}, status=404
        )
    messages.success(request, _("Done: this phone will not get reminders any more."))
    return JsonResponse({"ok": True})


@patient_required
@require_POST
def remove(request, pk: int):
    patient = portal_patient(request.user)
    if not push_device_remove(patient=patient, by=request.user, pk=pk):
        raise Http404
    messages.success(request, _("Removed: that phone or computer will not get reminders any more."))
    return redirect("portal:reminders")
