"""The one form of the messages pages. The rules (empty, too long, too many an hour) are the
service's (``coaching.messaging.services``), shown next to the box by the view."""

from __future__ import annotations

from django import forms
from django.utils.formats import number_format
from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from coaching.messaging.limits import MESSAGE_MAX_CHARS
from coaching.portal.forms import PortalForm
from walkback.core.forms import SubmissionTokenMixin


def _help_text() -> str:
    return gettext("Plain text, up to %(count)s characters.") % {
        "count": number_format(MESSAGE_MAX_CHARS, force_grouping=True)
    }


class MessageForm(SubmissionTokenMixin, PortalForm):
    body = forms.CharField(
        label=_("Your message"),
        # Checked by the service, which says how long it is; no ``maxlength`` on the box
        # either: a browser would cut a pasted text short without saying so.
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=lazy(_help_text, str)(),
    )
