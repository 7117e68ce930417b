"""Form helpers shared by every area's views."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy

from walkback.core.submissions import STALE


def add_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Show a service's ``ValidationError`` next to the fields it names, or at the top of the
    form when it names none (services check what forms cannot: other rows, the clock)."""
    if hasattr(error, "error_dict"):
        for field, problems in error.message_dict.items():
            form.add_error(field if field in form.fields else None, problems)
    else:
        form.add_error(None, error.messages)


if TYPE_CHECKING:
    _FormBase = forms.BaseForm  # what the mixin is mixed into, for the type checker
else:
    _FormBase = object


class SubmissionTokenMixin(_FormBase):
    """A form that creates something carries a one-time ``submission_token`` (a hidden field,
    fresh on every page shown, kept when the form comes back with errors). The service it feeds
    is wrapped in ``walkback.core.submissions.once_per_submission``, so sending the same form
    twice carries it out once. ``cleaned_data`` holds the token under that name."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["submission_token"] = forms.UUIDField(
            required=False,
            initial=uuid.uuid4,  # called each time an unbound form is shown
            widget=forms.HiddenInput,
            error_messages={"invalid": gettext_lazy(STALE)},
        )
