"""The clinic admin's data-rights pages (docs/security.md#data-rights): requests to close
accounts and the retention period, and the audit trail (read, filtered, exported). They live
in the clinic admin's area; the rules are in ``coaching.services.closing`` and the reads in
``patients.selectors`` and ``walkback.audit.selectors``."""

from __future__ import annotations

import csv
import zoneinfo
from collections.abc import Iterator

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from coaching.services.closing import closing_decide, retention_set
from patients.models import ClosingState
from patients.selectors import closings_for, patients_for, retention_for
from walkback.accounts.decorators import clinic_admin_required
from walkback.accounts.models import User
from walkback.audit.models import AuditAction, AuditEvent
from walkback.audit.selectors import clinic_trail, trail_what
from walkback.audit.services import audit_reads, audit_record
from walkback.core.forms import add_service_errors
from walkback.core.spreadsheets import formula_safe
from walkback.reports.rights_forms import ClosingDecideForm, RetentionForm, TrailForm

TRAIL_PER_PAGE = 50
CLOSED_SHOWN = 50


def _closings_page(request, *, decide_form=None, decide_pk=None, retention_form=None):
    closings = closings_for(request.user)
    waiting = list(closings.filter(state=ClosingState.REQUESTED).order_by("requested_at"))
    closed = list(closings.filter(state=ClosingState.CLOSED).order_by("-decided_at")[:CLOSED_SHOWN])
    policy = retention_for(request.user)
    audit_reads(actor=request.user, patients=[c.patient for c in waiting], what="closings")
    return render(
        request,
        "reports/closings.html",
        {
            "waiting": waiting,
            "closed": closed,
            "decide_form": decide_form,
            "decide_pk": decide_pk,
            "blank_decide_form": ClosingDecideForm(),
            "retention_form": retention_form
            or RetentionForm(initial={"years": policy.years, "outcome": policy.outcome}),
            "policy": policy,
        },
    )


@clinic_admin_required
def closings(request):
    return _closings_page(request)


@require_POST
@clinic_admin_required
def closing_decide_view(request, pk):
    closing = get_object_or_404(closings_for(request.user), pk=pk)
    form = ClosingDecideForm(request.POST)
    if form.is_valid():
        try:
            closing_decide(closing=closing, outcome=form.cleaned_data["outcome"], by=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("clinic:closings")
        messages.success(
            request,
            _("The account of patient #%(number)s is closed.") % {"number": closing.patient_id},
        )
        return redirect("clinic:closings")
    return _closings_page(request, decide_form=form, decide_pk=closing.pk)


@require_POST
@clinic_admin_required
def retention(request):
    form = RetentionForm(request.POST)
    if form.is_valid():
        try:
            retention_set(clinic=request.user.clinic, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The retention period is saved."))
            return redirect("clinic:closings")
    return _closings_page(request, retention_form=form)


def _trail_form(request) -> TrailForm:
    user = request.user
    return TrailForm(
        request.GET or None,
        patients=patients_for(user).order_by("user__full_name", "pk"),
        people=User.objects.filter(clinic_id=user.clinic_id).order_by("full_name", "pk"),
        time_zone=user.clinic.time_zone,
    )


@clinic_admin_required
def audit_trail(request):
    """Who did what to which record, when: filtered, newest first, 50 a page."""
    form = _trail_form(request)
    events: QuerySet[AuditEvent] = AuditEvent.objects.none()
    if not form.is_bound or form.is_valid():
        events = clinic_trail(request.user, form.trail_filter())
    page = Paginator(events, TRAIL_PER_PAGE).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    names = _patient_names(request.user, rows)
    audit_reads(
        actor=request.user,
        patients=list(patients_for(request.user).filter(pk__in=names)),
        what="audit-trail",
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "reports/audit_trail.html",
        {
            "form": form,
            "page": page,
            "rows": [
                (
                    event,
                    names.get(event.patient_id) if event.patient_id is not None else None,
                    trail_what(event),
                )
                for event in rows
            ],
            "query": query.urlencode(),
            "zone": zoneinfo.ZoneInfo(request.user.clinic.time_zone),
        },
    )


def _patient_names(user, events) -> dict[int, str]:
    ids = {e.patient_id for e in events if e.patient_id is not None}
    return {patient.pk: patient.full_name for patient in patients_for(user).filter(pk__in=ids)}


# The audit trail's column headers, in the language of the admin who downloads it.
CSV_HEADER = [
    gettext_lazy("When (UTC)"),
    gettext_lazy("When (clinic time)"),
    gettext_lazy("Done by"),
    gettext_lazy("Done by (id)"),
    gettext_lazy("Role"),
    gettext_lazy("Action"),
    gettext_lazy("Patient"),
    gettext_lazy("Patient (id)"),
    gettext_lazy("Record type"),
    gettext_lazy("Record id"),
    gettext_lazy("Page or event"),
    gettext_lazy("From address"),
]


class _Echo:
    def write(self, value):
        return value


@clinic_admin_required
def audit_trail_csv(request):
    """The filtered trail as CSV, streamed (a UTF-8 mark first, so Excel keeps accents). The
    export itself is a row of the trail."""
    form = _trail_form(request)
    if form.is_bound and not form.is_valid():
        return audit_trail(request)
    trail = form.trail_filter()
    audit_record(
        actor=request.user,
        action=AuditAction.EXPORT,
        object_type="audit.AuditEvent",
        clinic=request.user.clinic,
        detail={"dataset": "audit-trail", **trail.as_json()},
    )
    events = clinic_trail(request.user, trail)
    zone = zoneinfo.ZoneInfo(request.user.clinic.time_zone)
    response = StreamingHttpResponse(
        _csv_rows(request.user, events, zone, translation.get_language()),
        content_type="text/csv; charset=utf-8",
    )
    stamp = timezone.now().astimezone(zone).strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="walkback-audit-trail-{stamp}.csv"'
    return response


def _csv_rows(user, events, zone, language: str) -> Iterator[str]:
    # The rows are written as the response streams, after the view has returned: in the
    # language of the request that asked for them.
    with translation.override(language):
        writer = csv.writer(_Echo())
        yield "\ufeff" + writer.writerow([str(header) for header in CSV_HEADER])
        chunk: list[AuditEvent] = []
        for event in events.iterator(chunk_size=2000):
            chunk.append(event)
            if len(chunk) == 2000:
                yield from _csv_chunk(user, writer, chunk, zone)
                chunk = []
        yield from _csv_chunk(user, writer, chunk, zone)


def _csv_chunk(user, writer, events, zone) -> Iterator[str]:
    names = _patient_names(user, events)
    for e in events:
        actor = e.actor
        yield writer.writerow(
            [
                formula_safe(value)
                for value in (
                    e.at.isoformat(),
                    e.at.astimezone(zone).strftime("%Y-%m-%d %H:%M"),
                    (actor.full_name or _("Closed account #%(number)s") % {"number": actor.pk})
                    if actor
                    else "WalkBack",
                    e.actor_id or "",
                    actor.get_role_display() if actor else "",
                    e.get_action_display(),
                    names.get(e.patient_id, "") if e.patient_id is not None else "",
                    e.patient_id or "",
                    e.object_type,
                    e.object_id,
                    e.detail.get("view") or e.detail.get("event") or "",
                    e.ip_address or "",
                )
            ]
        )
