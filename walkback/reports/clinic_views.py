"""The clinic itself: the clinic admin's settings page, and the site superuser's page that
creates a clinic. They live in the clinic admin's area; the clinic's creation is the
programme layer's service (``coaching.services.clinics``) because a new clinic gets the
programme's education library (README, "Layers")."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from coaching.services.clinics import clinic_create as create
from walkback.accounts import services as account_services
from walkback.accounts.decorators import clinic_admin_required, superuser_required
from walkback.accounts.forms import ClinicCreateForm
from walkback.accounts.models import Clinic
from walkback.accounts.selectors import closed_days_of
from walkback.core.forms import add_service_errors
from walkback.reports.forms import ClinicSettingsPageForm


@clinic_admin_required
@require_http_methods(["GET", "POST"])
def clinic_settings(request):
    """The requesting admin's own clinic: the URL names no clinic, so no other is reachable."""
    clinic = request.user.clinic
    initial = {
        "name": clinic.name,
        "language": clinic.language,
        "time_zone": clinic.time_zone,
        "contact_phone": clinic.contact_phone,
        "address": clinic.address,
        "message_reply_days": clinic.message_reply_days,
        "closed_days": closed_days_of(request.user),
        "diary_day_starts": clinic.diary_day_starts,
        "diary_day_ends": clinic.diary_day_ends,
        "diary_weekends": clinic.diary_weekends,
        "import_hiking": clinic.import_hiking,
    }
    form = ClinicSettingsPageForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            account_services.clinic_settings_update(
                clinic=clinic, by=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Clinic settings saved."))
            return redirect("clinic:settings")
    return render(request, "reports/clinic_settings.html", {"form": form, "clinic": clinic})


@superuser_required
@require_http_methods(["GET", "POST"])
def clinic_create(request):
    form = ClinicCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            clinic = create(**form.cleaned_data, by=request.user)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("%(clinic)s is ready. An invitation was e-mailed to %(email)s.")
                % {"clinic": clinic.name, "email": form.cleaned_data["admin_email"]},
            )
            return redirect("site:clinic-create")
    clinics = Clinic.objects.order_by("name").only("name", "time_zone", "created_at")
    return render(request, "reports/clinic_create.html", {"form": form, "clinics": clinics})
