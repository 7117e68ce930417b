from __future__ import annotations

from django.db.models import Count, Q
from django.shortcuts import render

from patients.models import PatientStatus
from patients.selectors import patients_for
from walkback.accounts.decorators import clinic_admin_required
from walkback.accounts.selectors import staff_for


@clinic_admin_required
def home(request):
    """The clinic admin's home: who works here and how many patients are in each stage."""
    staff = (
        staff_for(request.user)
        .annotate(
            caseload_size=Count("caseload", filter=~Q(caseload__status=PatientStatus.DISCHARGED))
        )
        .order_by("role", "full_name")
    )
    by_status = dict(
        patients_for(request.user).values_list("status").annotate(n=Count("id")).order_by()
    )
    statuses = [(label, by_status.get(value, 0)) for value, label in PatientStatus.choices]
    return render(request, "reports/home.html", {"staff": staff, "statuses": statuses})
