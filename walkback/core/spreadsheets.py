"""The spreadsheet-formula guard (CSV injection, OWASP): the one rule for every file a
spreadsheet may open, the clinic's exports and a patient's own download alike.

A cell whose text starts with = + - @ (a formula) or a tab or carriage return (which some
spreadsheets skip before looking for one) gets a leading quote, so the spreadsheet shows the
text instead of running it. ``FORMULA_START_REGEX`` is the same rule for a database query,
so a CSV written by SQL (PostgreSQL's COPY) matches one written by ``formula_safe``.

``CSV_BOM`` opens every CSV file we write: without a UTF-8 byte order mark Excel reads a CSV
in the computer's legacy code page and "Sørensen" comes out as "SÃ¸rensen".
"""

from __future__ import annotations

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# A bracket expression both PostgreSQL and Python's re read alike ("-" last: a literal).
FORMULA_START_REGEX = "^[" + "".join(sorted(FORMULA_STARTS, key=lambda c: c == "-")) + "]"
GUARD = "'"
CSV_BOM = "\ufeff"


def formula_safe(value):
    """``value`` with the guard in front if it is text a spreadsheet would run; anything
    else unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return GUARD + value
    return value
