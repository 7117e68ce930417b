"""Small pieces the FIT, Google Fit and Fitbit parsers share (docs/activity-import-formats.md).

Kept apart from ``base.py`` (the interface every parser shares) so that file stays the contract.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
from collections.abc import Iterator
from typing import Any, BinaryIO

from django.utils.formats import number_format
from django.utils.translation import gettext

from .base import ImportFileError, ImportLimits


def digest_id(*parts: object) -> str:
    """A stable id for a record the file gives no id of its own: same data, same id."""
    text = "|".join(str(part) for part in parts)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def too_many_rows(limits: ImportLimits) -> ImportFileError:
    return ImportFileError(
        gettext(
            "This file has more than %(max)s entries, more than one import can take. "
            "Export a shorter period (a few months at a time) and import each file."
        )
        % {"max": number_format(limits.max_rows, force_grouping=True)}
    )


def csv_rows(stream: BinaryIO, *, what) -> Iterator[list[str]]:
    """The file's rows, read line by line as UTF-8 (with or without a byte-order mark).

    ``what`` names the expected file in the message shown when the bytes are not text.
    """
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")
    # csv refuses a field over 131,072 characters (its default): a binary file renamed .csv
    # fails there or on decoding, with the message below, instead of filling memory.
    try:
        yield from csv.reader(text)
    except (UnicodeDecodeError, csv.Error) as error:
        raise ImportFileError(
            # Translators: %(what)s is the kind of file expected, e.g. "a Fitbit export".
            gettext(
                "This file could not be read as %(what)s: it is not a text (CSV) file, "
                "or it is damaged."
            )
            % {"what": what}
        ) from error
    finally:
        # The stream belongs to the caller: let go of it without closing it.
        text.detach()


def head_text(head: bytes) -> str:
    """The first bytes of a file as text for sniffing (a cut multi-byte character is ignored)."""
    return head.removeprefix(b"\xef\xbb\xbf").decode("utf-8", errors="ignore")


def local_midnight(day: dt.date, zone: dt.tzinfo) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=zone)


def first_byte(stream: BinaryIO) -> tuple[bytes, BinaryIO]:
    """The first byte that is not blank or a byte-order mark (b"" for an empty file), and the
    stream to read from it on: that byte included, nothing read twice, no seeking needed."""
    first = stream.read(1)
    while first in (b" ", b"\t", b"\r", b"\n", b"\xef", b"\xbb", b"\xbf"):
        first = stream.read(1)
    return first, io.BufferedReader(_Prefixed(first, stream))


class _Prefixed(io.RawIOBase):
    """A stream with bytes already looked at put back in front."""

    def __init__(self, prefix: bytes, stream: BinaryIO) -> None:
        self.prefix = prefix
        self.stream = stream

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self.prefix:
            data, self.prefix = self.prefix[: len(buffer)], self.prefix[len(buffer) :]
        else:
            data = self.stream.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)
