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


def data_version(*, clinic_id: int, patient_id: int | None = None) -> str | None:
    """The current token of the clinic's data (or, given a patient, of that patient's data and
    the clinic's settings); None when the cache is off or out of reach (then nothing is
    cached). One cache round trip."""
    if not enabled() or not clinic_id:
        return None
    if patient_id is None:
        keys = [_key("clinic", clinic_id)]
    else:
        keys = [_key("clinic-wide", clinic_id), _key("patient", patient_id)]
    try:
        found = cache.get_many(keys)
        tokens = []
        for key in keys:
            token = found.get(key)
            if token is None:
                # add, not set: two processes starting at once agree on the first token
                cache.add(key, uuid.uuid4().hex, timeout=None)
                token = cache.get(key)
                if token is None:
                    return None
            tokens.append(token)
    except Exception:  # noqa: BLE001 - the cache is an optimisation, never a failure
        logger.warning("page cache unreachable: computing the page")
        return None
    return ".".join(tokens)


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
