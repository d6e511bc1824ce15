"""The official SemEval tasks run end to end from their input files: frame the mentions of a subtask-1
``entity-mentions`` file, explain the dominant narratives of a subtask-3 input file (``id<TAB>explanation`` of at
most 80 words). The components do the work; this adapter reads and orders the official files."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from narrascope.annotations import MentionAnnotation
from narrascope.components.entities.framer import EntityFramer, shipped_framer
from narrascope.components.entities.step import frame_mentions
from narrascope.components.explain.explainers import ExtractiveExplainer, default_embedder
from narrascope.documents import Document
from narrascope.errors import InputError
from narrascope.io.semeval_layout import is_semeval_folder, read_raw_document
from narrascope.registry import explainers as explainer_registry
from narrascope.taxonomy import load_default_taxonomy
from narrascope.semeval.io import read_semeval_folder, read_subtask1, read_subtask3
from narrascope.sentences import MAX_EXPLANATION_WORDS


def read_mention_lines(path: Path | str) -> list[MentionAnnotation]:
    """The mentions of an official entity-mentions (or annotation) file, in file order."""
    by_doc = read_subtask1(path, with_roles=False)
    order: list[MentionAnnotation] = []
    cursor = {doc_id: iter(ms) for doc_id, ms in by_doc.items()}
    with open(path, encoding="utf-8", newline="") as handle:
        for line in handle:
            doc_id = line.split("\t", 1)[0].strip()
            if line.strip() and doc_id in cursor:
                order.append(next(cursor[doc_id]))
    return order


def read_documents(path: Path | str) -> dict[str, Document]:
    """Documents by file name from a SemEval folder, a ``raw-documents`` folder or a folder of ``.txt`` files."""
    path = Path(path)
    if is_semeval_folder(path):
        return read_semeval_folder(path, strict=False).documents
    if not path.is_dir():
        raise InputError("not a folder of documents", str(path))
    docs = {p.name: read_raw_document(p) for p in sorted(path.glob("*.txt"))}
    if not docs:
        raise InputError("no .txt documents here", str(path))
    return docs


def frame_mention_file(mentions_path: Path | str, docs: Path | str, model: Path | str | None = None) -> list[MentionAnnotation]:
    """Frame an official ``subtask-1-entity-mentions.txt`` against the documents in ``docs``; input order kept."""
    framer = EntityFramer.load(model) if model else shipped_framer()
    return frame_mentions(read_documents(docs), read_mention_lines(mentions_path), framer, source=str(mentions_path))


def explain_dominant_file(dominant_path: Path | str, docs: Path | str, explainer: str = "extractive") -> list[tuple[str, str]]:
    """``(id, explanation)`` for each line of an official ``subtask-3-dominant-narratives.txt`` (id, narrative,
    subnarrative or ``none``), in file order, against the articles in ``docs`` (a SemEval language folder, its
    ``raw-documents`` or a folder of ``<id>.txt``). ``explainer`` is a registered explainer name (``extractive``,
    ``llm``). Explanations are cut to ``MAX_EXPLANATION_WORDS`` (80) words."""
    dominant = read_subtask3(dominant_path, with_explanations=False)
    lines = _line_numbers(Path(dominant_path))
    documents = read_documents(docs)
    options: dict[str, object] = {}
    if explainer in ("extractive", "llm"):
        options["taxonomy"] = load_default_taxonomy()  # the official files use SemEval's labels
    if explainer == "extractive":
        options["embedder"] = default_embedder()
    model = explainer_registry.create(explainer, **options)
    return explain_dominant(documents, {i: (a.narrative, a.subnarrative) for i, a in dominant.items()}, model,
                            source=str(dominant_path), lines=lines)


def explain_dominant(documents: Mapping[str, Document], dominant: Mapping[str, tuple[str, str | None]],
                     explainer: object | None = None, source: str = "dominant narratives",
                     lines: Mapping[str, int] | None = None) -> list[tuple[str, str]]:
    """``(id, explanation)`` for each ``{id: (narrative, subnarrative)}`` in ``dominant``; an id missing from
    ``documents`` fails with ``source`` and its line."""
    model = explainer or ExtractiveExplainer(embedder=default_embedder(), taxonomy=load_default_taxonomy())
    results = []
    for number, (doc_id, (narrative, subnarrative)) in enumerate(dominant.items(), 1):
        doc = documents.get(doc_id)
        if doc is None:
            raise InputError(f"document {doc_id!r} is not among the documents given (--docs)", source,
                             (lines or {}).get(doc_id, number))
        text = model.explain(doc, narrative, subnarrative).text  # type: ignore[attr-defined]
        results.append((doc_id, " ".join(text.split()[:MAX_EXPLANATION_WORDS])))
    return results


def _line_numbers(path: Path) -> dict[str, int]:
    """The 1-based line of each id in a tab-separated file (its first occurrence)."""
    numbers: dict[str, int] = {}
    with open(path, encoding="utf-8", errors="replace", newline="") as handle:
        for number, line in enumerate(handle, 1):
            numbers.setdefault(line.split("\t", 1)[0].strip(), number)
    return numbers
