"""Training data for ``narrascope train``: labelled CSV/JSONL files and SemEval folders, checked against a taxonomy.

CSV and JSONL rows carry ``id``, ``text``, ``labels`` and optionally ``language``. ``labels`` lists the taxonomy's
labels joined by ``;`` (a JSONL row may give a list instead): a narrative (``Narrative``) or a subnarrative
(``Narrative: Subnarrative``, which implies its narrative); empty or ``Other`` means the article has none. A narrative
without a subnarrative is annotated ``<Narrative>: Other``, as in SemEval's files. A label the taxonomy does not know
is an ``InputError`` naming the file and line (and the closest known label); so is a row without text or a repeated id.
CSV cells that ``export-labels`` protected from spreadsheets (``'=…``, ``narrascope.io.safe_csv``) read back as they
were.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from narrascope.documents import Document
from narrascope.errors import InputError
from narrascope.io.rows import check_unicode, csv_records, jsonl_values
from narrascope.io.safe_csv import restore_cell
from narrascope.semeval.io import LANGUAGE_CODES, NarrativeAnnotation, SemevalCorpus, is_semeval_folder, read_semeval_folder
from narrascope.taxonomy import OTHER, Taxonomy

ROW_SUFFIXES = (".csv", ".jsonl")
ROW_LIMIT = 64 * 1_048_576  # the largest row of a training file read into memory


def annotation_of(doc_id: str, labels: Iterable[str], taxonomy: Taxonomy) -> NarrativeAnnotation:
    """The subtask-2 annotation of mixed narrative/subnarrative ``labels``; ``KeyError(label)`` for an unknown one."""
    narratives: list[str] = []
    subnarratives: list[str] = []
    for label in labels:
        label = label.strip()
        if not label or label == OTHER:
            continue
        if not taxonomy.is_known(label):
            raise KeyError(label)
        if taxonomy.is_fine(label):
            if label not in subnarratives:
                subnarratives.append(label)
            label = taxonomy.parent(label)
        if label not in narratives:
            narratives.append(label)
    if not narratives:
        return NarrativeAnnotation(doc_id, [OTHER], [OTHER])
    for narrative in narratives:
        if not any(taxonomy.parent(s) == narrative for s in subnarratives):
            subnarratives.append(taxonomy.narrative(narrative).other_label)
    return NarrativeAnnotation(doc_id, narratives, subnarratives)


def unknown_label_message(label: str, taxonomy: Taxonomy) -> str:
    close = difflib.get_close_matches(label, sorted(taxonomy.labels - {OTHER}), n=1, cutoff=0.6)
    hint = f"; did you mean {close[0]!r}?" if close else f"; `narrascope taxonomy show` lists them"
    return f"unknown label {label!r}: not in the taxonomy {taxonomy.name!r}{hint}"


def read_training_data(paths: Iterable[Path | str], taxonomy: Taxonomy) -> SemevalCorpus:
    """Documents and annotations from CSV/JSONL files, folders of them and SemEval folders, in ``taxonomy``'s labels."""
    corpus = SemevalCorpus(taxonomy=taxonomy)
    origin: dict[str, str] = {}
    for path in paths:
        for where, doc, annotation in _read_path(Path(path), taxonomy):
            if doc.id in corpus.documents:
                raise InputError(f"document id {doc.id!r} repeated (first at {origin[doc.id]}); ids must be unique",
                                 *where)
            origin[doc.id] = ":".join(map(str, where))
            corpus.documents[doc.id] = doc
            corpus.narratives[doc.id] = annotation
    if not corpus.narratives:
        raise InputError("no labelled documents", ", ".join(map(str, paths)))
    return corpus


Row = tuple[tuple[str, int | None], Document, NarrativeAnnotation]


