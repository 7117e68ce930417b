"""A person's own language (docs/languages.md): chosen on "My account", used by the next page,
and by the account e-mails sent to them, whatever the language of the page that sent them."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse
from django.utils import translation

from walkback.accounts import services
from walkback.accounts.models import Role, User
from walkback.audit.models import AuditEvent


@pytest.fixture
def catalogues():
    """The shipped catalogues (locale/, docs/languages.md): kept as a fixture so each test
    says it reads them."""
    return None


def test_each_language_is_offered_in_its_own_name_and_the_clinic_s_is_blank(world, client_for):
    body = client_for(world.patient_a.user).get(reverse("accounts:language")).content.decode()
    assert '<option value="" selected>Clinic&#x27;s language (English)</option>' in body
    for code, name in settings.LANGUAGES:
        assert f'<option value="{code}">{name}</option>' in body


@pytest.mark.parametrize("who", ["patient", "physio"])
def test_choosing_arabic_makes_the_next_page_arabic_right_to_left(
    world, client_for, catalogues, who
):
    user = world.patient_a.user if who == "patient" else world.physio_a
    client = client_for(user)
    response = client.post(reverse("accounts:language"), {"language": "ar"})
    assert response.status_code == 302 and response["Location"] == reverse("accounts:security")
    user.refresh_from_db()
    assert user.language == "ar"
    page = client.get(reverse("accounts:security")).content.decode()
    assert '<html lang="ar" dir="rtl">' in page
    assert "bootstrap.rtl.min.css" in page
    assert "حسابي" in page  # "My account"
    assert "تم حفظ لغتك." in page  # "Your language is saved.", in the language just chosen
    event = AuditEvent.objects.get(actor=user, detail__event="language_changed")
    assert event.detail["language"] == "ar"


def test_blank_goes_back_to_the_clinic_s_language(world, client_for):
    user = world.physio_a
    user.language = "zh-hans"
    user.save(update_fields=["language"])
    client = client_for(user)
    assert client.post(reverse("accounts:language"), {"language": ""}).status_code == 302
    user.refresh_from_db()
    assert user.language == ""
    assert (
        '<html lang="en-gb" dir="ltr">' in client.get(reverse("accounts:security")).content.decode()
    )


def test_an_unknown_language_is_refused_next_to_the_field(world, client_for):
    user = world.patient_a.user
    response = client_for(user).post(reverse("accounts:language"), {"language": "fr"})
    assert response.status_code == 200
    assert response.context["form"].errors["language"] == ["Choose a language from the list."]
    user.refresh_from_db()
    assert user.language == ""
    assert not AuditEvent.objects.filter(actor=user, detail__event="language_changed").exists()


def test_the_service_refuses_an_unknown_code_too(world):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as refused:
        services.user_language_set(user=world.physio_a, language="xx")
    assert "language" in refused.value.message_dict
    assert services.user_language_set(user=world.physio_a, language="") is False


def test_my_account_names_the_language_in_use(world, client_for):
    page = client_for(world.physio_a).get(reverse("accounts:security")).content.decode()
    assert "The clinic's (English)" in page
    assert reverse("accounts:language") in page


def test_an_invitation_is_written_in_the_invited_person_s_language(
    world, catalogues, django_capture_on_commit_callbacks
):
    user = User.objects.create_user(
        email="li.wei@example.test",
        full_name="Li Wei",
        role=Role.PHYSIO,
        clinic=world.clinic_a,
        language="zh-hans",
    )
    # The admin sending it reads English.
    with translation.override("en-gb"), django_capture_on_commit_callbacks(execute=True):
        services.invitation_create(user=user, by=world.admin_a)
    message = mail.outbox[-1]
    assert message.subject == f"您在 {world.clinic_a.name} 的 WalkBack 账户"
    assert "Li，您好：" in message.body
    assert "链接只能使用一次" in message.body
    assert "Hello" not in message.body


def test_the_clinic_s_language_is_used_when_the_person_chose_none(
    world, catalogues, django_capture_on_commit_callbacks
):
    world.clinic_a.language = "ar"
    world.clinic_a.save(update_fields=["language"])
    user = User.objects.create_user(
        email="sami@example.test", full_name="Sami", role=Role.PHYSIO, clinic=world.clinic_a
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.invitation_create(user=user, by=world.admin_a)
    assert mail.outbox[-1].subject == f"حسابك في WalkBack لدى {world.clinic_a.name}"


def test_a_password_reset_is_written_in_the_account_holder_s_language(world, client, catalogues):
    user = world.physio_a
    user.language = "zh-hans"
    user.save(update_fields=["language"])
    # The page asking is in English (a browser with no Chinese).
    response = client.post(
        reverse("accounts:password-reset"),
        {"email": user.email},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 302
    message = mail.outbox[-1]
    assert message.subject == "重设您的 WalkBack 密码"
    assert "如果是您本人，请在这里设置新密码" in message.body
    assert "/accounts/password/reset/" in message.body


def test_the_server_error_page_renders_without_any_context():
    from django.template import loader

    with translation.override("ar"):
        page = loader.get_template("500.html").render()
    assert '<html lang="ar" dir="rtl">' in page
    with translation.override("en-gb"):
        page = loader.get_template("500.html").render()
    assert "Something went wrong on our side" in page


def test_the_farewell_of_a_closed_account_is_in_the_language_given(catalogues):
    services.account_closed_send(
        address="gone@example.test",
        short_name="Wei",
        clinic_name="Alpha Physio",
        language="zh-hans",
    )
    message = mail.outbox[-1]
    assert message.subject == "您在 Alpha Physio 的 WalkBack 账户已关闭"
    assert "Wei，您好：" in message.body
    assert message.to == ["gone@example.test"]
