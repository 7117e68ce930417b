from __future__ import annotations

import datetime as dt
import zoneinfo

from coaching.models import Reminder


class Published(list):
    """A stand-in for the broker: every batch of ids the sweep hands over."""

    def __call__(self, ids):
        self.append(list(ids))

    @property
    def ids(self) -> list[int]:
        return [pk for batch in self for pk in batch]


def at(zone: str, *args, fold: int = 0) -> dt.datetime:
    """An aware datetime for a local wall time."""
    return dt.datetime(*args, tzinfo=zoneinfo.ZoneInfo(zone), fold=fold)


def states(**filters) -> dict[str, int]:
    found: dict[str, int] = {}
    for row in Reminder.objects.filter(**filters):
        found[row.state] = found.get(row.state, 0) + 1
    return found


def reminder_ids(messages) -> list[int]:
    return [int(m.extra_headers["X-WalkBack-Reminder"]) for m in messages]


def harbour_patient(**extra):
    """The reminder tests' patient: Sydney, walks reminded Mon/Wed/Fri at 17:00, with their
    own physiotherapist (``extra`` goes to the patient factory)."""
    from tests.factories import ClinicFactory, PatientFactory, UserFactory

    clinic = ClinicFactory(name="Harbour Physio", time_zone="Australia/Sydney")
    physio = UserFactory(clinic=clinic, full_name="Priya Physio")
    return PatientFactory(
        clinic=clinic,
        physiotherapist=physio,
        reminder_days=[0, 2, 4],  # Mon, Wed, Fri
        reminder_time=dt.time(17, 0),
        user__full_name="Paula Walker",
        **extra,
    )
