"""Me → Import walks (issue 13, docs/activity-import.md): upload an export, check the preview,
save the new walks. Thin views: the patient's own record and uploads only
(``patients.imports.selectors``), the services do the work."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from coaching.portal.import_forms import ImportUploadForm
from coaching.portal.selectors import portal_patient
from coaching.portal.views import _programme_ended
from patients.imports import services
from patients.imports.models import SOURCE_WORDS, ImportState
from patients.imports.preview import STATUS_WORDS
from patients.imports.selectors import own_import, recent_imports
from walkback.accounts.decorators import patient_required
from walkback.audit.services import audit_read
from walkback.core.forms import add_service_errors

# Seconds between two automatic reloads of a page whose file a worker is still reading.
REFRESH_SECONDS = 3


@patient_required
@require_http_methods(["GET", "POST"])
def import_upload(request):
    patient = portal_patient(request.user)
    if not patient.can_log:
        return _programme_ended(request, patient)
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            batch = services.import_upload(
                patient=patient, by=request.user, upload=form.cleaned_data["file"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return redirect("portal:import-batch", pk=batch.pk)
    return render(
        request,
        "portal/import_upload.html",
        {"form": form, "patient": patient, "recent": recent_imports(patient)},
    )


def _day_words(iso: str) -> str:
    """'Fri 27 Nov 2026': short enough for a phone's table, plain to read."""
    day = dt.date.fromisoformat(iso)
    return date_format(day, _("D j M Y"))


@patient_required
def import_batch(request, pk):
    patient = portal_patient(request.user)
    batch = own_import(patient, pk)
    preview = batch.preview or {}
    rows = [{**row, "when": _day_words(row["day"])} for row in preview.get("rows", [])]
    if rows:
        audit_read(actor=request.user, patient=patient, what="portal-import", obj=batch)
    context = {
        "batch": batch,
        "rows": rows,
        "steps_only": [
            {**day, "when": _day_words(day["day"])} for day in preview.get("steps_only", [])
        ],
        "counts": preview.get("counts", {}),
        "status_words": STATUS_WORDS,
        "source_words": SOURCE_WORDS,
        "states": ImportState,
    }
    response = render(request, "portal/import_batch.html", context)
    if batch.is_working:
        # Browsers honour the Refresh header without JavaScript: the page reloads itself.
        response["Refresh"] = str(REFRESH_SECONDS)
    return response


@patient_required
@require_POST
def import_save(request, pk):
    patient = portal_patient(request.user)
    batch = own_import(patient, pk)
    try:
        saved = services.import_confirm(batch=batch, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("portal:import-batch", pk=batch.pk)
    if saved:
        messages.success(
            request,
            ngettext(
                "Saved %(count)s walk from your file.",
                "Saved %(count)s walks from your file.",
                saved,
            )
            % {"count": saved},
        )
    else:
        messages.info(request, _("Nothing new to save: every walk in the file is already here."))
    return redirect("portal:history")
