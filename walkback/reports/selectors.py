"""Reads for the clinic admin's area. Patient rows come through ``patients_for`` (the one
door, scoped by the requesting admin); the periodic task, which acts for a clinic rather than
a person, uses ``clinic_patients``."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Min, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from coaching.models import CoachingSession, SessionStatus
from patients.models import Patient, PatientStatus
from patients.selectors import patients_for
from walkback.accounts.models import Clinic, User
from walkback.accounts.selectors import physios_for, staff_for
from walkback.reports.models import ExportJob, FigureRefresh, FigureSnapshot


@dataclass(frozen=True)
class Scope:
    """Which patients a figure or an export is about: a clinic, optionally one
    physiotherapist's patients, optionally a period. Holds ids and dates only."""

    clinic_id: int
    physiotherapist_id: int | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None

    @property
    def key(self) -> str:
        """The snapshot key of the figures for this scope."""
        physio = self.physiotherapist_id or "all"
        start = self.date_from.isoformat() if self.date_from else "-"
        end = self.date_to.isoformat() if self.date_to else "-"
        return f"physio={physio};from={start};to={end}"

    @property
    def is_default(self) -> bool:
        return self.date_from is None and self.date_to is None

    def as_json(self) -> dict:
        return {
            "physiotherapist_id": self.physiotherapist_id,
            "date_from": self.date_from.isoformat() if self.date_from else None,
            "date_to": self.date_to.isoformat() if self.date_to else None,
        }

    @classmethod
    def from_json(cls, clinic_id: int, data: dict) -> Scope:
        def day(value):
            return dt.date.fromisoformat(value) if value else None

        return cls(
            clinic_id=clinic_id,
            physiotherapist_id=data.get("physiotherapist_id"),
            date_from=day(data.get("date_from")),
            date_to=day(data.get("date_to")),
        )


def clinic_patients(clinic: Clinic) -> QuerySet[Patient]:
    return Patient.objects.filter(clinic=clinic)


def scoped_patients(patients: QuerySet[Patient], scope: Scope) -> QuerySet[Patient]:
    """Narrow an already clinic-scoped queryset to the scope's physiotherapist. (The period
    applies to programme starts for figures and to each row's own date for exports.)"""
    patients = patients.filter(clinic_id=scope.clinic_id)
    if scope.physiotherapist_id:
        patients = patients.filter(physiotherapist_id=scope.physiotherapist_id)
    return patients


def cohort(patients: QuerySet[Patient], scope: Scope) -> QuerySet[Patient]:
    """The patients whose programme started within the scope's period: the figures follow
    them (fidelity, adherence and outcomes of one group of people, as a trial reports)."""
    patients = scoped_patients(patients, scope).filter(programme_start__isnull=False)
    if scope.date_from:
        patients = patients.filter(programme_start__gte=scope.date_from)
    if scope.date_to:
        patients = patients.filter(programme_start__lte=scope.date_to)
    return patients


def first_programme_start(user: User) -> dt.date | None:
    """Where the clinic's data begin, so a filter can say when it asks for more."""
    return patients_for(user).aggregate(first=Min("programme_start"))["first"]


def physio_choices(user: User) -> QuerySet[User]:
    """Physiotherapists of the admin's clinic, deactivated ones too (their patients' history
    is still in the figures)."""
    return physios_for(user).order_by("full_name")


def snapshot_get(scope: Scope) -> FigureSnapshot | None:
    """The stored figures of the view, as the periodic or asked-for refresh left them."""
    return (
        FigureSnapshot.objects.filter(clinic_id=scope.clinic_id, key=scope.key)
        .only("clinic_id", "key", "computed_at", "data")
        .first()
    )


def refresh_get(scope: Scope) -> FigureRefresh | None:
    """The refresh of the view under way, if any (the page shows its progress)."""
    return FigureRefresh.objects.filter(clinic_id=scope.clinic_id, key=scope.key).first()


def export_jobs_for(user: User) -> QuerySet[ExportJob]:
    """A person's own export jobs: nobody sees, or downloads, anyone else's."""
    if not user.is_authenticated or not user.clinic_id:
        return ExportJob.objects.none()
    return ExportJob.objects.filter(requested_by=user, clinic_id=user.clinic_id)


def export_job_get(user: User, pk) -> ExportJob:
    return get_object_or_404(export_jobs_for(user), pk=pk)


def staff_with_caseloads(user: User) -> QuerySet[User]:
    """Staff of the clinic, each with their caseload size (patients not discharged), in one
    query."""
    return staff_for(user).annotate(
        caseload_size=Count("caseload", filter=~Q(caseload__status=PatientStatus.DISCHARGED))
    )


def planned_sessions_of(patients) -> dict[int, int]:
    """How many planned sessions still to come each of ``patients`` has (patient id to count):
    the sessions that move with them to another physiotherapist."""
    rows = (
        CoachingSession.objects.filter(
            patient__in=[p.pk for p in patients],
            status=SessionStatus.PLANNED,
            scheduled_at__gt=timezone.now(),
        )
        .values("patient_id")
        .annotate(n=Count("pk"))
    )
    return {row["patient_id"]: row["n"] for row in rows}
