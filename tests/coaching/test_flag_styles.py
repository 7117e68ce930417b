"""Every caseload flag has a coloured badge: a flag without a rule in site.css is white text on
a white page (two flags were, until this test)."""

from __future__ import annotations

import re
from pathlib import Path

from coaching.flags import FLAG_LABELS

CSS = (Path(__file__).resolve().parents[2] / "static" / "walkback" / "site.css").read_text()


def test_every_flag_has_a_background():
    styled = set()
    for selectors, body in re.findall(r"([^{}]+)\{([^}]*)\}", CSS):
        if "background" in body:
            styled |= set(re.findall(r"\.flag-([a-z_]+)", selectors))
    assert set(FLAG_LABELS) - styled == set()
