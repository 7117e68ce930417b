"""Staff management, the clinic admin's: invite and (de)activate staff, see a
physiotherapist's caseload and move patients to a colleague. It lives in the clinic admin's
area, above the patients layer, because it lists and moves patients (README, "Layout")."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.formats import date_format
from django.utils.timezone import localtime
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from coaching.reminders.selectors import FAILED_NOTICES_DAYS, failed_staff_notices
from patients.selectors import patient_get, patients_for
from patients.services.assignment import patient_reassign as reassign
from walkback.accounts import services as account_services
from walkback.accounts.decorators import clinic_admin_required
from walkback.accounts.forms import PatientReassignForm
from walkback.accounts.selectors import physios_for, staff_for
from walkback.audit.services import audit_reads
from walkback.core.forms import add_service_errors
from walkback.reports.forms import StaffInvitePageForm
from walkback.reports.selectors import planned_sessions_of, staff_with_caseloads
from walkback.reports.staff_forms import StaffDeactivateForm
from walkback.reports.staff_services import patients_to_move, staff_deactivate


@clinic_admin_required
def staff_list(request):
    form = StaffInvitePageForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            account_services.staff_invite(
                **form.cleaned_data, clinic=request.user.clinic, by=request.user
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request, _("Invitation sent to %(email)s.") % {"email": form.cleaned_data["email"]}
            )
            return redirect("staff:list")
    staff = staff_with_caseloads(request.user).order_by("role", "full_name")
    failed = failed_staff_notices(request.user, limit=5)
    return render(
        request,
        "reports/staff_list.html",
        {
            "staff": staff,
            "form": form,
            "failed_notices": failed[:5],
            "more_failed": len(failed) > 5,
            "failed_days": FAILED_NOTICES_DAYS,
        },
    )


@require_POST
@clinic_admin_required
def staff_set_active(request, pk):
    """Reactivate, or deactivate at once a member of staff who has no patients left; with
    patients left the admin is sent to the page that moves them first."""
    member = get_object_or_404(staff_for(request.user), pk=pk)
    active = request.POST.get("active") == "1"
    try:
        if active:
            account_services.user_set_active(user=member, active=True, by=request.user)
        else:
            staff_deactivate(member=member, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        if not active and member.is_active and patients_to_move(member):
            return redirect("staff:deactivate", pk=member.pk)
    else:
        said = _("%(name)s can now log in.") if active else _("%(name)s can no longer log in.")
        messages.success(request, said % {"name": member.full_name})
    return redirect("staff:list")


@require_http_methods(["GET", "POST"])
@clinic_admin_required
def staff_deactivate_page(request, pk):
    """Confirm a deactivation; for a physiotherapist with patients, choose who takes over
    each of them (or one colleague for all) first. One transaction does it all."""
    member = get_object_or_404(staff_for(request.user).filter(is_active=True), pk=pk)
    if member.pk == request.user.pk:
        messages.error(request, _("You cannot deactivate your own account."))
        return redirect("staff:list")
    patients = patients_to_move(member, among=patients_for(request.user))
    colleagues = physios_for(request.user).filter(is_active=True).exclude(pk=member.pk)
    form = StaffDeactivateForm(request.POST or None, patients=patients, colleagues=colleagues)
    if request.method == "POST" and form.is_valid():
        try:
            done = staff_deactivate(member=member, by=request.user, moves=form.moves())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            _report_deactivation(request, done)
            return redirect("staff:list")
    audit_reads(actor=request.user, patients=patients, what="staff-deactivate")
    return render(
        request,
        "reports/staff_deactivate.html",
        {
            "member": member,
            "form": form,
            "has_colleagues": colleagues.exists(),
            "rows": form.rows(planned_sessions_of(patients)),
        },
    )


def _report_deactivation(request, done) -> None:
    moved = len(done.moved)
    said = _("%(name)s can no longer log in; their open sessions have ended.") % {
        "name": done.member.full_name
    }
    if moved:
        said += " " + ngettext(
            "%(count)s patient moved, with their booked sessions.",
            "%(count)s patients moved, with their booked sessions.",
            moved,
        ) % {"count": moved}
    messages.success(request, said)
    for clash in done.clashes:
        messages.warning(
            request,
            _(
                "Rebook %(session)s of %(patient)s (%(when)s): %(physio)s has %(other)s of "
                "%(other_patient)s at the same time."
            )
            % {
                "session": clash.moved.label,
                "patient": clash.moved.patient.full_name,
                "when": date_format(localtime(clash.moved.scheduled_at), _("D j M Y, H:i")),
                "physio": clash.physiotherapist.full_name,
                "other": clash.other.label,
                "other_patient": clash.other.patient.full_name,
            },
        )


@require_POST
@clinic_admin_required
def staff_reinvite(request, pk):
    member = get_object_or_404(staff_for(request.user).filter(is_active=True), pk=pk)
    account_services.invitation_create(user=member, by=request.user)
    messages.success(
        request, _("A new invitation was sent to %(email)s.") % {"email": member.email}
    )
    return redirect("staff:list")


@clinic_admin_required
def staff_caseload(request, pk):
    """One physiotherapist's patients, each with a way to move them to a colleague."""
    member = get_object_or_404(physios_for(request.user), pk=pk)
    patients = patients_for(request.user).filter(physiotherapist=member).order_by("user__full_name")
    colleagues = list(physios_for(request.user).filter(is_active=True).exclude(pk=member.pk))
    shown = list(patients.select_related("user"))
    audit_reads(actor=request.user, patients=shown, what="staff-caseload")
    return render(
        request,
        "reports/staff_caseload.html",
        {"member": member, "patients": shown, "colleagues": colleagues},
    )


@require_POST
@clinic_admin_required
def patient_login(request, pk):
    """Switch a patient's login off (their sessions end at once; the clinic keeps the record)
    or back on."""
    patient = patient_get(request.user, pk)
    active = request.POST.get("active") == "1"
    try:
        account_services.user_set_active(user=patient.user, active=active, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        said = _("%(name)s can now log in.") if active else _("%(name)s can no longer log in.")
        messages.success(request, said % {"name": patient.full_name})
    if patient.physiotherapist_id:
        return redirect("staff:caseload", pk=patient.physiotherapist_id)
    return redirect("staff:list")


@require_POST
@clinic_admin_required
def patient_reassign(request, pk):
    patient = patient_get(request.user, pk)
    previous = patient.physiotherapist_id
    form = PatientReassignForm(request.POST, user=request.user)
    if form.is_valid():
        new = form.cleaned_data["physiotherapist"]
        try:
            reassign(patient=patient, physiotherapist=new, by=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request,
                _("%(patient)s is now with %(physio)s.")
                % {"patient": patient.full_name, "physio": new.full_name},
            )
    else:
        messages.error(request, " ".join(str(e) for e in form.errors["physiotherapist"]))
    if previous:
        return redirect("staff:caseload", pk=previous)
    return redirect("staff:list")
