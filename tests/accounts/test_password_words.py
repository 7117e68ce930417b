"""Issue 11: the password pages speak the site's plain words, not Django's defaults."""

from __future__ import annotations

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from walkback.accounts.passwords import PASSWORD_MISMATCH

NEW = "walking-again-2026"
# Django's own words that must not reach a page.
DJANGO_WORDS = [
    "Old password",
    "New password confirmation",
    "Enter the same password as before",
    "Your password can’t be",
    "Your password must contain",
    "didn’t match",
    "too short",
    "entirely numeric",
    ">Email<",
]


def _no_django_words(page: str) -> None:
    for words in DJANGO_WORDS:
        assert words not in page, words


def test_change_page_in_plain_words(world, client_for, password):
    client = client_for(world.patient_a.user)
    url = reverse("accounts:password-change")
    page = client.get(url).content.decode()
    for words in ("Your current password", "New password", "Type it again", "At least 10"):
        assert words in page, words
    assert "Not a common password." in page and "Not only numbers." in page
    _no_django_words(page)

    wrong = client.post(url, {"old_password": "nope", "new_password1": NEW, "new_password2": NEW})
    assert "That is not your current password. Type it again." in wrong.content.decode()
    differ = client.post(
        url, {"old_password": password, "new_password1": NEW, "new_password2": NEW + "x"}
    )
    assert PASSWORD_MISMATCH in differ.content.decode()
    numbers = client.post(
        url,
        {"old_password": password, "new_password1": "2026202620", "new_password2": "2026202620"},
    )
    text = numbers.content.decode()
    assert "A password of numbers only is easy to guess" in text
    _no_django_words(text)
    world.patient_a.user.refresh_from_db()
    assert world.patient_a.user.check_password(password)  # nothing changed


def test_reset_pages_in_plain_words(world, client):
    page = client.get(reverse("accounts:password-reset")).content.decode()
    assert "E-mail address" in page
    _no_django_words(page)

    user = world.patient_a.user
    link = reverse(
        "accounts:password-reset-confirm",
        args=[
            urlsafe_base64_encode(force_bytes(user.pk)),
            default_token_generator.make_token(user),
        ],
    )
    form_url = client.get(link).url  # Django moves the token out of the address first
    page = client.get(form_url).content.decode()
    assert "New password" in page and "Type it again" in page and "At least 10" in page
    _no_django_words(page)
    short = client.post(form_url, {"new_password1": "short1", "new_password2": "short1"})
    assert "Use at least 10 characters." in short.content.decode()
    _no_django_words(short.content.decode())
    done = client.post(form_url, {"new_password1": NEW, "new_password2": NEW})
    assert done.url == reverse("accounts:password-reset-complete")
    user.refresh_from_db()
    assert user.check_password(NEW)


@pytest.mark.django_db
def test_a_password_like_the_persons_name_is_refused(world, client_for, password):
    client = client_for(world.patient_a.user)  # Paula Alpha
    response = client.post(
        reverse("accounts:password-change"),
        {"old_password": password, "new_password1": "paulaalpha", "new_password2": "paulaalpha"},
    )
    assert "too like your name or e-mail address" in response.content.decode()
