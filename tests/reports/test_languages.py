"""Languages in the clinic admin's area (docs/languages.md): the clinic's own language on the
settings page, the language of a colleague invited on the staff page, and the area's pages,
figures and exports in the reader's language."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from patients.models import PatientStatus
from tests.conftest import login_as
from walkback.accounts.models import Role, User
from walkback.audit.models import AuditAction, AuditEvent
from walkback.reports.charts import figures_in_words

pytestmark = pytest.mark.django_db

SETTINGS = reverse("clinic:settings")


def _settings_form(**changes) -> dict:
    data = {
        "name": "Alpha Physio",
        "language": "zh-hans",
        "time_zone": "Australia/Sydney",
        "contact_phone": "",
        "address": "",
        "closed_days": "",
    }
    data.update(changes)
    return data


def test_the_admin_sets_the_clinic_language_and_it_is_audited(world):
    client = login_as(Client(), world.admin_a)
    page = client.get(SETTINGS).content.decode()
    # Offered in each language's own name, the clinic's current one chosen.
    assert 'name="language"' in page and "简体中文" in page and "العربية" in page
    assert '<option value="en-gb" selected>' in page

    response = client.post(SETTINGS, _settings_form())
    assert response.status_code == 302
    world.clinic_a.refresh_from_db()
    assert world.clinic_a.language == "zh-hans"
    event = AuditEvent.objects.filter(action=AuditAction.UPDATE).latest("at")
    assert "language" in event.detail["fields"]

    # The admin chose no language of their own: the clinic's is theirs now, pages and all.
    page = client.get(SETTINGS)
    assert '<html lang="zh-hans"' in page.content.decode()
    assert '<option value="zh-hans" selected>' in page.content.decode()


def test_an_unknown_clinic_language_is_refused_with_nothing_saved(world):
    client = login_as(Client(), world.admin_a)
    response = client.post(SETTINGS, _settings_form(language="fr", name="Changed"))
    assert response.status_code == 200
    assert response.context["form"].errors["language"]
    world.clinic_a.refresh_from_db()
    assert world.clinic_a.language == "en-gb" and world.clinic_a.name != "Changed"


def test_a_colleague_is_invited_in_their_own_language(world, client_for):
    admin = client_for(world.admin_a)
    page = admin.get(reverse("staff:list")).content.decode()
    assert 'name="language"' in page and "The clinic&#x27;s language" in page
    response = admin.post(
        reverse("staff:list"),
        {
            "full_name": "Layla New",
            "email": "layla@example.test",
            "role": Role.PHYSIO,
            "language": "ar",
        },
    )
    assert response.status_code == 302
    assert User.objects.get(email="layla@example.test").language == "ar"


def test_a_colleague_invited_without_a_language_reads_the_clinics(world, client_for):
    admin = client_for(world.admin_a)
    admin.post(
        reverse("staff:list"),
        {"full_name": "Nia New", "email": "nia@example.test", "role": Role.PHYSIO},
    )
    assert User.objects.get(email="nia@example.test").language == ""


def test_an_unknown_staff_language_is_refused(world, client_for):
    admin = client_for(world.admin_a)
    response = admin.post(
        reverse("staff:list"),
        {"full_name": "Xe New", "email": "xe@example.test", "role": Role.PHYSIO, "language": "fr"},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["language"]
    assert not User.objects.filter(email="xe@example.test").exists()


def test_stored_figures_are_named_in_the_readers_language():
    """A snapshot holds the labels of the language its worker had; the page names each row
    again from its code (older snapshots without the code: by its place)."""
    figures = {
        "stages": [{"label": "x", "count": 1}],
        "fidelity": {"by_mode": [{"value": "phone", "label": "x", "count": 0}]},
        "outcomes": {"curves": [{"kind": "any", "label": "x"}]},
        "adverse_events": {"rows": [{"region": "knee", "label": "x"}]},
    }
    shown = figures_in_words(figures)
    assert figures["stages"][0]["label"] == "x"  # the stored data are not changed
    assert shown["stages"][0]["label"] == str(PatientStatus.choices[0][1])
    assert shown["fidelity"]["by_mode"][0]["label"] == "Phone call"
    assert shown["outcomes"]["curves"][0]["label"] == "Any back pain"
    assert shown["adverse_events"]["rows"][0]["label"] == "Knee"


def test_a_background_export_is_written_in_the_language_of_who_asked(world, monkeypatch):
    """The worker has no request: it speaks the requester's language (their own, else their
    clinic's) while it builds the headers and words of the file."""
    from walkback.reports import exports, services
    from walkback.reports.models import ExportJob, ExportState

    User.objects.filter(pk=world.admin_a.pk).update(language="ar")
    heard = []
    original = exports.header_words

    def listening(names):
        heard.append(translation.get_language())
        return original(names)

    monkeypatch.setattr(exports, "header_words", listening)
    job = ExportJob.objects.create(
        requested_by=world.admin_a, clinic=world.clinic_a, dataset="patients", format="csv"
    )
    with translation.override("en-gb"):
        services.export_job_run(job_id=str(job.pk))
        assert translation.get_language() == "en-gb"
    job.refresh_from_db()
    assert job.state == ExportState.DONE
    assert heard == ["ar"]


def test_a_settings_form_without_the_language_keeps_the_clinics(world):
    world.clinic_a.language = "ar"
    world.clinic_a.save()
    client = login_as(Client(), world.admin_a)
    data = _settings_form(name="Kept Language")
    del data["language"]
    assert client.post(SETTINGS, data).status_code == 302
    world.clinic_a.refresh_from_db()
    assert world.clinic_a.name == "Kept Language" and world.clinic_a.language == "ar"


def test_the_audit_trail_names_records_pages_and_events_in_words():
    """The trail shows words for the stored codes; a code it does not know stays as it is."""
    from walkback.audit.models import PATIENT_MODEL
    from walkback.audit.selectors import trail_what

    def row(object_type, **detail):
        return AuditEvent(action=AuditAction.READ, object_type=object_type, detail=detail)

    assert trail_what(row(PATIENT_MODEL, view="patient-detail")) == "Patient record: record page"
    assert trail_what(row("accounts.User", event="password_changed")) == (
        "Account: password changed"
    )
    assert trail_what(row("coaching.CoachingSession")) == "Coaching session"
    assert trail_what(row("x.Unknown", view="some-page")) == "x.Unknown: some-page"
