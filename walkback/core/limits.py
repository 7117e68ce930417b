"""``Bound``: an inclusive range of whole numbers, named once in a layer's ``limits`` module
and read by that layer's model constraints, forms and services alike, so the three can never
disagree (``walkback/accounts/limits.py``, ``patients/limits.py``, ``coaching/limits.py``)."""

from __future__ import annotations

from typing import NamedTuple

from django.db.models import Q


class Bound(NamedTuple):
    low: int
    high: int

    def __contains__(self, value: object) -> bool:
        return isinstance(value, int) and self.low <= value <= self.high

    def q(self, field: str, *, nullable: bool = False) -> Q:
        """The database constraint's condition: ``field`` within the bound (or NULL)."""
        within = Q(**{f"{field}__gte": self.low, f"{field}__lte": self.high})
        return Q(**{f"{field}__isnull": True}) | within if nullable else within

    @property
    def words(self) -> str:
        return f"from {self.low:,} to {self.high:,}"
