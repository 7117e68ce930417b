"""Forms of the patient's data-rights pages: correcting their details, a new e-mail address,
asking for the account to be closed (docs/security.md#data-rights)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from coaching.portal.forms import PortalForm
from walkback.accounts.forms import phone_field
from walkback.core.validators import validate_single_line


class OwnDetailsForm(PortalForm):
    full_name = forms.CharField(
        label=_("Your name"),
        max_length=150,
        validators=[validate_single_line],
        error_messages={
            "required": _("Type your name as you would like the clinic to see it."),
            "max_length": _("That is longer than we can keep: at most 150 letters."),
        },
    )
    phone = phone_field()
    optional_fields = frozenset({"phone"})


class EmailChangeForm(PortalForm):
    email = forms.EmailField(
        label=_("New e-mail address"),
        help_text=_("We send a link to it. Your address changes when you open that link."),
        error_messages={
            "required": _("Type the new e-mail address."),
            "invalid": _(
                "That does not look like an e-mail address. Check it, for example name@example.com."
            ),
        },
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )


class ClosingRequestForm(PortalForm):
    understood = forms.BooleanField(
        label=_(
            "I understand that when the clinic closes my account, I cannot log in again "
            "and my details cannot be brought back."
        ),
        error_messages={"required": _("Tick the box to say you understand, then ask again.")},
    )
