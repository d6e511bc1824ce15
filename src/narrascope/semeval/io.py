"""Readers and writers for the official SemEval-2025 Task 10 file layout.

Layout of one language folder::

    <LANG>/raw-documents/<id>.txt      the article, read byte-faithfully (newline='')
    <LANG>/subtask-1-annotations.txt   id  mention  start  end  main_role  fine_role [fine_role ...]
    <LANG>/subtask-2-annotations.txt   id  narratives  subnarratives      (labels joined by ';')
    <LANG>/subtask-3-annotations.txt   id  dominant_narrative  dominant_subnarrative  explanation

Subtask-1 offsets are UTF-16 code units into the byte-faithful text (CRLF counts as two characters, and so does an
emoji or any other character outside the Basic Multilingual Plane) and ``end`` is inclusive. ``MentionAnnotation``
keeps the official offsets; ``mention_span`` converts them to Python string offsets (``text[start:end]`` is the
mention) and ``official_span`` converts back. Malformed lines raise ``InputError`` naming the file and the 1-based line
number.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from narrascope.annotations import (  # noqa: F401 - the gold-label types, re-exported with their file formats
    AnnotatedCorpus,
    ExplanationAnnotation,
    MentionAnnotation,
    NarrativeAnnotation,
    index_to_utf16,
    mention_span,
    official_span,
    utf16_to_index,
)
from narrascope.errors import InputError
from narrascope.taxonomy import load_default_taxonomy
from narrascope.io.semeval_layout import (  # noqa: F401 - the folder layout, re-exported
    LANGUAGE_CODES,
    LANGUAGES,
    is_semeval_folder,
    language_folders,
    read_raw_document,
)

SemevalCorpus = AnnotatedCorpus  # the corpus of a SemEval release: documents with their gold labels

log = logging.getLogger(__name__)


def _lines(path: Path) -> Iterator[tuple[int, list[str]]]:
    """Tab-split non-blank lines with their 1-based numbers; undecodable files fail with the path."""
    try:
        # equivalent mutants: lines end at \n, \r or \r\n in either newline mode and lose them below; UTF-8 is the
        # default of a UTF-8 locale
        with open(path, encoding="utf-8", newline="") as handle:  # pragma: no mutate -- see above
            for number, raw in enumerate(handle, 1):
                line = raw.rstrip("\r\n")
                if line.strip():
                    yield number, line.split("\t")
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 at byte {exc.start}; save the file as UTF-8", str(path)) from exc
    except OSError as exc:
        raise InputError(f"cannot read ({exc.strerror})", str(path)) from exc


def split_labels(field_value: str) -> list[str]:
    """Labels of one annotation column (``;``-joined), stripped, order kept, duplicates dropped."""
    labels: list[str] = []
    for label in field_value.split(";"):
        label = label.strip()
        if label and label not in labels:
            labels.append(label)
    return labels


def read_subtask2(path: Path | str) -> dict[str, NarrativeAnnotation]:
    """Read a subtask-2 annotation or prediction file."""
    path = Path(path)
    result: dict[str, NarrativeAnnotation] = {}
    for number, cols in _lines(path):
        if len(cols) != 3:
            raise InputError(f"expected 3 tab-separated fields (id, narratives, subnarratives), found {len(cols)}", str(path), number)
        doc_id = cols[0].strip()
        if not doc_id:
            raise InputError("empty document id", str(path), number)
        if doc_id in result:
            raise InputError(f"document {doc_id!r} appears twice", str(path), number)
        result[doc_id] = NarrativeAnnotation(doc_id, split_labels(cols[1]), split_labels(cols[2]))
    return result


def read_subtask1(path: Path | str, with_roles: bool = True) -> dict[str, list[MentionAnnotation]]:
    """Read a subtask-1 annotation/prediction file, or (``with_roles=False``) an entity-mentions input file."""
    path = Path(path)
    result: dict[str, list[MentionAnnotation]] = {}
    minimum = 6 if with_roles else 4
    for number, cols in _lines(path):
        if len(cols) < minimum:
            what = "id, mention, start, end, main_role, fine_role..." if with_roles else "id, mention, start, end"
            raise InputError(f"expected at least {minimum} tab-separated fields ({what}), found {len(cols)}", str(path), number)
        try:
            start, end = int(cols[2]), int(cols[3])
        except ValueError:
            raise InputError(f"start and end must be integers, found {cols[2]!r} and {cols[3]!r}", str(path), number) from None
        if start < 0 or end < start:
            raise InputError(f"invalid span {start}-{end}", str(path), number)
        if not cols[0].strip():
            raise InputError("empty document id", str(path), number)
        mention = MentionAnnotation(cols[0].strip(), cols[1], start, end)
        if with_roles:
            mention.main_role = cols[4].strip()
            mention.fine_roles = [r.strip() for r in cols[5:] if r.strip()]
            if not mention.fine_roles:
                raise InputError("no fine role given", str(path), number)
        result.setdefault(mention.id, []).append(mention)
    return result


def read_subtask3(path: Path | str, with_explanations: bool = True) -> dict[str, ExplanationAnnotation]:
    """Read a subtask-3 annotation file, or (``with_explanations=False``) a dominant-narratives input file."""
    path = Path(path)
    result: dict[str, ExplanationAnnotation] = {}
    minimum = 4 if with_explanations else 3
    for number, cols in _lines(path):
        if len(cols) < minimum:
            raise InputError(f"expected {minimum} tab-separated fields, found {len(cols)}", str(path), number)
        doc_id, sub = cols[0].strip(), cols[2].strip()
        if not doc_id:
            raise InputError("empty document id", str(path), number)
        if doc_id in result:
            raise InputError(f"document {doc_id!r} appears twice", str(path), number)
        explanation = "\t".join(cols[3:]).strip() if with_explanations else ""
        result[doc_id] = ExplanationAnnotation(doc_id, cols[1].strip(), None if sub.lower() in ("", "none") else sub, explanation)
    return result


def read_subtask3_predictions(path: Path | str) -> dict[str, str]:
    """Read subtask-3 predictions: ``id  explanation`` lines, or the 4-column annotation format (gold as prediction)."""
    path = Path(path)
    result: dict[str, str] = {}
    for number, cols in _lines(path):
        if len(cols) != 2 and len(cols) < 4:
            raise InputError(
                f"expected 2 tab-separated fields (id, explanation) or 4 (annotation format), found {len(cols)}", str(path), number
            )
        doc_id = cols[0].strip()
        if not doc_id:
            raise InputError("empty document id", str(path), number)
        if doc_id in result:
            raise InputError(f"document {doc_id!r} appears twice", str(path), number)
        result[doc_id] = (cols[1] if len(cols) == 2 else "\t".join(cols[3:])).strip()
    return result


def read_semeval_folder(path: Path | str, strict: bool = True) -> SemevalCorpus:
    """Read every language folder under ``path`` with its annotation files.

    An annotated document id with no raw file raises ``InputError`` (``strict``) naming it.
    """
    corpus = SemevalCorpus(taxonomy=load_default_taxonomy())  # the release's labels: SemEval's taxonomy
    for folder in language_folders(path):
        lang = LANGUAGE_CODES.get(folder.name.upper(), folder.name.lower())
        for doc_path in sorted((folder / "raw-documents").glob("*.txt")):
            doc = read_raw_document(doc_path, language=lang)
            corpus.documents[doc.id] = doc
        part = SemevalCorpus()
        if (folder / "subtask-2-annotations.txt").exists():
            part.narratives = read_subtask2(folder / "subtask-2-annotations.txt")
        if (folder / "subtask-1-annotations.txt").exists():
            part.mentions = read_subtask1(folder / "subtask-1-annotations.txt")
        if (folder / "subtask-3-annotations.txt").exists():
            part.explanations = read_subtask3(folder / "subtask-3-annotations.txt")
        if strict:
            for name, ids in (
                ("subtask-2-annotations.txt", part.narratives),
                ("subtask-1-annotations.txt", part.mentions),
                ("subtask-3-annotations.txt", part.explanations),
            ):
                missing = sorted(set(ids) - set(corpus.documents))
                if missing:
                    raise InputError(
                        f"{len(missing)} annotated document id(s) have no file in raw-documents/: {', '.join(missing[:5])}",
                        str(folder / name),
                    )
        corpus.narratives.update(part.narratives)
        corpus.mentions.update(part.mentions)
        corpus.explanations.update(part.explanations)
    return corpus


ANNOTATION_FILES = {1: "subtask-1-annotations.txt", 2: "subtask-2-annotations.txt", 3: "subtask-3-annotations.txt"}


def read_gold(path: Path | str, subtask: int) -> tuple[dict[str, Any], dict[str, str]]:
    """Gold annotations of ``subtask`` (1, 2 or 3) from a file or a SemEval folder, with an id → language map.

    A folder (one language or a release with language folders) yields per-language labels from the folder names;
    a single file maps each id to the language of its parent folder when that is a known language folder.
    """
    if subtask not in ANNOTATION_FILES:
        raise InputError(f"unknown subtask {subtask}; expected 1, 2 or 3")
    readers: dict[int, Callable[[Path], dict[str, Any]]] = {1: read_subtask1, 2: read_subtask2, 3: read_subtask3}
    path = Path(path)
    files = [path] if path.is_file() else [folder / ANNOTATION_FILES[subtask] for folder in language_folders(path)]
    gold: dict[str, Any] = {}
    languages: dict[str, str] = {}
    for file in files:
        if not file.is_file():
            raise InputError(f"no {ANNOTATION_FILES[subtask]} here", str(file.parent))
        part = readers[subtask](file)
        gold.update(part)
        lang = LANGUAGE_CODES.get(file.parent.name.upper())
        if lang:
            languages.update(dict.fromkeys(part, lang))
    return gold, languages


_LINE_BREAKS = re.compile(r"[\t\n\r\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")


def subtask2_line(ann: NarrativeAnnotation) -> str | None:
    """The official subtask-2 line of ``ann`` (an empty label list is ``Other``), or ``None`` with a warning when its
    id holds a tab or a line break, which the tab-separated, line-per-document format cannot hold."""
    if _LINE_BREAKS.search(ann.id):
        log.warning("document id %r holds a tab or a line break, which the SemEval format cannot hold; left out", ann.id)
        return None
    return f"{ann.id}\t{';'.join(ann.narratives) or 'Other'}\t{';'.join(ann.subnarratives) or 'Other'}\n"


def write_subtask2(path: Path | str, annotations: Iterable[NarrativeAnnotation]) -> int:
    """Write subtask-2 predictions in the official format (``subtask2_line``); returns how many documents were left
    out for an id the format cannot hold."""
    skipped = 0
    # equivalent mutants: encoding and newline are the defaults on POSIX with a UTF-8 locale (CI is such a system)
    with open(path, "w", encoding="utf-8", newline="\n") as handle:  # pragma: no mutate -- POSIX, UTF-8 defaults
        for ann in annotations:
            line = subtask2_line(ann)
            if line is None:
                skipped += 1
            else:
                handle.write(line)
    return skipped


def write_subtask1(path: Path | str, mentions: Iterable[MentionAnnotation]) -> None:
    """Write subtask-1 predictions in the official format, in the given (input) order."""
    with open(path, "w", encoding="utf-8", newline="\n") as handle:  # pragma: no mutate -- POSIX, UTF-8 defaults
        for m in mentions:
            roles = "\t".join(m.fine_roles)
            handle.write(f"{m.id}\t{m.mention}\t{m.start}\t{m.end}\t{m.main_role or ''}\t{roles}\n")


def write_subtask3(path: Path | str, explanations: Iterable[tuple[str, str]]) -> None:
    """Write subtask-3 predictions: ``id  explanation`` (newlines and tabs in the text become spaces)."""
    with open(path, "w", encoding="utf-8", newline="\n") as handle:  # pragma: no mutate -- POSIX, UTF-8 defaults
        for doc_id, text in explanations:
            clean = " ".join(text.split())
            handle.write(f"{doc_id}\t{clean}\n")
