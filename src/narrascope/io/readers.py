"""Read user inputs into ``Document``s: text, HTML, JSONL and CSV files, folders, and SemEval release folders.

``read_inputs`` never aborts a batch: a file or row that cannot be read becomes a ``FailedInput`` that says why
(and on which line), and the other inputs still come out.

Decisions a user should know about:

* Text must be UTF-8 (a BOM is fine). Nothing is guessed: other bytes fail with ``not UTF-8 at byte N; re-encode as
  UTF-8``. HTML is the exception, since it declares its own charset; trafilatura decodes it.
* ``max_bytes`` (5 MB) limits a single-document file (``.txt``, ``.html``), checked by size before reading; in
  ``.jsonl`` and ``.csv`` files it limits each row's text instead, so large corpora stream through; a whole row
  larger than a few times that is failed without being held in memory (``narrascope.io.rows``).
* ``published`` is read by ``narrascope.dates`` (ISO 8601, RFC 822/2822, common written forms) and kept in one ISO
  form; a value that is no date is logged with file and line and dropped, the document kept.
* FIFOs, sockets and devices are reported, never opened (reading a FIFO waits for a writer forever).
* Ids: the file stem for a file (the file name inside a SemEval folder, as the official formats use), the ``id``
  column for a row, else ``<file name>:<line>``. A repeated id gets a ``#2``, ``#3``… suffix so ids stay unique.
* A ``url`` must be an absolute http(s) URL (``narrascope.io.urls``); any other is dropped with a warning.
* Inside folders, hidden files and folders (``.name``) are skipped; any other file with an unsupported extension is
  reported as a ``FailedInput``.
"""

from __future__ import annotations

import codecs
import logging
import os
import stat
import warnings
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from narrascope.dates import published_or_none
from narrascope.documents import Document, FailedInput, is_blank
from narrascope.errors import InputError
from narrascope.io.rows import check_unicode, csv_records, decode_utf8, jsonl_line_limit, jsonl_values
from narrascope.io.semeval_layout import LANGUAGE_CODES, is_semeval_folder, language_folders, read_raw_document
from narrascope.io.urls import is_http_url
from narrascope.sentences import shorten

log = logging.getLogger(__name__)

MAX_BYTES = 5 * 1024 * 1024
METADATA_FIELDS = ("title", "url", "outlet", "published", "language")

# Leading bytes of common binary formats that end up renamed as text.
_MAGIC = {
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"GIF8": "a GIF image",
    b"%PDF": "a PDF document",
    b"PK\x03\x04": "a ZIP archive (or a .docx/.xlsx file)",
    b"\x1f\x8b": "a gzip archive",
    b"\x7fELF": "an executable",
}

Item = Document | FailedInput


def read_inputs(paths: Iterable[str | Path], max_bytes: int = MAX_BYTES, skip: Iterable[str | Path] = ()) -> Iterator[Item]:
    """Documents from files and folders (recursively), in a stable order; unreadable inputs as ``FailedInput``.
    The files ``skip`` (the output being written, say) are never read: left out of folders, reported when named."""
    seen: dict[str, int] = {}
    skipped = {Path(p).resolve() for p in skip}
    for path in paths:
        if skipped and Path(path).resolve() in skipped:
            yield FailedInput(str(path), "this is the output file of the run; not read as an input")
            continue
        for item in _read_path(Path(path), max_bytes, skipped=skipped):
            if isinstance(item, Document):
                item.id = _unique(item.id, seen)
            yield item


def _unique(doc_id: str, seen: dict[str, int]) -> str:
    count = seen.get(doc_id, 0) + 1
    seen[doc_id] = count
    if count == 1:
        return doc_id
    candidate = f"{doc_id}#{count}"
    while candidate in seen:
        count += 1
        candidate = f"{doc_id}#{count}"
    seen[doc_id] = count
    seen[candidate] = 1
    return candidate


def printable_path(path: Path | str) -> str:
    """``path`` as text that can be printed and stored: bytes of a file name that are not UTF-8 (kept by Python as
    lone surrogates) are shown escaped, ``bad\\xffname.txt``."""
    return os.fsencode(path).decode("utf-8", errors="backslashreplace")  # pragma: no mutate -- codec names ignore case


