"""The patient's own pages (phone first)."""

from __future__ import annotations

from django.shortcuts import render

from patients.selectors import own_patient
from walkback.accounts.decorators import patient_required
from walkback.audit.services import audit_read


@patient_required
def home(request):
    patient = own_patient(request.user)
    audit_read(actor=request.user, patient=patient, what="portal-home")
    return render(request, "portal/home.html", {"patient": patient})
