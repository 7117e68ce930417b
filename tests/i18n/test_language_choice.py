"""docs/languages.md#which-language: the person's own choice, else their clinic's, else the
browser's (for visitors not logged in); right to left for Arabic."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import formats, translation

from walkback.accounts.languages import is_right_to_left, language_for, speaking_to

pytestmark = pytest.mark.django_db

REQUIRED_IN_CHINESE = "这个字段是必填项。"  # Django's own "This field is required."


def _html_tag(response) -> str:
    body = response.content.decode()
    return body[body.index("<html") : body.index(">", body.index("<html")) + 1]


def test_a_visitor_gets_the_browsers_language(client):
    response = client.get(reverse("accounts:login"), HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9")
    assert _html_tag(response) == '<html lang="zh-hans" dir="ltr">'
    assert response["Content-Language"] == "zh-hans"


def test_a_visitor_whose_language_is_not_shipped_gets_english(client):
    response = client.get(reverse("accounts:login"), HTTP_ACCEPT_LANGUAGE="fr-FR,fr;q=0.9")
    assert _html_tag(response) == '<html lang="en-gb" dir="ltr">'


def test_the_persons_own_language_wins_over_the_browsers(world, client_for):
    user = world.patient_a.user
    user.language = "ar"
    user.save(update_fields=["language"])
    response = client_for(user).get(reverse("portal:home"), HTTP_ACCEPT_LANGUAGE="zh-CN")
    assert _html_tag(response) == '<html lang="ar" dir="rtl">'
    assert "bootstrap/css/bootstrap.rtl.min.css" in response.content.decode()
    assert response["Content-Language"] == "ar"


def test_without_a_choice_the_clinics_language_applies(world, client_for):
    world.clinic_a.language = "zh-hans"
    world.clinic_a.save(update_fields=["language"])
    response = client_for(world.physio_a).get(reverse("coaching:caseload"))
    assert _html_tag(response) == '<html lang="zh-hans" dir="ltr">'
    assert "bootstrap.rtl" not in response.content.decode()
    # Another clinic's people are not touched.
    assert language_for(world.physio_b) == "en-gb"


def test_language_for_and_speaking_to(world):
    user = world.patient_a.user
    assert language_for(None) == "en-gb"
    assert language_for(user) == "en-gb"
    user.language = "zh-hans"
    with translation.override("ar"), speaking_to(user) as language:
        assert language == "zh-hans"
        assert translation.gettext("This field is required.") == REQUIRED_IN_CHINESE
    assert translation.get_language() == "en-gb"
    assert is_right_to_left("ar") and not is_right_to_left("zh-hans")


@pytest.mark.parametrize("model", ["user", "clinic"])
def test_the_database_refuses_a_language_we_do_not_ship(world, model):
    row = world.patient_a.user if model == "user" else world.clinic_a
    row.language = "fr"
    with pytest.raises(IntegrityError), transaction.atomic():
        row.save(update_fields=["language"])


def test_numbers_and_dates_follow_the_language():
    day = dt.date(2026, 11, 30)
    with translation.override("zh-hans"):
        assert formats.date_format(day) == "2026年11月30日"
    with translation.override("ar"):
        # Australian separators (walkback/formats/ar), Arabic month names.
        assert formats.localize(1234.5) == "1234.5"
        assert "نوفمبر" in formats.date_format(day)
    with translation.override("en-gb"):
        assert formats.date_format(day) == "30 Nov 2026"


def test_a_visitor_picks_a_language_on_the_login_page(client):
    page = client.get(reverse("accounts:login")).content.decode()
    # Each language is offered in its own name, with its own lang attribute.
    assert 'lang="ar"' in page and "العربية" in page and "简体中文" in page
    response = client.post(
        reverse("set_language"), {"language": "ar", "next": reverse("accounts:login")}
    )
    assert response.status_code == 302 and response["Location"] == reverse("accounts:login")
    assert _html_tag(client.get(reverse("accounts:login"))) == '<html lang="ar" dir="rtl">'


def test_a_logged_in_persons_own_choice_outlasts_the_language_cookie(world, client_for):
    client = client_for(world.physio_a)
    client.post(reverse("set_language"), {"language": "ar", "next": "/"})
    response = client.get(reverse("coaching:caseload"))
    assert _html_tag(response) == '<html lang="en-gb" dir="ltr">'
