"""The physiotherapist's diary, rebooking from it, and calendar feed links (docs/diary.md).
Thin views: a selector, a form, a service; every page that shows patients audits the read."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format, time_format
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from coaching.diary import selectors, services
from coaching.diary.feed import PATIENT_FEED, STAFF_FEED, feed_ics
from coaching.diary.forms import DiaryRebookForm, slot_value
from walkback.accounts.decorators import patient_required, physio_required
from walkback.accounts.languages import speaking_to
from walkback.accounts.models import Role
from walkback.accounts.throttle import hit
from walkback.audit.services import audit_read, audit_reads
from walkback.core.forms import add_service_errors

# Calendar apps poll a feed every 15 minutes to a day; more than this from one link in an
# hour is not a calendar app (docs/diary.md#calendar-feeds).
FEED_REQUESTS_PER_HOUR = 60
FEED_CACHE_SECONDS = 300


def _day_from(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise Http404("No such day") from None


def _patients_of(days: list[selectors.DiaryDay]) -> list:
    seen: dict[int, object] = {}
    for day in days:
        for session in day.sessions:
            seen.setdefault(session.patient_id, session.patient)
    return list(seen.values())


def _diary(request, first: dt.date, length: int, kind: str, step: dt.timedelta):
    clinic = request.user.clinic
    zone = selectors.clinic_zone(clinic)
    days = selectors.diary_days(request.user, first, length)
    audit_reads(actor=request.user, patients=_patients_of(days), what=f"diary-{kind}")
    with timezone.override(zone):
        return render(
            request,
            f"coaching/diary/{kind}.html",
            {
                "days": days,
                "first": first,
                "last": first + dt.timedelta(days=length - 1),
                "previous": first - step,
                "next": first + step,
                "today": selectors.clinic_today(clinic),
                "zone": zone,
                "count": sum(len(day.sessions) for day in days),
            },
        )


@physio_required
def diary_today(request):
    return diary_day(request, selectors.clinic_today(request.user.clinic).isoformat())


@physio_required
def diary_day(request, day: str):
    return _diary(request, _day_from(day), 1, "day", dt.timedelta(days=1))


@physio_required
def diary_week(request, day: str):
    monday = selectors.monday_of(_day_from(day))
    return _diary(request, monday, 7, "week", dt.timedelta(weeks=1))


@physio_required
def diary_rebook(request, pk: int):
    session = selectors.diary_session_get(request.user, pk)
    clinic = session.patient.clinic
    zone = selectors.clinic_zone(clinic)
    today = selectors.clinic_today(clinic)
    first = max(_day_from(request.GET["from"]), today) if request.GET.get("from") else today
    form = DiaryRebookForm(request.POST if request.method == "POST" else None, zone=zone)
    if request.method == "POST" and form.is_valid():
        try:
            services.diary_rebook(
                session=session, scheduled_at=form.cleaned_data["scheduled_at"], by=request.user
            )
        except ValidationError as error:
            field = form.service_field()
            if hasattr(error, "error_dict") and field:
                error = ValidationError({field: error.messages})
            add_service_errors(form, error)
        else:
            session.refresh_from_db(fields=["scheduled_at"])
            local = session.scheduled_at.astimezone(zone)
            messages.success(
                request,
                # Translators: "Session 3 with Anna Baker is now on Monday 3 March at 10:00."
                _("%(session)s with %(name)s is now on %(day)s at %(time)s.")
                % {
                    "session": session.label,
                    "name": session.patient.full_name,
                    "day": date_format(local, _("l j F")),
                    "time": time_format(local, "H:i"),
                },
            )
            return redirect("diary:day", day=local.date().isoformat())
    slots = selectors.free_slots(session, first)
    audit_read(actor=request.user, patient=session.patient, what="diary-rebook", obj=session)
    with timezone.override(zone):
        return render(
            request,
            "coaching/diary/rebook.html",
            {
                "session": session,
                "patient": session.patient,
                "form": form,
                "slots": [
                    (day, is_open, [(slot_value(s, zone), s) for s in free])
                    for day, is_open, free in slots
                ],
                "chosen": request.POST.get("slot", ""),
                "first": first,
                "earlier": first - dt.timedelta(days=selectors.SLOT_DAYS)
                if first > today
                else None,
                "later": first + dt.timedelta(days=selectors.SLOT_DAYS),
                "zone": zone,
            },
        )


def _feed_page(request, template: str, namespace: str, *, token: str | None = None):
    feed = selectors.calendar_feed_live(request.user)
    url = (
        request.build_absolute_uri(reverse("feeds:calendar", kwargs={"token": token}))
        if token
        else None
    )
    new_name = "feed-new" if namespace == "diary" else "new"
    stop_name = "feed-stop" if namespace == "diary" else "stop"
    response = render(
        request,
        template,
        {
            "feed": feed,
            "url": url,
            "webcal": _webcal(url),
            "new_url": reverse(f"{namespace}:{new_name}"),
            "stop_url": reverse(f"{namespace}:{stop_name}"),
        },
    )
    # The page carrying a new link must not be kept by the browser or a proxy.
    response["Cache-Control"] = "no-store"
    return response


def _webcal(url: str | None) -> str | None:
    """The same link for calendar apps that subscribe on a click (webcal://)."""
    if not url:
        return None
    return "webcal://" + url.split("://", 1)[1]


@physio_required
@never_cache
def staff_feed(request):
    return _feed_page(request, "coaching/diary/feed.html", "diary")


@require_POST
@physio_required
def staff_feed_new(request):
    token = services.calendar_feed_new(owner=request.user)
    return _feed_page(request, "coaching/diary/feed.html", "diary", token=token)


@require_POST
@physio_required
def staff_feed_stop(request):
    if services.calendar_feed_revoke(owner=request.user):
        messages.success(
            request, _("Your calendar link is stopped. Calendars using it get nothing.")
        )
    return redirect("diary:feed")


@patient_required
@never_cache
def patient_feed(request):
    return _feed_page(request, "coaching/diary/patient_feed.html", "my-calendar")


@require_POST
@patient_required
def patient_feed_new(request):
    token = services.calendar_feed_new(owner=request.user)
    return _feed_page(request, "coaching/diary/patient_feed.html", "my-calendar", token=token)


@require_POST
@patient_required
def patient_feed_stop(request):
    if services.calendar_feed_revoke(owner=request.user):
        messages.success(request, _("Your calendar link is stopped."))
    return redirect("my-calendar:home")


@require_GET
def calendar_feed(request, token: str):
    """The feed itself: public, opened by its token alone (a revoked or unknown one is a 404,
    the same answer and the same work). The token is never logged or audited."""
    if not hit("calendar-feed", token, limit=FEED_REQUESTS_PER_HOUR, seconds=3600):
        return HttpResponse(_("Too many requests for this link."), status=429)
    feed = selectors.calendar_feed_by_token(token)
    owner = feed.owner
    # The calendar text is kept for a few minutes under the link's hash (never the token):
    # building it costs about 2 ms a session in the icalendar library, and a physiotherapist's
    # feed can hold hundreds. The link is checked above on every request, so a revoked one
    # stops at once; a moved session shows within FEED_CACHE_SECONDS.
    key = f"calendar-feed:{feed.token_hash}"
    cached = cache.get(key)
    if cached is None:
        sessions = selectors.feed_sessions(feed)
        kind = STAFF_FEED if owner.role == Role.PHYSIO else PATIENT_FEED
        patient_ids = list(dict.fromkeys(session.patient_id for session in sessions))
        # The calendar app asks with no language of its own: the words are the owner's.
        with speaking_to(owner):
            cached = (feed_ics(sessions, kind=kind), patient_ids)
        cache.set(key, cached, FEED_CACHE_SECONDS)
    body, patient_ids = cached
    if owner.role == Role.PHYSIO:
        audit_reads(
            actor=owner,
            # Ids are all the audit rows need (one INSERT, however many patients).
            patients=[SimpleNamespace(pk=pk, clinic_id=owner.clinic_id) for pk in patient_ids],
            what="calendar-feed",
        )
    else:
        audit_read(actor=owner, patient=owner.patient, what="calendar-feed")
    response = HttpResponse(body, content_type="text/calendar")
    response["Content-Disposition"] = 'inline; filename="walkback.ics"'
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex"
    return response
