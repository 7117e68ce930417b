"""Applies ``db_roles.sql`` (the owner and app database roles and the app role's grants).

The migrate service sets ``WALKBACK_DB_GRANTS=true``: after every ``migrate`` the file runs
again, so tables a migration adds are granted and the audit table stays append-only for the
app role. Elsewhere (the demo on SQLite, the test suite as a superuser) nothing runs unless
asked: ``apply_db_roles`` is also what the test of the roles calls.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections

SQL = Path(__file__).with_name("db_roles.sql")


def apply_db_roles(using: str = DEFAULT_DB_ALIAS) -> None:
    with connections[using].cursor() as cursor:
        cursor.execute(SQL.read_text())


def grants_after_migrate(sender, using=DEFAULT_DB_ALIAS, **kwargs) -> None:
    """``post_migrate`` receiver (one run per app; the file is idempotent and quick)."""
    if settings.WALKBACK_DB_GRANTS and connections[using].vendor == "postgresql":
        apply_db_roles(using)
