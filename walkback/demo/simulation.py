"""A cohort walked through the programme by the real services (``manage.py simulate_programme``).

Patients with baselines from 0 to 150 minutes a week follow adherence profiles for 26 weeks:
they log walks through ``walk_log``, their physiotherapist accepts the suggestion at Sessions 1,
3 and 5 only (``prescription_set``), and every Monday the plans take their weekly step
(``prescription_plans_advance``). The clock is moved day by day; everything runs in one
transaction that is rolled back, so the command can run against any database. The rules are
the product's own: nothing here decides a target.
"""

from __future__ import annotations

import datetime as dt
import math
import zoneinfo
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import time_machine
from django.db import transaction

from coaching import services as programme
from coaching.progress import patient_weeks, prescription_on, programme_week
from coaching.selectors import patient_overview
from coaching.services.programme import DEFAULT_SCHEDULE
from patients.models import Patient
from patients.services.enrolment import patient_invite, screening_record
from patients.services.walks import walk_log
from walkback.accounts.models import Clinic, Role, User

START = dt.date(2026, 1, 7)  # a Wednesday: week 0 is a partial week, as it usually is
WEEKS = 27  # programme weeks 0 to 26
ACCEPT_AT = (1, 3, 5)  # the prescribing sessions: weeks 0, 4 and 12 by default
WALK_DAYS = {1: [2], 2: [1, 4], 3: [0, 2, 4], 4: [0, 1, 3, 5], 5: [0, 1, 2, 3, 5]}
ZONE = "Australia/Sydney"


@dataclass(frozen=True)
class Profile:
    """How a simulated patient walks: the share of each walk's minutes they do, and pain."""

    name: str
    share: Callable[[int], float]  # programme week -> share of prescribed minutes walked
    pain: Callable[[int], int] = lambda week: 2


PROFILES = {
    "on target": Profile("on target", lambda week: 1.0),
    "80%": Profile("80%", lambda week: 0.8),
    "60%": Profile("60%", lambda week: 0.6),
    "flare-up weeks 6-7": Profile(
        "flare-up weeks 6-7",
        lambda week: 0.3 if week in (6, 7) else 1.0,
        lambda week: 6 if week in (6, 7) else 2,
    ),
    "drops out at week 10": Profile("drops out at week 10", lambda week: 1.0 if week < 10 else 0),
}
BASELINES = (0, 30, 60, 90, 120, 150)


@dataclass(frozen=True)
class Week:
    week: int
    target: int | None  # minutes, rounded up as people see them
    minutes: int


def _walk_days(walks: int) -> list[int]:
    return WALK_DAYS.get(walks, list(range(min(walks, 7))))


def _cohort(baselines: Iterable[int], profiles: Iterable[str]):
    clinic = Clinic.objects.create(name="Simulated clinic", time_zone=ZONE)
    physio = User.objects.create_user(
        email="physio@simulation.invalid", full_name="Sim Physio", role=Role.PHYSIO, clinic=clinic
    )
    cohort = []
    for profile in profiles:
        for baseline in baselines:
            patient = patient_invite(
                by=physio,
                email=f"{profile}-{baseline}@simulation.invalid".replace(" ", "-").replace("%", ""),
                full_name=f"{profile} from {baseline}",
                time_zone=ZONE,
            )
            if patient is None:  # only for an address of another clinic: these are all new
                raise RuntimeError(f"The simulation could not invite {profile} {baseline}.")
            screening_record(
                patient=patient,
                by=physio,
                recovered_in_last_6_months=True,
                episode_lasted_24h=True,
                able_to_walk=True,
                already_active_3_per_week=False,
                baseline_minutes_per_week=baseline,
            )
            programme.programme_start(patient=patient, start_on=START, by=physio)
            cohort.append((PROFILES[profile], baseline, Patient.objects.get(pk=patient.pk)))
    return physio, cohort


def _accept_days() -> set[dt.date]:
    weeks = {planned.number: planned.week for planned in DEFAULT_SCHEDULE}
    return {START + dt.timedelta(weeks=weeks[number]) for number in ACCEPT_AT}


def simulate(
    baselines: Iterable[int] = BASELINES, profiles: Iterable[str] = tuple(PROFILES)
) -> dict[tuple[str, int], list[Week]]:
    """Weekly target and minutes by programme week, per (profile, baseline). Rolled back."""
    zone = zoneinfo.ZoneInfo(ZONE)
    accept_days = _accept_days()
    results: dict[tuple[str, int], list[Week]] = {}
    with transaction.atomic():
        with time_machine.travel(dt.datetime.combine(START, dt.time(8), tzinfo=zone), tick=False):
            physio, cohort = _cohort(baselines, profiles)
        day = START
        last_day = START + dt.timedelta(weeks=WEEKS - 1, days=6 - START.weekday())
        with time_machine.travel(dt.datetime.combine(day, dt.time(12), tzinfo=zone)) as clock:
            while day <= last_day:
                clock.move_to(dt.datetime.combine(day, dt.time(12), tzinfo=zone), tick=False)
                if day.weekday() == 0:
                    programme.prescription_plans_advance()
                for profile, _baseline, patient in cohort:
                    if day in accept_days:
                        _accept_suggestion(patient, physio, day)
                    _walk(profile, patient, day)
                day += dt.timedelta(days=1)
            for profile, baseline, patient in cohort:
                rows = patient_weeks(patient, today=last_day).rows
                results[(profile.name, baseline)] = [
                    Week(row.programme_week, row.target_minutes, row.minutes)
                    for row in sorted(rows, key=lambda r: r.monday)
                    if row.programme_week is not None
                ]
        transaction.set_rollback(True)
    return results


def _accept_suggestion(patient: Patient, physio: User, day: dt.date) -> None:
    suggestion = patient_overview(patient).suggestion
    if suggestion is None:  # only for a patient outside the programme: the cohort is in it
        raise RuntimeError(f"No suggestion for patient {patient.pk}.")
    programme.prescription_set(
        patient=patient,
        walks_per_week=suggestion.walks_per_week,
        minutes_per_walk=suggestion.minutes_per_walk,
        effective_from=day,
        rationale=suggestion.sentence,
        by=physio,
    )


def _walk(profile: Profile, patient: Patient, day: dt.date) -> None:
    current = prescription_on(patient, day)
    week = programme_week(patient, day)
    # No week before the start, and so no prescription either.
    if current is None or week is None or day.weekday() not in _walk_days(current.walks_per_week):
        return
    minutes = math.ceil(current.minutes_per_walk * profile.share(week))
    if minutes <= 0:
        return
    walk_log(
        patient=patient,
        by=patient.user,
        walked_on=day,
        minutes=minutes,
        pain=profile.pain(week),
    )
