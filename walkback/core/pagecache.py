"""A short-lived cache for what a page computed from patient data, invalidated by every write.

The caseload and the patient's home are read far more often than the data under them change,
and computing them costs many times a bare page. They are kept in the shared cache (Redis in
production) under keys that hold:

- the requesting user's id: nothing cached is ever served to another person;
- a *data version*: tokens that ``audit_record`` replaces when the transaction of an audited
  write commits. Every write of health data goes through a service that records it in the
  audit trail (a checked rule), so a walk logged, a session booked or a prescription changed
  makes the next view compute afresh, in every web process at once. A page about the whole
  clinic (the caseload) uses the clinic's token, replaced by every write in the clinic; a page
  about one patient uses that patient's token, replaced by writes about them, and the
  clinic's "clinic-wide" token, replaced by writes about no one patient (programme settings,
  staff), so another patient's walk does not empty everyone's home page;
- whatever else the page depends on (the person's "today", the filters, the page number).

Things that change with the clock alone (a session becomes overdue, a week ends) are bounded
by the lifetime, ``WALKBACK_PAGE_CACHE_SECONDS`` (default 300 s; 0 turns caching off), and the
caseload says when its figures were computed.

The cache is never needed for correctness: when it cannot be reached, pages compute
everything as before and a request never fails because of it. The token is read before the
data and replaced after the commit, so a page computed from data older than a write is stored
under a token that write has already retired.
"""

from __future__ import annotations

import logging
import uuid

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

logger = logging.getLogger(__name__)


def _key(kind: str, pk: int) -> str:
    return f"data-version:{kind}:{pk}"


def enabled() -> bool:
    return settings.WALKBACK_PAGE_CACHE_SECONDS > 0


def clinic_tokens(clinic_id: int) -> list[str]:
    """A page about the whole clinic (the caseload): every audited write in it."""
    return [_key("clinic", clinic_id)]


def patient_tokens(clinic_id: int, patient_id: int) -> list[str]:
    """A page about one patient (their home): writes about them, and about no one patient."""
    return [_key("clinic-wide", clinic_id), _key("patient", patient_id)]


def figures_tokens(clinic_id: int) -> list[str]:
    """The clinic dashboard: every audited write in the clinic (staff, assignments) and every
    new snapshot of its figures (``retire_figures``, which the refresh calls)."""
    return [_key("clinic", clinic_id), _key("figures", clinic_id)]


def _version(found: dict, token_keys: list[str]) -> str | None:
    tokens = []
    for key in token_keys:
        token = found.get(key)
        if token is None:
            # add, not set: two processes starting at once agree on the first token
            cache.add(key, uuid.uuid4().hex, timeout=None)
            token = cache.get(key)
            if token is None:
                return None
        tokens.append(token)
    return ".".join(tokens)


def data_version(*, clinic_id: int, patient_id: int | None = None) -> str | None:
    """The current token of the clinic's data (or, given a patient, of that patient's data and
    the clinic's settings); None when the cache is off or out of reach (then nothing is
    cached). One cache round trip."""
    if not enabled() or not clinic_id:
        return None
    keys = clinic_tokens(clinic_id) if patient_id is None else patient_tokens(clinic_id, patient_id)
    try:
        return _version(cache.get_many(keys), keys)
    except Exception:  # noqa: BLE001 - the cache is an optimisation, never a failure
        logger.warning("page cache unreachable: computing the page")
        return None


def fetch(key: str, token_keys: list[str]):
    """``(value, version)`` in one cache round trip: the data version of ``token_keys`` and
    what ``keep`` stored under ``key``, returned only if it was stored under that same
    version (else None: compute it, then ``keep`` it under the version). The version is read
    in the same request as the page, before any data, so a page computed from data older than
    a write is stored under a version that write has already retired. ``(None, None)`` when
    caching is off or the cache is out of reach: compute, and store nothing."""
    if not enabled() or not token_keys:
        return None, None
    try:
        found = cache.get_many([*token_keys, key])
        version = _version(found, token_keys)
    except Exception:  # noqa: BLE001 - the cache is an optimisation, never a failure
        logger.warning("page cache unreachable: computing the page")
        return None, None
    if version is None:
        return None, None
    stored = found.get(key)
    if isinstance(stored, tuple) and len(stored) == 2 and stored[0] == version:
        return stored[1], version
    return None, version


def keep(key: str, version: str | None, value) -> None:
    """Store ``value`` under ``key`` for ``fetch`` with the version it was computed at."""
    if version is not None:
        put(key, (version, value))


def retire(*, clinic_id: int | None, patient_id: int | None = None) -> None:
    """Replace the tokens now (services go through ``retire_on_commit``, via the audit)."""
    if not enabled() or not clinic_id:
        return
    tokens = {_key("clinic", clinic_id): uuid.uuid4().hex}
    if patient_id is not None:
        tokens[_key("patient", patient_id)] = uuid.uuid4().hex
    else:
        tokens[_key("clinic-wide", clinic_id)] = uuid.uuid4().hex
    try:
        cache.set_many(tokens, timeout=None)
    except Exception:  # noqa: BLE001
        # The lifetime still bounds how long a page could show data from before this write.
        logger.warning("page cache unreachable: data version not replaced")


def retire_figures(*, clinic_id: int) -> None:
    """A new snapshot of the clinic's figures was stored: the dashboard shows it next."""
    if not enabled() or not clinic_id:
        return
    try:
        cache.set(_key("figures", clinic_id), uuid.uuid4().hex, timeout=None)
    except Exception:  # noqa: BLE001
        # The page's own freshness check and the lifetime still bound what it shows.
        logger.warning("page cache unreachable: figures version not replaced")


def retire_on_commit(*, clinic_id: int | None, patient_id: int | None = None) -> None:
    transaction.on_commit(lambda: retire(clinic_id=clinic_id, patient_id=patient_id))


def get(key: str):
    """The cached value, or None (missing, caching off, or the cache out of reach)."""
    if not enabled():
        return None
    try:
        return cache.get(key)
    except Exception:  # noqa: BLE001
        return None


def put(key: str, value) -> None:
    if not enabled():
        return
    try:
        cache.set(key, value, timeout=settings.WALKBACK_PAGE_CACHE_SECONDS)
    except Exception:  # noqa: BLE001
        logger.warning("page cache unreachable: page not stored")
