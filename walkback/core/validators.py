"""Validators shared by every area's models and forms."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext, gettext_noop

# C0 and C1 control characters (newline, tab, NUL, escape...) and the Unicode line and
# paragraph separators. A single-line field holding one breaks e-mail headers (a name in a
# sender or subject), CSV rows and calendar files.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
# The same set for database check constraints (PostgreSQL and SQLite regular expressions).
CONTROL_CHARACTERS_SQL = "[\x01-\x1f\x7f-\x9f\u2028\u2029]"
# Marked here, translated where it is raised (tests compare the English constant).
SINGLE_LINE_MESSAGE = gettext_noop(
    "Write this on one line, with no line breaks, tabs or other special characters."
)


def validate_single_line(value: str) -> None:
    if value and CONTROL_CHARACTERS.search(value):
        raise ValidationError(gettext(SINGLE_LINE_MESSAGE), code="control_characters")
