"""A clinic's extra screening conditions written per language (docs/content-languages.md):
the same lines in the same order; the staff member sees their language, else the clinic's
list with a note; a screening stores the clinic's own line."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from coaching.content import condition_choices
from coaching.content_models import ScreeningConditionsTranslation
from coaching.services.content import screening_conditions_translate
from tests.coaching.helpers import enrolled
from walkback.audit.models import AuditAction, AuditEvent

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 3, 13)


@pytest.fixture
def clinic(world):
    world.clinic_a.screening_extra_conditions = "Diabetes\nPregnancy"
    world.clinic_a.save()
    return world.clinic_a


def screening_data(**extra):
    return {
        "recovered_in_last_6_months": "yes",
        "episode_lasted_24h": "yes",
        "able_to_walk": "yes",
        "already_active_3_per_week": "no",
        "baseline_minutes_per_week": "40",
    } | extra


def test_the_conditions_are_written_line_for_line_and_audited(world, clinic):
    row = screening_conditions_translate(
        clinic=clinic, by=world.admin_a, language="zh-hans", conditions=" 糖尿病 \n\n怀孕\n"
    )
    assert row.lines == ["糖尿病", "怀孕"]
    assert row.written_for == "Diabetes\nPregnancy"
    assert AuditEvent.objects.filter(
        object_type="coaching.ScreeningConditionsTranslation", action=AuditAction.CREATE
    ).exists()
    assert (
        screening_conditions_translate(
            clinic=clinic, by=world.physio_a, language="zh-hans", conditions=""
        )
        is None
    )
    assert not ScreeningConditionsTranslation.objects.exists()


@pytest.mark.parametrize("text", ["糖尿病", "糖尿病\n怀孕\n心脏病"])
def test_another_number_of_lines_is_refused(world, clinic, text):
    with pytest.raises(ValidationError) as error:
        screening_conditions_translate(
            clinic=clinic, by=world.physio_a, language="zh-hans", conditions=text
        )
    assert "2 conditions" in error.value.message_dict["conditions"][0]
    assert not ScreeningConditionsTranslation.objects.exists()


def test_another_clinics_staff_are_refused(world, clinic):
    with pytest.raises(ValidationError):
        screening_conditions_translate(
            clinic=clinic, by=world.physio_b, language="ar", conditions="سكري\nحمل"
        )


def test_staff_see_their_language_and_otherwise_the_clinics_with_a_note(world, clinic):
    screening_conditions_translate(
        clinic=clinic, by=world.physio_a, language="zh-hans", conditions="糖尿病\n怀孕"
    )
    chinese = condition_choices(clinic, "zh-hans")
    assert chinese.choices == [("Diabetes", "糖尿病"), ("Pregnancy", "怀孕")] and not chinese.note
    arabic = condition_choices(clinic, "ar")
    assert arabic.choices == [("Diabetes", "Diabetes"), ("Pregnancy", "Pregnancy")]
    assert "العربية" in arabic.note and "English" in arabic.note
    assert not condition_choices(clinic, "en-gb").note


def test_a_changed_clinic_list_puts_the_translation_out_of_date(world, clinic):
    screening_conditions_translate(
        clinic=clinic, by=world.physio_a, language="zh-hans", conditions="糖尿病\n怀孕"
    )
    clinic.screening_extra_conditions = "Pregnancy\nDiabetes"  # same count, another order
    clinic.save()
    shown = condition_choices(clinic, "zh-hans")
    assert shown.choices == [("Pregnancy", "Pregnancy"), ("Diabetes", "Diabetes")] and shown.note


def test_the_screening_form_shows_chinese_and_stores_the_clinics_line(world, client_for, clinic):
    screening_conditions_translate(
        clinic=clinic, by=world.physio_a, language="zh-hans", conditions="糖尿病\n怀孕"
    )
    world.physio_a.language = "zh-hans"
    world.physio_a.save(update_fields=["language"])
    patient = enrolled(world.physio_a, on=TODAY)
    client = client_for(world.physio_a)
    url = reverse("patients:screening", args=[patient.pk])
    page = client.get(url).content.decode()
    assert "糖尿病" in page and 'value="Diabetes"' in page
    client.post(url, screening_data(other_conditions=["Diabetes"]))
    patient.refresh_from_db()
    assert patient.screening.other_conditions == ["Diabetes"]


def test_the_screening_form_notes_a_missing_language(world, client_for, clinic):
    world.physio_a.language = "ar"
    world.physio_a.save(update_fields=["language"])
    patient = enrolled(world.physio_a, on=TODAY)
    page = client_for(world.physio_a).get(reverse("patients:screening", args=[patient.pk]))
    html = page.content.decode()
    assert (
        "Diabetes" in html
        and "العربية" in page.context["form"].fields["other_conditions"].help_text
    )


def test_the_settings_page_writes_one_language(world, client_for, clinic):
    client = client_for(world.admin_a)
    url = reverse("coaching:screening-languages")
    page = client.get(url).content.decode()
    assert "Diabetes" in page and "简体中文" in page and "العربية" in page
    bad = client.post(f"{url}?language=ar", {"conditions": "سكري"})
    assert bad.status_code == 200 and bad.context["form"].errors["conditions"]
    done = client.post(f"{url}?language=ar", {"conditions": "سكري\nحمل"})
    assert done.status_code == 302
    assert ScreeningConditionsTranslation.objects.get(clinic=clinic, language="ar").lines == [
        "سكري",
        "حمل",
    ]
    page = client.get(f"{url}?language=ar").content.decode()
    assert 'dir="rtl"' in page and "سكري" in page
    assert client.get(f"{url}?language=en-gb").status_code == 404


def test_the_settings_page_with_no_conditions_points_to_programme_settings(world, client_for):
    page = client_for(world.physio_a).get(reverse("coaching:screening-languages"))
    assert reverse("coaching:programme-settings") in page.content.decode()
    assert "form" in page.context and not page.context["own_lines"]
