"""Explain given dominant narratives: the official SemEval subtask-3 task (its input names one dominant narrative and
subnarrative per article; the answer is ``id<TAB>explanation`` of at most 80 words)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from narrascope.components.explain.explainers import MAX_EXPLANATION_WORDS, ExtractiveExplainer, default_embedder
from narrascope.documents import Document
from narrascope.errors import InputError
from narrascope.registry import explainers as explainer_registry


def explain_dominant_file(dominant_path: Path | str, docs: Path | str, explainer: str = "extractive") -> list[tuple[str, str]]:
    """``(id, explanation)`` for each line of an official ``subtask-3-dominant-narratives.txt`` (id, narrative,
    subnarrative or ``none``), in file order, against the articles in ``docs`` (a SemEval language folder, its
    ``raw-documents`` or a folder of ``<id>.txt``). ``explainer`` is a registered explainer name (``extractive``,
    ``llm``). Explanations are cut to ``MAX_EXPLANATION_WORDS`` (80) words."""
    from narrascope.components.entities.step import read_documents
    from narrascope.semeval.io import read_subtask3

    dominant = read_subtask3(dominant_path, with_explanations=False)
    lines = _line_numbers(Path(dominant_path))
    documents = read_documents(docs)
    model = explainer_registry.create(explainer, **({"embedder": default_embedder()} if explainer == "extractive" else {}))
    return explain_dominant(documents, {i: (a.narrative, a.subnarrative) for i, a in dominant.items()}, model,
                            source=str(dominant_path), lines=lines)


def explain_dominant(documents: Mapping[str, Document], dominant: Mapping[str, tuple[str, str | None]],
                     explainer: object | None = None, source: str = "dominant narratives",
                     lines: Mapping[str, int] | None = None) -> list[tuple[str, str]]:
    """``(id, explanation)`` for each ``{id: (narrative, subnarrative)}`` in ``dominant``; an id missing from
    ``documents`` fails with ``source`` and its line."""
    model = explainer or ExtractiveExplainer(embedder=default_embedder())
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
