"""Writes about sessions: forms kept at a timeout, and patients' "keep me signed in on this
phone" (docs/security.md#sessions-and-drafts). Each write is one transaction with its audit
row; what a kept form holds is never logged or put in the audit trail (only the page's name).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext, pgettext

from walkback.accounts.models import DeviceSession, KeptDraft, User
from walkback.accounts.services import user_sessions_end
from walkback.audit.models import AuditAction
from walkback.audit.services import audit_record

# Never kept: the old CSRF token (the page given back carries a fresh one).
NOT_KEPT = frozenset({"csrfmiddlewaretoken"})
DRAFT_SESSION_KEY = "kept_draft"
DEVICE_SESSION_KEY = "device_session"


def draft_keep(*, user: User, path: str, page: str, post: QueryDict) -> KeptDraft:
    """Keep what ``user`` sent to ``path`` after their session ran out, for
    ``KEPT_DRAFT_SECONDS``. One draft per person and page: a newer one replaces the older.
    Expired drafts of everyone are deleted here, so none outlives its time by much."""
    now = timezone.now()
    data = {name: values for name, values in post.lists() if name not in NOT_KEPT}
    with transaction.atomic():
        KeptDraft.objects.filter(expires_at__lte=now).delete()
        KeptDraft.objects.filter(user=user, path=path).delete()
        draft = KeptDraft.objects.create(
            user=user,
            path=path,
            data=data,
            expires_at=now + dt.timedelta(seconds=settings.KEPT_DRAFT_SECONDS),
        )
        audit_record(
            actor=user,
            action=AuditAction.ACCOUNT,
            obj=draft,
            detail={"event": "draft_kept", "page": page},
        )
    return draft


def draft_take(*, user: User, draft_id: int, path: str) -> QueryDict | None:
    """Give back ``user``'s kept draft for ``path`` once (it is deleted), or None when there
    is none: another person's, another page's or an expired draft is never given back."""
    with transaction.atomic():
        draft = (
            KeptDraft.objects.select_for_update()
            .filter(pk=draft_id, user=user, path=path, expires_at__gt=timezone.now())
            .first()
        )
        if draft is None:
            return None
        data = QueryDict(mutable=True)
        for name, values in draft.data.items():
            data.setlist(name, [str(value) for value in values])
        audit_record(
            actor=user,
            action=AuditAction.ACCOUNT,
            obj=draft,
            detail={"event": "draft_returned"},
        )
        draft.delete()
    data._mutable = False
    return data


def device_label(user_agent: str) -> str:
    """A name a person recognises for their phone's browser, from its User-Agent header."""
    agent = user_agent or ""
    browser = next(
        (
            name
            for token, name in [
                ("Edg/", "Edge"),
                ("SamsungBrowser", "Samsung Internet"),
                ("Firefox", "Firefox"),
                ("FxiOS", "Firefox"),
                ("CriOS", "Chrome"),
                ("Chrome", "Chrome"),
                ("Safari", "Safari"),
            ]
            if token in agent
        ),
        pgettext("device", "A web browser"),
    )
    system = next(
        (
            name
            for token, name in [
                ("iPhone", "iPhone"),
                ("iPad", "iPad"),
                ("Android", pgettext("device", "Android phone")),
                ("Windows", pgettext("device", "Windows computer")),
                ("Macintosh", "Mac"),
                ("Linux", pgettext("device", "Linux computer")),
            ]
            if token in agent
        ),
        "",
    )
    if not system:
        return browser
    # Translators: a phone's browser, as "Chrome on iPhone" on the "My account" page.
    return pgettext("device", "%(browser)s on %(system)s") % {"browser": browser, "system": system}


def device_session_start(*, user: User, session: SessionBase, user_agent: str) -> DeviceSession:
    """Keep this browser signed in for ``DEVICE_SESSION_DAYS`` (patients only: staff always
    have the idle timeout). At most ``DEVICE_SESSIONS_PER_PERSON`` phones: adding one more
    signs the least recently used out."""
    if not user.is_patient or user.is_clinic_staff:
        raise ValidationError(gettext("Only patients can stay signed in on a phone."))
    now = timezone.now()
    expires = now + dt.timedelta(days=settings.DEVICE_SESSION_DAYS)
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=user.pk).first()  # one start at a time
        DeviceSession.objects.filter(user=user, expires_at__lte=now).delete()
        kept = DeviceSession.objects.filter(user=user).order_by("-last_used_at", "-pk")
        over = kept[settings.DEVICE_SESSIONS_PER_PERSON - 1 :].values_list("pk", flat=True)
        DeviceSession.objects.filter(pk__in=list(over)).delete()
        device = DeviceSession.objects.create(
            user=user,
            label=device_label(user_agent)[:120],
            last_used_at=now,
            expires_at=expires,
        )
        audit_record(
            actor=user,
            action=AuditAction.ACCOUNT,
            obj=device,
            detail={"event": "device_session_started"},
        )
    session[DEVICE_SESSION_KEY] = device.pk
    session.set_expiry(expires)
    return device


def device_session_end(*, user: User, device_id: int) -> bool:
    """Sign one of ``user``'s phones out (its next request goes to the login page). False when
    it is not theirs or already ended."""
    with transaction.atomic():
        deleted, _ = DeviceSession.objects.filter(user=user, pk=device_id).delete()
        if deleted:
            audit_record(
                actor=user,
                action=AuditAction.ACCOUNT,
                object_type="accounts.DeviceSession",
                clinic=user.clinic,
                detail={"event": "device_session_ended", "device_session_id": device_id},
            )
    return bool(deleted)


def device_session_touch(*, device: DeviceSession) -> None:
    """Note the phone was used now (the idle middleware calls it at most once a minute)."""
    DeviceSession.objects.filter(pk=device.pk).update(last_used_at=timezone.now())


def sessions_end_everywhere(*, user: User) -> None:
    """ "Sign out everywhere": every session of ``user`` ends, kept phones and this one too."""
    with transaction.atomic():
        user_sessions_end(user=user)
        audit_record(
            actor=user,
            action=AuditAction.ACCOUNT,
            obj=user,
            detail={"event": "signed_out_everywhere"},
        )


def sessions_purge() -> int:
    """Delete kept drafts and kept phones past their time (a draft may hold health data: it is
    not kept longer than ``KEPT_DRAFT_SECONDS`` and an hour). Returns how many rows went."""
    now = timezone.now()
    drafts, _ = KeptDraft.objects.filter(expires_at__lte=now).delete()
    devices, _ = DeviceSession.objects.filter(expires_at__lte=now).delete()
    return drafts + devices
