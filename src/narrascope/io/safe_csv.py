"""The one CSV writer: every CSV narrascope writes (``analyze --format csv``, ``export-labels``, the dashboard's
downloads and ``/api/review/export``) goes through ``SafeCsvWriter``, so no cell runs as a spreadsheet formula.

A cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return (after any leading ``'``) gets one more
``'`` in front, as OWASP recommends: spreadsheets show the text instead of running it. ``restore_cell`` undoes it
exactly, so files that narrascope reads back (``train`` on an ``export-labels`` CSV) keep their values:
``restore_cell(neutralise_cell(v)) == v`` for every string ``v``.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from typing import Any, TextIO

_FORMULA = re.compile(r"'*[=+\-@\t\r]")


def neutralise_cell(value: Any) -> Any:
    """``value`` with a ``'`` in front when a spreadsheet would run it as a formula; other values unchanged."""
    if isinstance(value, str) and _FORMULA.match(value):
        return "'" + value
    return value


def restore_cell(value: str) -> str:
    """The value ``neutralise_cell`` was given (a cell read back from a CSV narrascope wrote)."""
    return value[1:] if value.startswith("'") and _FORMULA.match(value, 1) else value


class SafeCsvWriter:
    """``csv.writer`` with ``\n`` line ends whose cells are neutralised; ``None`` is written as an empty cell.

    A cell holding a carriage return is quoted too (``csv.writer`` quotes only the characters of its line terminator,
    so with ``\n`` alone a ``\r`` went out bare and split the row for readers that end lines at ``\r``)."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._row = io.StringIO()
        self._writer = csv.writer(self._row, lineterminator="\r\n")

    def writerow(self, cells: Iterable[Any]) -> None:
        self._row.seek(0)
        self._row.truncate()
        self._writer.writerow(["" if c is None else neutralise_cell(c) for c in cells])
        self._stream.write(self._row.getvalue()[:-2] + "\n")
