"""Small write helpers every layer's services share."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.db.models import Model


def changed_fields(instance: Model, data: Mapping[str, Any]) -> list[str]:
    """The names in ``data`` whose value differs from the instance's, sorted (for messages,
    rules that look only at what changes, and audit rows)."""
    return sorted(name for name, value in data.items() if getattr(instance, name) != value)


def model_update(
    instance: Model, data: Mapping[str, Any], *, clean_exclude: Iterable[str] = ()
) -> list[str]:
    """Set the fields of ``instance`` that differ from ``data``, validate the instance, and
    save only those fields (with any ``auto_now`` field). Nothing is written when nothing
    changed. Returns the changed names, sorted, for the audit row: the one change-detect-and-
    save loop of every service (HackSoft's Django styleguide calls it ``model_update``)."""
    changed = changed_fields(instance, data)
    if not changed:
        return []
    for name in changed:
        setattr(instance, name, data[name])
    instance.full_clean(exclude=list(clean_exclude))
    stamps = [
        field.name
        for field in instance._meta.concrete_fields
        if getattr(field, "auto_now", False) and field.name not in changed
    ]
    instance.save(update_fields=[*changed, *stamps])
    return changed
