"""The project's own training supplement: short hand-written articles the SemEval release lacks (neutral reports
outside English, climate articles in Russian, Bulgarian and Hindi, articles in languages without training data),
labelled with the SemEval taxonomy. How it was written and its counts: ``README.md`` beside this file. It is kept
apart from the stance test set (``tests/data/stance``) and is never scored."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from narrascope.annotations import NarrativeAnnotation
from narrascope.documents import Document
from narrascope.errors import InputError
from narrascope.taxonomy import Taxonomy

SUPPLEMENT = Path(__file__).resolve().parent / "articles.jsonl"


def _rows(path: Path) -> Iterator[tuple[int, str, str, str | None, list[str], list[str]]]:
    """``(line number, id, text, language, narratives, subnarratives)`` of each row; a malformed row is an
    ``InputError`` naming the line."""
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            doc_id, text = str(row["id"]), str(row["text"])
            narratives, subnarratives = list(row["narratives"]), list(row["subnarratives"])
        except (ValueError, KeyError, TypeError) as exc:
            raise InputError(f"bad supplement row ({exc})", str(path), number) from exc
        yield number, doc_id, text, row.get("language"), narratives, subnarratives


def supplement_labels(path: Path | str = SUPPLEMENT) -> set[str]:
    """Every label the supplement uses (its narratives and subnarratives, ``Other`` included)."""
    return {label for *_, narratives, subnarratives in _rows(Path(path)) for label in narratives + subnarratives}


def read_supplement(taxonomy: Taxonomy, path: Path | str = SUPPLEMENT) -> tuple[list[Document], list[NarrativeAnnotation]]:
    """Documents and labels of the supplement; a label outside ``taxonomy`` is an ``InputError`` naming the line."""
    path = Path(path)
    known = {*taxonomy.coarse_labels, *taxonomy.fine_labels, "Other"}
    docs: list[Document] = []
    labels: list[NarrativeAnnotation] = []
    for number, doc_id, text, language, narratives, subnarratives in _rows(path):
        unknown = [label for label in narratives + subnarratives if label not in known]
        if unknown:
            raise InputError(f"labels not in the taxonomy: {unknown}", str(path), number)
        docs.append(Document(id=f"supplement:{doc_id}", text=text, language=language))
        labels.append(NarrativeAnnotation(f"supplement:{doc_id}", narratives, subnarratives))
    return docs, labels
