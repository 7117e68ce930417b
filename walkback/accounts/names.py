"""How a person's name is searched and sorted: the one rule for every list of people.

- **Search ignores accents and case.** ``name_folded`` turns a name, and what is typed in a
  search box, into the same plain lower-case letters: "Sørensen", "SORENSEN" and "sorensen" all
  become ``sorensen``, "José" ``jose``. Letters are transliterated by anyascii (ISC licence),
  which also handles the letters that Unicode does not decompose into a base letter and an
  accent (ø, æ, ł, đ), where NFKD and stripping marks would leave "sørensen" unmatched.
- **"Name" sorts by family name**, then by the whole name. A person has one name field
  (``User.full_name``, as typed at the invitation): the family name is taken to be its last
  word. Why not a family-name field of its own: every form that names a person (invitations,
  enrolment, a patient correcting their own name) would need a second box, and most names our
  clinics see end with the family name. Where they do not ("Nguyen Van An", "van der Berg"),
  the list is still in a stable, predictable order and search finds every word of the name.
  See docs/programme-rules.md, "The caseload's status".
"""

from __future__ import annotations

from anyascii import anyascii

# The sort key is stored in an indexed column of this many characters (coaching.CaseloadRow).
SORT_KEY_MAX = 300


def name_folded(text: str) -> str:
    """``text`` as plain lower-case letters and single spaces, for searching."""
    return " ".join(anyascii(text).casefold().split())


def family_name(full_name: str) -> str:
    """The family name: the last word of the full name ("" for an empty name)."""
    words = full_name.split()
    return words[-1] if words else ""


def name_sort_key(full_name: str) -> str:
    """Family name first, then the whole name, folded: "Søren Sørensen" sorts as
    ``sorensen soren sorensen``, between "Anna Smith" and "Bo Svensson"."""
    key = f"{name_folded(family_name(full_name))} {name_folded(full_name)}".strip()
    return key[:SORT_KEY_MAX]