def _read_path(path: Path, taxonomy: Taxonomy) -> Iterator[Row]:
    if path.is_dir():
        if is_semeval_folder(path):
            yield from _semeval_rows(path, taxonomy)
            return
        files = sorted(p for p in path.rglob("*") if p.suffix.lower() in ROW_SUFFIXES and not p.name.startswith("."))
        if not files:
            raise InputError("no .csv or .jsonl files and not a SemEval folder", str(path))
        for file in files:
            yield from _read_path(file, taxonomy)
        return
    if not path.exists():
        raise InputError("no such file or folder", str(path))
    suffix = path.suffix.lower()
    if suffix not in ROW_SUFFIXES:
        raise InputError(f"unsupported training file type '{path.suffix}'; use .csv, .jsonl or a SemEval folder", str(path))
    rows = _csv_rows(path) if suffix == ".csv" else _jsonl_rows(path)
    for line, row in rows:
        yield _labelled_row(path, line, row, taxonomy)


def _labelled_row(path: Path, line: int, row: dict[str, Any], taxonomy: Taxonomy) -> Row:
    where = (str(path), line)
    text = row.get("text")
    if not isinstance(text, str) or not text.strip():
        raise InputError("no text ('text' missing or empty)", *where)
    for name in ("id", "text", "language", "labels"):
        value = row.get(name)
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, str):
                check_unicode(name, item, *where)
    doc_id = str(row.get("id") or "").strip() or f"{path.name}:{line}"
    if "labels" not in row:
        raise InputError("no 'labels' field (the taxonomy's labels joined by ';'; empty for none)", *where)
    raw = row.get("labels")
    if raw is None:
        raw = ""
    labels = [str(label) for label in raw] if isinstance(raw, list) else str(raw).split(";")
    try:
        annotation = annotation_of(doc_id, labels, taxonomy)
    except KeyError as exc:
        raise InputError(unknown_label_message(str(exc.args[0]), taxonomy), *where) from None
    language = str(row.get("language") or "").strip().lower() or None
    return where, Document(id=doc_id, text=text, language=language, source=f"{path}:{line}"), annotation


def _jsonl_rows(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    for line, row in jsonl_values(path, ROW_LIMIT):
        if isinstance(row, InputError):
            raise row
        if not isinstance(row, dict):
            raise InputError(f"expected a JSON object, got {type(row).__name__}", str(path), line)
        yield line, row


def _csv_rows(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    records = csv_records(path, ROW_LIMIT)
    first = next(records, None)
    if first is None:
        raise InputError("empty file", str(path))
    if isinstance(first[1], InputError):
        raise InputError(f"header {first[1].reason}", str(path), first[0])
    columns = [c.strip().lower() for c in first[1]]
    missing = [c for c in ("text", "labels") if c not in columns]
    if missing:
        raise InputError(f"the header has no {' or '.join(repr(c) for c in missing)} column "
                         f"(columns: {', '.join(columns)})", str(path), 1)
    for start, fields in records:
        if isinstance(fields, InputError):
            raise fields
        if not any(f.strip() for f in fields):
            continue
        if len(fields) != len(columns):
            raise InputError(f"row has {len(fields)} fields, the header has {len(columns)}", str(path), start)
        yield start, dict(zip(columns, map(restore_cell, fields)))


def _semeval_rows(path: Path, taxonomy: Taxonomy) -> Iterator[Row]:
    """A SemEval folder's annotated documents; its labels must belong to ``taxonomy`` too."""
    corpus = read_semeval_folder(path)
    for doc_id, annotation in sorted(corpus.narratives.items()):
        doc = corpus.documents[doc_id]
        for label in annotation.narratives + annotation.subnarratives:
            if not taxonomy.is_known(label):
                file, line = _annotation_line(path, doc_id, doc.language)
                raise InputError(unknown_label_message(label, taxonomy), file, line)
        yield (str(path), None), doc, annotation


def _annotation_line(path: Path, doc_id: str, language: str | None) -> tuple[str, int | None]:
    """File and line of ``doc_id`` in the subtask-2 annotation file of its language folder."""
    codes = {v: k for k, v in LANGUAGE_CODES.items()}
    for folder in [path, path / codes.get(language or "", "")]:
        file = folder / "subtask-2-annotations.txt"
        if file.exists():
            for number, raw in enumerate(file.read_text(encoding="utf-8").splitlines(), 1):
                if raw.split("\t", 1)[0].strip() == doc_id:
                    return str(file), number
    return str(path), None
