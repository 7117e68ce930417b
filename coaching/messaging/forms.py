"""The one form of the messages pages. The rules (empty, too long, too many an hour) are the
service's (``coaching.messaging.services``), shown next to the box by the view."""

from __future__ import annotations

from django import forms

from coaching.messaging.limits import MESSAGE_MAX_CHARS
from coaching.portal.forms import PortalForm
from walkback.core.forms import SubmissionTokenMixin


class MessageForm(SubmissionTokenMixin, PortalForm):
    body = forms.CharField(
        label="Your message",
        # Checked by the service, which says how long it is; no ``maxlength`` on the box
        # either: a browser would cut a pasted text short without saying so.
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=f"Plain text, up to {MESSAGE_MAX_CHARS:,} characters.",
    )
