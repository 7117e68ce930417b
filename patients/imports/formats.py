"""Which parser reads an uploaded file: each format's ``sniff`` looks at the first 4 KB, in
this order, so the content decides and a renamed file of another format is refused.
"""

from __future__ import annotations

import datetime as dt
import importlib
import inspect
from collections.abc import Iterator
from types import ModuleType
from typing import BinaryIO

from django.conf import settings
from django.utils.formats import number_format
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from patients.imports.parsers.base import Activity, ImportFileError, ImportLimits

FORMAT_MODULES = (
    "patients.imports.parsers.apple_health",
    "patients.imports.parsers.gpx",
    "patients.imports.parsers.fit",
    "patients.imports.parsers.google_fit",
    "patients.imports.parsers.fitbit",
)
HEAD_BYTES = 4096

EMPTY = _("This file is empty. Export your walks again and upload the new file.")
UNKNOWN = _(
    "WalkBack cannot read this file. It takes an Apple Health export (export.zip or "
    "export.xml), a GPX track, a FIT activity file, a Google Fit (Takeout) daily activity file "
    "or a Fitbit data export."
)


def parser_modules() -> list[ModuleType]:
    return [importlib.import_module(name) for name in FORMAT_MODULES]


def limits_from_settings() -> ImportLimits:
    return ImportLimits(
        max_bytes=settings.WALKBACK_IMPORT_MAX_BYTES, max_rows=settings.WALKBACK_IMPORT_MAX_ROWS
    )


def human_size(size: int) -> str:
    """'2.1 GB', '500 MB', '12 KB': decimal units, as phones and computers show file sizes."""
    for unit, scale in (("GB", 10**9), ("MB", 10**6), ("KB", 10**3)):
        if size >= scale:
            value = size / scale
            return f"{value:.1f} {unit}".replace(".0 ", " ")
    return ngettext("%(count)s byte", "%(count)s bytes", size) % {"count": size}


def too_large(size: int, limits: ImportLimits) -> str | None:
    if size > limits.max_bytes:
        return gettext("This file is %(size)s; the largest file WalkBack takes is %(max)s.") % {
            "size": human_size(size),
            "max": human_size(limits.max_bytes),
        }
    return None


def detect(head: bytes, filename: str) -> ModuleType:
    """The parser module for a file whose first bytes are ``head``; ImportFileError if none."""
    if not head:
        raise ImportFileError(EMPTY)
    for module in parser_modules():
        if module.sniff(head, filename):
            return module
    raise ImportFileError(UNKNOWN)


def parse_options(module: ModuleType, *, filename: str, zone: dt.tzinfo | None) -> dict:
    """Fitbit and Google Fit write local times with no offset: they are read in the patient's
    zone. Google Fit's one-day files carry their date only in the file's name."""
    takes = inspect.signature(module.parse).parameters
    options: dict = {}
    if "zone" in takes:
        options["zone"] = zone
    if "day" in takes:
        options["day"] = module.day_from_filename(filename)
    return options


def read_activities(
    stream: BinaryIO,
    *,
    filename: str,
    size: int,
    limits: ImportLimits,
    zone: dt.tzinfo | None = None,
) -> Iterator[Activity]:
    """Every activity of the file, checked against the limits, in file order."""
    if message := too_large(size, limits):
        raise ImportFileError(message)
    head = stream.read(HEAD_BYTES)
    stream.seek(0)
    module = detect(head, filename)
    options = parse_options(module, filename=filename, zone=zone)
    for count, activity in enumerate(module.parse(stream, limits=limits, **options), start=1):
        if count > limits.max_rows:
            raise ImportFileError(
                gettext(
                    "This file holds more than %(max)s activities, the most WalkBack "
                    "takes in one import, so nothing was imported. Export a shorter period."
                )
                % {"max": number_format(limits.max_rows, force_grouping=True)}
            )
        yield activity