def _read_path(path: Path, max_bytes: int, visited: set[Path] | None = None,
               skipped: frozenset[Path] | set[Path] = frozenset()) -> Iterator[Item]:
    try:
        str(path).encode("utf-8")
    except UnicodeEncodeError:
        yield FailedInput(printable_path(path), "file name is not valid UTF-8; rename the file (or folder)")
        return
    if path.is_dir():
        visited = set() if visited is None else visited
        real = path.resolve()
        if real in visited:
            return
        visited.add(real)
        if is_semeval_folder(path):
            yield from read_semeval_documents(path, max_bytes)
            return
        try:
            children = sorted(path.iterdir())
        except OSError as exc:
            yield FailedInput(str(path), f"cannot list folder ({exc.strerror})")
            return
        for child in children:
            if child.name.startswith(".") or (skipped and child.resolve() in skipped):
                continue
            yield from _read_path(child, max_bytes, visited, skipped)
        return
    if not path.exists():
        yield FailedInput(str(path), "no such file or folder")
        return
    yield from read_file(path, max_bytes)


def read_file(path: Path | str, max_bytes: int = MAX_BYTES) -> Iterator[Item]:
    """The document(s) of one file, read by the reader registered for its suffix (``narrascope.registry.readers``);
    failures as ``FailedInput``."""
    from narrascope.registry import readers

    path = Path(path)
    suffix = path.suffix.lower()
    known = readers.names()
    if suffix not in known:
        kind = f"'{path.suffix}'" if path.suffix else "without an extension"
        yield FailedInput(str(path), f"unsupported file type {kind}; supported: {', '.join(known)}")
        return
    try:
        special = _special_kind(path.stat().st_mode)
        if special:  # reading a FIFO would wait for a writer forever
            yield FailedInput(str(path), f"not a regular file ({special}); only files and folders are read")
            return
        yield from readers.get(suffix)(path, max_bytes)
    except InputError as exc:
        yield FailedInput(str(path), exc.reason, line=exc.line)
    except OSError as exc:
        yield FailedInput(str(path), f"cannot read ({exc.strerror or exc})")


def _special_kind(mode: int) -> str | None:
    for test, kind in ((stat.S_ISFIFO, "a named pipe"), (stat.S_ISSOCK, "a socket"), (stat.S_ISCHR, "a device"),
                       (stat.S_ISBLK, "a device")):
        if test(mode):
            return kind
    return None


def read_text_file(path: Path, max_bytes: int = MAX_BYTES) -> Iterator[Item]:
    """The reader of ``.txt`` files: one document."""
    yield read_text(path, max_bytes)


def read_html_file(path: Path, max_bytes: int = MAX_BYTES) -> Iterator[Item]:
    """The reader of ``.html``/``.htm`` files: one document (main text and metadata by trafilatura)."""
    yield read_html(path, max_bytes)


def read_jsonl_file(path: Path, max_bytes: int = MAX_BYTES) -> Iterator[Item]:
    """The reader of ``.jsonl`` files: a document per line."""
    _check_not_binary(path)
    yield from read_jsonl(path, max_bytes)


def read_csv_file(path: Path, max_bytes: int = MAX_BYTES) -> Iterator[Item]:
    """The reader of ``.csv`` files: a document per row."""
    _check_not_binary(path)
    yield from read_csv(path, max_bytes)


def _check_size(path: Path, max_bytes: int) -> int:
    size = path.stat().st_size
    if size > max_bytes:
        raise InputError(
            f"file is {size / 1_048_576:.1f} MB, over the {max_bytes / 1_048_576:.1f} MB limit; split it or raise max_bytes",
            str(path),
        )
    if size == 0:
        raise InputError("empty file", str(path))
    return size


def _binary_kind(head: bytes) -> str | None:
    for magic, kind in _MAGIC.items():
        if head.startswith(magic):
            return kind
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return None  # UTF-16 text: reported by the decoder check
    if b"\x00" in head:
        return "binary data (NUL bytes)"
    return None


