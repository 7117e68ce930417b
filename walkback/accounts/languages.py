"""Which language a person reads WalkBack in (docs/languages.md).

One rule, used by pages, e-mails, texts and push notices alike: the person's own choice, else
their clinic's language, else the site's default. Pages also fall back to the browser's
language for visitors who are not logged in (Django's ``LocaleMiddleware``).
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext

if TYPE_CHECKING:
    from collections.abc import Iterator

    from walkback.accounts.models import Clinic, User

LANGUAGE_CODES = frozenset(code for code, _name in settings.LANGUAGES)

# Written right to left: the page gets dir="rtl" and Bootstrap's RTL stylesheet.
RIGHT_TO_LEFT = frozenset({"ar"})


def language_choices() -> list[tuple[str, str]]:
    """Each language in its own name, so a person who cannot read the current one still
    finds theirs."""
    return list(settings.LANGUAGES)


def check_language(language: str, *, blank: bool = True) -> None:
    """The one check of a language a form or service is given: one of the site's languages
    (or "", the clinic's, where ``blank``). The forms offer only those and the database checks
    again (``user_language_known``, ``clinic_language_known``)."""
    if (language or not blank) and language not in LANGUAGE_CODES:
        raise ValidationError({"language": gettext("Choose a language from the list.")})


def clinic_language(clinic: Clinic | None) -> str:
    if clinic is not None and clinic.language in LANGUAGE_CODES:
        return clinic.language
    return settings.LANGUAGE_CODE


def language_for(user: User | None) -> str:
    """The language to write to this person in."""
    if user is None:
        return settings.LANGUAGE_CODE
    if user.language in LANGUAGE_CODES:
        return user.language
    return clinic_language(user.clinic)


@contextmanager
def speaking_to(user: User | None) -> Iterator[str]:
    """Render what is inside (an e-mail, a text, a push notice) in the recipient's language,
    whatever the language of the request or worker that sends it."""
    language = language_for(user)
    with translation.override(language):
        yield language


def is_right_to_left(language: str | None = None) -> bool:
    code = (language or translation.get_language() or settings.LANGUAGE_CODE).split("-")[0]
    return code in RIGHT_TO_LEFT
