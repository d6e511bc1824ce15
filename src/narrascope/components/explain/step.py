"""The ``explain`` step: choose each analysis' dominant narrative and explain it with the configured explainer."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from narrascope.components.explain.explainers import Explainer, default_embedder
from narrascope.documents import Analysis, Document, Evidence
from narrascope.registry import explainers as explainer_registry
from narrascope.taxonomy import OTHER, Taxonomy


def dominant_narrative(analysis: Analysis, taxonomy: Taxonomy | None = None) -> tuple[str, str | None, list[Evidence]] | None:
    """The dominant ``(narrative, subnarrative, evidence)`` of a classified analysis, or ``None`` without labels.

    The narrative is the highest-scoring non-``Other`` coarse label with evidence (labels without evidence only when
    none has any; subnarratives stand in for a missing coarse label); the subnarrative is the best one of that
    narrative, ``None`` when it has none or only ``<Narrative>: Other``. Ties go to the label that sorts first.
    """

    def parent(label: str) -> str:  # without a taxonomy: the label up to its last ": "
        try:
            if taxonomy is not None:
                return taxonomy.parent(label)
        except KeyError:
            pass
        return label.rsplit(": ", 1)[0]

    subs = [s for s in analysis.subnarratives if s.label != OTHER]
    coarse = [n for n in analysis.narratives if n.label != OTHER]
    candidates = [(n.score, n.label, list(n.evidence)) for n in coarse]
    known = {n.label for n in coarse}
    candidates += [(s.score, parent(s.label), list(s.evidence)) for s in subs if parent(s.label) not in known]
    if not candidates:
        return None
    with_evidence = [c for c in candidates if c[2]] or candidates
    _, narrative, evidence = min(with_evidence, key=lambda c: (-c[0], c[1]))
    children = sorted((s for s in subs if parent(s.label) == narrative), key=lambda s: (not s.evidence, -s.score, s.label))
    sub = children[0] if children else None
    if sub is not None:
        evidence = list(sub.evidence) + [e for e in evidence if e not in sub.evidence]
    sub_label = sub.label if sub is not None and not sub.label.endswith(f": {OTHER}") else None
    return narrative, sub_label, evidence


class ExplainStep:
    """Pipeline step (registered as ``explain``): explain each document's dominant narrative into ``Analysis.explanation``.

    ``dominant`` maps document ids to ``(narrative, subnarrative)`` (or objects with those attributes, e.g. an official
    dominant-narratives file read by ``narrascope.semeval.read_subtask3``); other documents use the classifier's
    labels, which then must come from an earlier ``narratives`` step. ``taxonomy`` (default:
    the narratives model's, handed over by the pipeline through ``use_taxonomy``) describes the labels; without one,
    the explainer sees the label names only.
    """

    name = "explain"
    assigns: tuple[str, ...] = ("explanation",)

    def __init__(self, explainer: str | Explainer = "extractive", dominant: Mapping[str, Any] | None = None,
                 taxonomy: Taxonomy | None = None, **options: Any) -> None:
        self.taxonomy = taxonomy
        if isinstance(explainer, str):
            if explainer in ("extractive", "llm") and taxonomy is not None:
                options.setdefault("taxonomy", taxonomy)
            if explainer == "extractive" and "embedder" not in options:
                options["embedder"] = default_embedder()
            self.explainer: Explainer = explainer_registry.create(explainer, **options)
        else:
            self.explainer = explainer
        self.dominant: dict[str, tuple[str, str | None]] = {}
        for doc_id, value in (dominant or {}).items():
            self.dominant[doc_id] = (value.narrative, value.subnarrative) if hasattr(value, "narrative") else tuple(value)

    @property
    def requires(self) -> tuple[str, ...]:
        """The narratives of an earlier step, unless every dominant narrative was given."""
        return () if self.dominant else ("narratives",)

    def use_taxonomy(self, taxonomy: Taxonomy) -> None:
        """Describe labels with ``taxonomy`` (the narratives model's) unless one was given explicitly."""
        if self.taxonomy is None:
            self.taxonomy = taxonomy
            for explainer in (self.explainer, getattr(self.explainer, "fallback", None)):  # the LLM's fallback too
                if getattr(explainer, "taxonomy", False) is None:
                    explainer.taxonomy = taxonomy  # type: ignore[union-attr]

    def __call__(self, documents: Sequence[Document], analyses: Sequence[Analysis]) -> None:
        for doc, analysis in zip(documents, analyses):
            if doc.id in self.dominant:
                narrative, sub = self.dominant[doc.id]
                evidence = [e for label in analysis.narratives + analysis.subnarratives if label.label in (narrative, sub) for e in label.evidence]
            else:
                chosen = dominant_narrative(analysis, self.taxonomy)
                if chosen is None:
                    if not analysis.narratives and not analysis.subnarratives:
                        analysis.warnings.append("explain: no narrative labels; run the narratives step before explain")
                    continue
                narrative, sub, evidence = chosen
            analysis.explanation = self.explainer.explain(doc, narrative, sub, evidence, analysis.warnings)
