"""Rows of JSONL and CSV files with bounded memory: each row is read, decoded and parsed alone, and a row that cannot
be (bad bytes, bad JSON, nesting too deep, a number too long, a broken CSV quote, a row too large) is an
``InputError`` naming its line, never the end of the file. Shared by the analysis readers (``io.readers``) and the
training-data readers (``training.data``).

A row larger than its limit is never held in memory: JSONL lines are read in bounded pieces, and CSV records are
found by following the quotes (a quote opens a field only at its start, ``""`` is a quote inside one), so a 200 MB
field costs its own row only and the rows after it are still read.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

from narrascope.errors import InputError

_CHUNK = 1_048_576
_QUOTED_RUN = re.compile(rb'(?:[^"]+|"")*')  # the inside of a quoted CSV field, up to its closing quote


def decode_utf8(data: bytes, path: Path | str, line: int | None = None) -> str:
    """UTF-8 text of ``data`` without a BOM; an ``InputError`` says where decoding fails (no guessing)."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise InputError("UTF-16 text; re-encode as UTF-8", str(path), line)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        offset = exc.start + (3 if data.startswith(codecs.BOM_UTF8) else 0)
        where = f"byte {offset} of the line" if line is not None else f"byte {offset}"
        raise InputError(f"not UTF-8 at {where}; re-encode as UTF-8", str(path), line) from None


def check_unicode(name: str, value: str, path: Path | str, line: int) -> None:
    """An ``InputError`` when ``value`` holds a lone surrogate (what a JSON ``\\ud800`` escape decodes to), which no
    UTF-8 file or database can hold."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise InputError(f"'{name}' is not valid Unicode: a lone surrogate (\\u{ord(value[exc.start]):04x}) at "
                         f"character {exc.start}", str(path), line) from None


def jsonl_line_limit(max_bytes: int) -> int:
    """The longest JSONL line read into memory: a row's text may take up to ``max_bytes`` once decoded, and JSON
    escapes can make it six times longer on the line (``\\u00e9``), plus room for the metadata."""
    return 6 * max_bytes + _CHUNK


def _too_large(size: int, limit: int) -> str:
    return f"row is {size / 1_048_576:.1f} MB, over the {limit / 1_048_576:.1f} MB a row may take; it was skipped"


def jsonl_lines(handle: BinaryIO, limit: int) -> Iterator[tuple[int, bytes | int]]:
    """``(line number, bytes)`` of each line of ``handle``; a line over ``limit`` bytes comes as its length instead,
    read through in chunks so that it never sits in memory whole."""
    number = 0
    while True:
        raw = handle.readline(limit + 1)
        if not raw:
            return
        number += 1
        if len(raw) <= limit or raw.endswith(b"\n"):
            yield number, raw
            continue
        size = len(raw)
        while not raw.endswith(b"\n"):
            raw = handle.readline(_CHUNK)
            if not raw:
                break
            size += len(raw)
        yield number, size


def jsonl_values(path: Path, limit: int) -> Iterator[tuple[int, Any]]:
    """``(line, JSON value or InputError)`` of each non-blank line of the JSONL file ``path``."""
    with open(path, "rb") as handle:
        for line, raw in jsonl_lines(handle, limit):
            if isinstance(raw, int):
                yield line, InputError(_too_large(raw, limit), str(path), line)
            elif raw.strip():
                try:
                    yield line, parse_json_line(raw, path, line)
                except InputError as exc:
                    yield line, exc


MAX_JSON_DEPTH = 200  # arrays and objects inside each other; a record needs 3


def _nested_deeper_than(text: str, limit: int) -> bool:
    """True when ``text``'s JSON arrays/objects nest more than ``limit`` levels (brackets inside strings ignored)."""
    if text.count("[") + text.count("{") <= limit:
        return False
    depth, in_string, escaped = 0, False, False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            if depth > limit:
                return True
        elif ch in "]}":
            depth -= 1
    return False