def _check_not_binary(path: Path, head: bytes | None = None) -> None:
    if head is None:
        with open(path, "rb") as handle:
            head = handle.read(8192)
    kind = _binary_kind(head[:8192])
    if kind:
        raise InputError(f"not a text file: looks like {kind}", str(path))


def _title_of(text: str, max_chars: int = 200) -> str | None:
    """The first non-empty line, cut at a word boundary when it runs long (a first paragraph, not a headline)."""
    line = next((line.strip() for line in text.splitlines() if line.strip()), None)
    return None if line is None else shorten(line, max_chars)


def read_text(path: Path | str, max_bytes: int = MAX_BYTES) -> Document:
    """One ``.txt`` article; the first non-empty line is the title. Line endings are kept byte for byte."""
    path = Path(path)
    _check_size(path, max_bytes)
    data = path.read_bytes()
    _check_not_binary(path, data[:8192])
    text = decode_utf8(data, path)
    if is_blank(text):
        raise InputError("empty file (only whitespace or invisible characters)", str(path))
    return Document(id=path.stem, text=text, title=_title_of(text), source=str(path))


def read_html(path: Path | str, max_bytes: int = MAX_BYTES) -> Document:
    """The main text of an HTML page with its title, canonical URL, site name and publication date (trafilatura)."""
    import trafilatura

    path = Path(path)
    _check_size(path, max_bytes)
    data = path.read_bytes()
    _check_not_binary(path, data[:8192])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        extracted = trafilatura.bare_extraction(data, with_metadata=True, favor_recall=True)
    meta: dict[str, Any] = {}
    if extracted is not None:
        meta = extracted.as_dict() if hasattr(extracted, "as_dict") else dict(extracted)
    text = (meta.get("text") or "").strip()
    if not text:
        raise InputError("no main text found in the HTML page", str(path))
    return Document(
        id=path.stem,
        text=text,
        title=meta.get("title") or _title_of(text),
        url=_web_url(meta.get("url") or None, str(path)),
        outlet=meta.get("sitename") or meta.get("hostname") or None,
        published=published_or_none(meta.get("date"), str(path)),
        language=None,
        source=str(path),
    )


def _web_url(url: str | None, where: str) -> str | None:
    """``url`` when it is an http(s) URL; any other (``javascript:``, relative…) is dropped with a warning."""
    if url is None or is_http_url(url):
        return url
    log.warning("%s: url %r is not an http(s) URL; dropped", where, url[:200])
    return None


def _row_document(path: Path, line: int, row: dict[str, Any], max_bytes: int) -> Document:
    """A document from one JSONL object or CSV row, validated; ``InputError`` names the line otherwise."""
    text = row.get("text")
    if text is None:
        raise InputError("no 'text' field", str(path), line)
    if not isinstance(text, str):
        raise InputError(f"'text' must be a string, not {type(text).__name__}", str(path), line)
    check_unicode("text", text, path, line)
    if is_blank(text):
        raise InputError("empty 'text'", str(path), line)
    size = len(text.encode("utf-8"))
    if size > max_bytes:
        raise InputError(f"text is {size / 1_048_576:.1f} MB, over the {max_bytes / 1_048_576:.1f} MB limit", str(path), line)
    values: dict[str, str | None] = {}
    for name in ("id",) + METADATA_FIELDS:
        value = row.get(name)
        if isinstance(value, (dict, list)):
            raise InputError(f"'{name}' must be a string, not {type(value).__name__}", str(path), line)
        if isinstance(value, str):
            check_unicode(name, value, path, line)
        values[name] = (str(value).strip() or None) if value is not None else None
    language = values["language"].lower() if values["language"] else None
    return Document(
        id=values["id"] or f"{path.name}:{line}",
        text=text,
        title=values["title"] or _title_of(text),
        url=_web_url(values["url"], f"{path}:{line}"),
        outlet=values["outlet"],
        published=published_or_none(values["published"], f"{path}:{line}"),
        language=language,
        source=f"{path}:{line}",
    )


