"""docs/languages.md#the-pseudo-locale-test: every page, rendered in a pseudo-locale, shows no
English a person reads that was not marked for translation.

The demo's data (two clinics, patients well into the programme, sessions, check-ins, messages,
questionnaires) gives the pages something to show; every GET page of the access matrix is then
rendered for each role that may open it, and for anonymous visitors where it is public.
People's own data (names, notes, topics a clinic wrote) is English by nature and taken out
before the check, as are the outcome questionnaires' own words (docs/languages.md says why).
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.db import models
from django.test import Client, override_settings
from django.urls import reverse

from coaching.proms.instruments import SHIPPED_DIR
from patients.models import Patient
from tests.access.spec import ADMIN, PATIENT, PHYSIO
from tests.access.test_access_matrix import ROUTES
from tests.conftest import login_as
from tests.i18n.pseudo import (
    build_pseudo_catalogues,
    data_pattern,
    pseudo,
    readable_parts,
    untranslated,
)
from walkback.accounts.models import TIME_ZONE_CHOICES, User

MONTHS = [
    *("January", "February", "March", "April", "May", "June"),
    *("July", "August", "September", "October", "November", "December"),
]
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
# Django's own words for dates and times (its catalogues translate them into every shipped
# language), brand and file-format names, and each language's name in itself.
ALLOWED = frozenset(
    MONTHS
    + [m[:3] for m in MONTHS]
    + ["Sept"]
    + DAYS
    + [d[:3] for d in DAYS]
    + ["midnight", "noon", "WalkBack", "English"]
    + ["Apple", "Health", "Google", "Fit", "Fitbit", "GPX", "FIT", "Garmin", "Strava"]
    # File types, named as the files are.
    + ["CSV", "csv", "ics", "JSON", "json", "XLSX", "xlsx", "PDF", "zip", "xml", "gpx", "fit"]
)
HTML_TYPES = ("text/html",)
# Time zones are offered by their cities' English names (a list of 400 places is not ours to
# translate; docs/languages.md).
TIME_ZONE_NAMES = [label for _zone, label in TIME_ZONE_CHOICES]


def _text_values() -> set[str]:
    """Every text a person or clinic wrote: names, notes, topics, messages."""
    values: set[str] = set()
    for model in apps.get_models():
        fields = [
            f.attname
            for f in model._meta.concrete_fields
            if isinstance(f, models.CharField | models.TextField | models.JSONField)
            and not f.choices
        ]
        if not fields:
            continue
        for row in model._default_manager.values_list(*fields):
            for value in row:
                _collect(value, values)
    return values


def _collect(value, into: set[str]) -> None:
    if isinstance(value, str):
        for line in value.splitlines():
            line = line.strip()
            if len(line) >= 2:
                into.add(line)
                into.update(word for word in line.split() if len(word) >= 2)
    elif isinstance(value, dict):
        for item in value.values():
            _collect(item, into)
    elif isinstance(value, list):
        for item in value:
            _collect(item, into)


def _instrument_words() -> set[str]:
    """The outcome questionnaires are shown in their licensed English (docs/languages.md)."""
    words: set[str] = set()
    for path in Path(SHIPPED_DIR).glob("*.json"):
        _collect(json.loads(path.read_text(encoding="utf-8")), words)
    return words


@pytest.fixture
def pseudo_locale(tmp_path):
    build_pseudo_catalogues(Path(settings.BASE_DIR) / "locale", tmp_path)
    with override_settings(LOCALE_PATHS=[tmp_path]):
        yield


def test_pseudo_catalogue_changes_every_letter_but_placeholders():
    assert pseudo("Log a walk") == "Łóĝ á ŵáłķ"
    assert pseudo('%(count)s walks, <a href="%(url)s">see</a> &amp; more') == (
        '%(count)s ŵáłķš, <a href="%(url)s">šéé</a> &amp; ɱóŕé'
    )


def _render_every_page(people, patient, colleague, problems, *, strict: bool) -> int:
    """GET every page each of ``people`` may open; note the English left on each. Returns how
    many pages were checked. Not ``strict``: a page whose URL needs an object the matrix's own
    personas make (an export of admin_a, say) is left to the strict pass."""
    instrument_words = _instrument_words()
    pages = 0
    for name, route in sorted(ROUTES.items()):
        if route.method != "get":
            continue
        visitors = [(role, people[role]) for role in sorted(route.roles)]
        if route.public:
            visitors.append(("anonymous", None))
        for role, user in visitors:
            try:
                if route.for_patient:
                    kwargs = route.for_patient(patient)
                elif route.for_staff:
                    kwargs = route.for_staff(colleague)
                else:
                    kwargs = route.kwargs() if route.kwargs else {}
            except (User.DoesNotExist, StopIteration):
                # A builder made for the matrix's personas (admin_a's export, a seventh
                # session for a patient who has six).
                if strict:
                    raise
                continue
            client = Client() if user is None else login_as(Client(), user)
            response = client.get(reverse(name, kwargs=kwargs))
            content_type = response.get("Content-Type", "")
            if response.status_code != 200 or not content_type.startswith(HTML_TYPES):
                continue
            pages += 1
            data = data_pattern([*_text_values(), *instrument_words, *TIME_ZONE_NAMES])
            left = untranslated(readable_parts(response.content.decode()), data, ALLOWED)
            if left:
                problems[f"{name} as {role}"] = left[:8]
    return pages


def test_every_page_in_the_pseudo_locale_shows_no_unmarked_english(world, pseudo_locale):
    problems: dict[str, list[str]] = {}
    # The access matrix's personas: every page, with the objects its URL names.
    pages = _render_every_page(
        {PATIENT: world.patient_a.user, PHYSIO: world.physio_a, ADMIN: world.admin_a},
        world.patient_a,
        world.physio_a2,
        problems,
        strict=True,
    )
    # The demo's: the same pages full of data (flags, walks, sessions, messages, charts).
    call_command("seed_demo", stdout=io.StringIO())
    patient = Patient.objects.select_related("user").get(user__email="patient@demo.test")
    physio = User.objects.get(email="physio@demo.test")
    pages += _render_every_page(
        {PATIENT: patient.user, PHYSIO: physio, ADMIN: User.objects.get(email="admin@demo.test")},
        patient,
        physio,
        problems,
        strict=False,
    )
    assert pages > 100, f"only {pages} pages were rendered"
    report = "\n".join(f"{page}: {texts}" for page, texts in sorted(problems.items()))
    assert not problems, f"{len(problems)} of {pages} pages show unmarked English:\n{report}"
