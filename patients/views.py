"""Staff-facing pages about one patient."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render

from patients import services
from patients.forms import PatientInviteForm
from patients.selectors import patient_get
from walkback.accounts.decorators import physio_required, staff_required
from walkback.audit.services import audit_read


@physio_required
def patient_invite(request):
    form = PatientInviteForm(request.POST or None, clinic=request.user.clinic)
    if request.method == "POST" and form.is_valid():
        try:
            patient = services.patient_invite(by=request.user, **form.cleaned_data)
        except ValidationError as error:
            for field, problems in error.message_dict.items():
                form.add_error(field if field in form.fields else None, problems)
        else:
            messages.success(request, f"Invitation sent to {patient.user.email}.")
            return redirect("patients:detail", pk=patient.pk)
    return render(request, "patients/invite.html", {"form": form})


@staff_required
def patient_detail(request, pk):
    patient = patient_get(request.user, pk)
    audit_read(actor=request.user, patient=patient, what="patient-detail")
    return render(request, "patients/detail.html", {"patient": patient})