def parse_json_line(raw: bytes, path: Path, line: int) -> Any:
    """The JSON value of one line; every way it can fail (bad bytes, bad JSON, nesting too deep, a number too long)
    is an ``InputError`` naming the line."""
    text = decode_utf8(raw, path, line)
    if _nested_deeper_than(text, MAX_JSON_DEPTH):  # checked, not left to the interpreter's recursion limit
        raise InputError(f"invalid JSON (nested too deeply: more than {MAX_JSON_DEPTH} levels)", str(path), line)
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        where = f"{exc.msg} column {exc.colno}" if exc.msg.endswith(" at") else f"{exc.msg} at column {exc.colno}"
        raise InputError(f"invalid JSON ({where})", str(path), line) from None
    except RecursionError:
        raise InputError("invalid JSON (nested too deeply)", str(path), line) from None
    except ValueError:  # Python refuses to convert integers of more than 4,300 digits
        raise InputError("invalid JSON (a number with more than 4,300 digits)", str(path), line) from None


def csv_records(path: Path, limit: int) -> Iterator[tuple[int, list[str] | InputError]]:
    """``(first line, fields or InputError)`` of each CSV record of ``path`` (the header first); a record over
    ``limit`` bytes, with bytes that are not UTF-8 or that ``csv`` cannot parse fails alone."""
    saved = csv.field_size_limit()
    csv.field_size_limit(max(saved, min(sys.maxsize, limit + 1)))
    try:
        with open(path, "rb") as handle:
            yield from _records(handle, path, limit)
    finally:
        csv.field_size_limit(saved)


def _records(handle: BinaryIO, path: Path, limit: int) -> Iterator[tuple[int, list[str] | InputError]]:
    number = 0  # lines end at \n, as when reading the file line by line
    while True:
        start, pieces, size = number + 1, [], 0
        state = (False, True, False)
        line_open = False  # the record's last line has no \n yet
        while True:
            raw = handle.readline(_CHUNK)
            if not raw:
                break
            line_open = not raw.endswith(b"\n")
            size += len(raw)
            if b'"' in raw or state[0]:
                state = _quote_state(raw, state)
            if size <= limit:
                pieces.append(raw)
            else:
                pieces = []  # over the limit: read through to the record's end without keeping it
            if raw.endswith(b"\n"):
                number += 1
                if not state[0]:
                    break
                state = (True, False, False)
        if not size:
            return
        if line_open:
            number += 1
        if size > limit:
            yield start, InputError(_too_large(size, limit), str(path), start)
            continue
        for fields in _parse_record(b"".join(pieces), path, start):
            yield start, fields


def _quote_state(raw: bytes, state: tuple[bool, bool, bool]) -> tuple[bool, bool, bool]:
    """``(inside a quoted field, at the start of a field, after a quote that may be the first of "")`` after ``raw``
    (a piece of a line), from the same state before it: a quote opens a field only at its start, and ``""``
    inside one is a quote."""
    quoted, field_start, pending = state
    i, n = 0, len(raw)
    if pending and n:
        if raw[0] == 0x22:
            i = 1  # "" split between two pieces: still inside the field
        else:
            quoted = False
    while i < n:
        if quoted:
            close = _QUOTED_RUN.match(raw, i).end()  # type: ignore[union-attr]  # matches the empty string too
            if close == n:
                return True, False, False
            if close + 1 == n:  # a quote that may be the first of "" split between two pieces
                return True, False, True
            quoted, i = False, close + 1
            continue
        if field_start and raw[i] == 0x22:
            quoted, field_start, i = True, False, i + 1
            continue
        comma = raw.find(b",", i)
        if comma < 0:
            return False, False, False
        i, field_start = comma + 1, True
    return quoted, field_start, False


def _parse_record(data: bytes, path: Path, start: int) -> list[list[str] | InputError]:
    """The row(s) of one record (a file whose lines end with a bare ``\r`` holds several)."""
    if b"\n" not in data[:-1] and b"\r" not in data[:-2]:  # one line, the common case
        try:
            text = decode_utf8(data, path, start)
        except InputError as exc:
            return [exc]
        try:
            return list(csv.reader([text]))
        except csv.Error as exc:
            return [InputError(f"malformed CSV ({exc})", str(path), start)]
    lines: list[str] = []
    for offset, raw in enumerate(data.split(b"\n")):
        try:
            lines.append(decode_utf8(raw, path, start + offset))
        except InputError as exc:
            reason = exc.reason if not offset else f"{exc.reason} (line {start + offset})"
            return [InputError(reason, str(path), start)]
    try:
        return list(csv.reader(io.StringIO("\n".join(lines), newline="")))
    except csv.Error as exc:
        return [InputError(f"malformed CSV ({exc})", str(path), start)]
