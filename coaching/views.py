from __future__ import annotations

from django.shortcuts import render

from patients.selectors import patients_for
from walkback.accounts.decorators import physio_required


@physio_required
def caseload(request):
    """The physiotherapist's home: their clinic's patients, their own first."""
    patients = patients_for(request.user).filter(physiotherapist=request.user)
    return render(request, "coaching/caseload.html", {"patients": patients})
