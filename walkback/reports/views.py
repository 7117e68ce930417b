"""The clinic admin's pages: the dashboard of clinic figures, and exports."""

from __future__ import annotations

import tempfile

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils.formats import number_format
from django.utils.translation import ngettext

from walkback.accounts.decorators import clinic_admin_required
from walkback.core.forms import add_service_errors
from walkback.reports import exports, services
from walkback.reports.charts import dashboard_charts, figures_in_words
from walkback.reports.figures import local_today
from walkback.reports.forms import ExportForm, ScopeForm
from walkback.reports.models import ExportFormat
from walkback.reports.selectors import (
    Scope,
    export_job_get,
    export_jobs_for,
    first_programme_start,
)

CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _scope_form(request, form_class, data):
    user = request.user
    # Where the data begin matters only when someone asks for a start date.
    first = first_programme_start(user) if data and data.get("date_from") else None
    return form_class(data, user=user, today=local_today(user.clinic), first_start=first)


@clinic_admin_required
def home(request):
    """The clinic dashboard: fidelity, adherence and outcomes for a period and physio. Never
    computes: it shows the view's latest snapshot with its age, and while a refresh is under
    way says so (docs/reports.md, "Freshness")."""
    data = request.GET or None
    form = _scope_form(request, ScopeForm, data)
    context = {
        "form": form,
        "notes": form.notes,
        "page": None,
        "snapshot": None,
        "refresh_minutes": settings.WALKBACK_FIGURES_MINUTES,
        "clinic_zone": request.user.clinic.time_zone if request.user.clinic else "UTC",
    }
    scope = None
    if data is None:
        scope = Scope(clinic_id=request.user.clinic_id)
    elif form.is_valid():
        scope = form.scope()
    if scope is not None:
        page = services.figures_for_page(user=request.user, scope=scope)
        physio = form.cleaned_data.get("physiotherapist") if data else None
        context |= {
            "page": page,
            "snapshot": page.snapshot,
            "date_from": scope.date_from,
            "date_to": scope.date_to,
            "physio_name": physio.full_name if physio else "",
        }
        if page.snapshot is not None:
            # The snapshot is stored data; its labels are put in the reader's language here.
            figures = figures_in_words(page.snapshot.data)
            context |= {"f": figures, "charts": dashboard_charts(figures)}
    return render(request, "reports/dashboard.html", context)


def _download(plan: services.ExportPlan):
    disposition = f'attachment; filename="{plan.filename}"'
    if plan.format == ExportFormat.XLSX:
        # Excel files are zip archives and cannot be streamed as they are made; small ones
        # are built in a temporary file (in memory up to 8 MB) and sent from there.
        target = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115
        exports.write_xlsx(plan.table, target)
        target.seek(0)
        return FileResponse(
            target, as_attachment=True, filename=plan.filename, content_type=XLSX_TYPE
        )
    response = StreamingHttpResponse(exports.csv_chunks(plan.table), content_type=CSV_TYPE)
    response["Content-Disposition"] = disposition
    return response


@clinic_admin_required
def export_list(request):
    form = _scope_form(request, ExportForm, request.POST or None)
    if request.method == "POST" and form.is_valid():
        spec = exports.ExportSpec(
            dataset=form.cleaned_data["dataset"],
            scope=form.scope(),
            deidentified=form.cleaned_data["deidentified"],
        )
        try:
            plan = services.export_request(
                by=request.user, spec=spec, format=form.cleaned_data["format"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if plan.job is None:
                return _download(plan)
            messages.info(
                request,
                ngettext(
                    "%(rows)s row is a large export: it is being prepared. This page shows "
                    "its progress and the download link when it is ready.",
                    "%(rows)s rows is a large export: it is being prepared. This page shows "
                    "its progress and the download link when it is ready.",
                    plan.rows,
                )
                % {"rows": number_format(plan.rows, force_grouping=True)},
            )
            return redirect("clinic:export-detail", pk=plan.job.pk)
    jobs = export_jobs_for(request.user)[:10]
    return render(request, "reports/exports.html", {"form": form, "jobs": jobs})


@clinic_admin_required
def export_detail(request, pk):
    job = export_job_get(request.user, pk)
    return render(request, "reports/export_detail.html", {"job": job})


@clinic_admin_required
def export_download(request, pk):
    job = export_job_get(request.user, pk)
    if job.is_expired:
        return render(request, "reports/export_expired.html", {"job": job}, status=410)
    if not job.is_downloadable:
        return redirect("clinic:export-detail", pk=job.pk)
    services.export_job_downloaded(job=job, by=request.user)
    content_type = XLSX_TYPE if job.format == ExportFormat.XLSX else CSV_TYPE
    return FileResponse(
        job.file.open("rb"), as_attachment=True, filename=job.filename, content_type=content_type
    )
