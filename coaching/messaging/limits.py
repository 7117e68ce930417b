"""The bounds of a secure message (docs/messages.md), named once: the form, the service and the
database constraint all read them from here."""

from __future__ import annotations

# Long enough for a real question and a careful answer; a page of text, not a document.
MESSAGE_MAX_CHARS = 2000
