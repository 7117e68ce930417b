"""Which parser reads an uploaded file: each format's ``sniff`` looks at the first 4 KB, in
this order, so the content decides and a renamed file of another format is refused.

The FIT, Google Fit and Fitbit parsers are built on another branch of issue 13; until they are
merged, the registry skips exactly those three modules when they are missing (any other
missing module is a bug and raises).
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from types import ModuleType
from typing import BinaryIO

from django.conf import settings

from patients.imports.parsers.base import Activity, ImportFileError, ImportLimits

FORMAT_MODULES = (
    "patients.imports.parsers.apple_health",
    "patients.imports.parsers.gpx",
    "patients.imports.parsers.fit",
    "patients.imports.parsers.google_fit",
    "patients.imports.parsers.fitbit",
)
_BUILT_ELSEWHERE = frozenset(FORMAT_MODULES[2:])
HEAD_BYTES = 4096

EMPTY = "This file is empty. Export your walks again and upload the new file."
UNKNOWN = (
    "WalkBack cannot read this file. It takes an Apple Health export (export.zip or "
    "export.xml), a GPX track, a FIT activity file, a Google Fit (Takeout) daily activity file "
    "or a Fitbit data export."
)


def parser_modules() -> list[ModuleType]:
    modules = []
    for name in FORMAT_MODULES:
        try:
            modules.append(importlib.import_module(name))
        except ModuleNotFoundError as error:
            if name in _BUILT_ELSEWHERE and error.name == name:
                continue
            raise
    return modules


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
    return f"{size} bytes"


def too_large(size: int, limits: ImportLimits) -> str | None:
    if size > limits.max_bytes:
        return (
            f"This file is {human_size(size)}; the largest file WalkBack takes is "
            f"{human_size(limits.max_bytes)}."
        )
    return None


def detect(head: bytes, filename: str) -> ModuleType:
    """The parser module for a file whose first bytes are ``head``; ImportFileError if none."""
    if not head:
        raise ImportFileError(EMPTY)
    for module in parser_modules():
        if module.sniff(head, filename):
            return module
    raise ImportFileError(UNKNOWN)


def read_activities(
    stream: BinaryIO, *, filename: str, size: int, limits: ImportLimits
) -> Iterator[Activity]:
    """Every activity of the file, checked against the limits, in file order."""
    if message := too_large(size, limits):
        raise ImportFileError(message)
    head = stream.read(HEAD_BYTES)
    stream.seek(0)
    module = detect(head, filename)
    for count, activity in enumerate(module.parse(stream, limits=limits), start=1):
        if count > limits.max_rows:
            raise ImportFileError(
                f"This file holds more than {limits.max_rows:,} activities, the most WalkBack "
                "takes in one import, so nothing was imported. Export a shorter period."
            )
        yield activity