def _row_failure(path: Path, exc: InputError, line: int, row_id: Any = None) -> FailedInput:
    doc_id = str(row_id).strip() if isinstance(row_id, (str, int)) and _printable_id(row_id) else f"{path.name}:{line}"
    return FailedInput(str(path), exc.reason, line=exc.line or line, id=doc_id)


def _printable_id(row_id: str | int) -> bool:
    try:
        return bool(str(row_id).strip().encode("utf-8"))
    except (UnicodeEncodeError, ValueError):  # a lone surrogate; an int too long to print
        return False


def read_jsonl(path: Path | str, max_bytes: int = MAX_BYTES) -> Iterator[Item]:
    """One document per JSON object line (``text`` required; ``id`` and metadata optional); blank lines skipped.
    A line longer than ``jsonl_line_limit(max_bytes)`` fails without being read into memory."""
    path = Path(path)
    found = False
    for line, data in jsonl_values(path, jsonl_line_limit(max_bytes)):
        found = True
        try:
            if isinstance(data, InputError):
                raise data
            if not isinstance(data, dict):
                raise InputError(f"expected a JSON object, got {type(data).__name__}", str(path), line)
            yield _row_document(path, line, data, max_bytes)
        except InputError as exc:
            yield _row_failure(path, exc, line, data.get("id") if isinstance(data, dict) else None)
    if not found:
        yield FailedInput(str(path), "empty file")


def csv_row_limit(max_bytes: int) -> int:
    """The largest CSV record read into memory: a text of ``max_bytes`` with every quote doubled, plus metadata."""
    return 2 * max_bytes + 1_048_576


def read_csv(path: Path | str, max_bytes: int = MAX_BYTES) -> Iterator[Item]:
    """One document per CSV row; the header must name a ``text`` column (``id`` and metadata columns optional).

    Line numbers are those of the row's first physical line (the header is line 1). A row that is not UTF-8, that
    ``csv`` cannot parse or that is larger than ``csv_row_limit(max_bytes)`` fails alone; the other rows are still
    read.
    """
    path = Path(path)
    records = csv_records(path, csv_row_limit(max_bytes))
    first = next(records, None)
    if first is None:
        yield FailedInput(str(path), "empty file")
        return
    if isinstance(first[1], InputError):
        yield FailedInput(str(path), f"header {first[1].reason}", line=first[0])
        return
    columns = [name.strip().lower() for name in first[1]]
    if "text" not in columns:
        shown = ", ".join(repr(c) for c in columns[:10])
        yield FailedInput(str(path), f"no 'text' column in the header (columns: {shown})", line=1)
        return
    rows = 0
    for line, fields in records:
        if isinstance(fields, list) and not any(field.strip() for field in fields):
            continue
        rows += 1
        if isinstance(fields, InputError):
            yield _row_failure(path, fields, line)
        elif len(fields) != len(columns):
            exc = InputError(f"row has {len(fields)} fields, the header has {len(columns)}", str(path), line)
            yield _row_failure(path, exc, line)
        else:
            row = dict(zip(columns, fields))
            try:
                yield _row_document(path, line, row, max_bytes)
            except InputError as exc:
                yield _row_failure(path, exc, line, row.get("id"))
    if not rows:
        yield FailedInput(str(path), "no rows after the header", line=1)


def read_semeval_documents(path: Path | str, max_bytes: int = MAX_BYTES) -> Iterator[Item]:
    """The raw documents of a SemEval language or release folder, with the folder's language (annotations ignored).

    Ids are the file names (``EN_UA_001.txt``), as in the official annotation and submission files.
    """
    for folder in language_folders(path):
        language = LANGUAGE_CODES.get(folder.name.upper(), folder.name.lower())
        for doc_path in sorted((folder / "raw-documents").glob("*.txt")):
            try:
                _check_size(doc_path, max_bytes)
                _check_not_binary(doc_path)
                yield read_raw_document(doc_path, language=language)
            except InputError as exc:
                yield FailedInput(str(doc_path), exc.reason)
            except OSError as exc:
                yield FailedInput(str(doc_path), f"cannot read ({exc.strerror or exc})")
