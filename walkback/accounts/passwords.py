"""Django's password validators and password forms, in the site's own plain words (issue 11).

The rules are Django's, unchanged (settings.AUTH_PASSWORD_VALIDATORS names these classes);
only what they say is ours: Django's "This password is too short. It must contain at least 10
characters." and "The two password fields didn’t match." read like a system message to an
older patient. The help under a new-password field is the validators' own help texts joined,
so it always states the rules in force (docs/security.md, "Argon2 password hashing").
"""

from __future__ import annotations

from django.contrib.auth import forms as auth_forms
from django.contrib.auth import password_validation
from django.utils.translation import gettext, gettext_noop, ngettext
from django.utils.translation import gettext_lazy as _

# Marked here, translated where it is shown (tests compare the English constant).
PASSWORD_MISMATCH = gettext_noop("The two passwords are different. Type them again.")
NEW_PASSWORD_LABEL = _("New password")
AGAIN_LABEL = _("Type it again")


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    def get_error_message(self) -> str:
        return ngettext(
            "Use at least %(count)s character.",
            "Use at least %(count)s characters.",
            self.min_length,
        ) % {"count": self.min_length}

    def get_help_text(self) -> str:
        return ngettext(
            "At least %(count)s character.", "At least %(count)s characters.", self.min_length
        ) % {"count": self.min_length}


class UserAttributeSimilarityValidator(password_validation.UserAttributeSimilarityValidator):
    def get_error_message(self) -> str:
        return gettext("This password is too like your name or e-mail address. Choose another.")

    def get_help_text(self) -> str:
        return gettext("Not like your name or e-mail address.")


class CommonPasswordValidator(password_validation.CommonPasswordValidator):
    def get_error_message(self) -> str:
        return gettext(
            "This is one of the most common passwords, which are easy to guess. Choose another."
        )

    def get_help_text(self) -> str:
        return gettext("Not a common password.")


class NumericPasswordValidator(password_validation.NumericPasswordValidator):
    def get_error_message(self) -> str:
        return gettext("A password of numbers only is easy to guess. Add some letters.")

    def get_help_text(self) -> str:
        return gettext("Not only numbers.")


def password_help() -> str:
    """The rules in force, in one line, from the validators themselves."""
    return " ".join(password_validation.password_validators_help_texts())


class PlainSetPasswordForm(auth_forms.SetPasswordForm):
    """Choosing a new password from a reset link: Django's form, in our words."""

    error_messages = {"password_mismatch": _(PASSWORD_MISMATCH)}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        first, again = self.fields["new_password1"], self.fields["new_password2"]
        first.label, first.help_text = NEW_PASSWORD_LABEL, password_help()
        again.label, again.help_text = AGAIN_LABEL, ""


class PlainPasswordChangeForm(auth_forms.PasswordChangeForm):
    """Changing one's password when logged in: Django's form, in our words."""

    error_messages = {
        "password_mismatch": _(PASSWORD_MISMATCH),
        "password_incorrect": _("That is not your current password. Type it again."),
    }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["old_password"].label = gettext("Your current password")
        first, again = self.fields["new_password1"], self.fields["new_password2"]
        first.label, first.help_text = NEW_PASSWORD_LABEL, password_help()
        again.label, again.help_text = AGAIN_LABEL, ""
