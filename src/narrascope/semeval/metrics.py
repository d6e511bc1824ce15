"""The official SemEval-2025 Task 10 metrics, implemented from the task description.

- Subtask 2: F1 samples over the official class lists (coarse narratives, fine subnarratives). Labels missing from the
  list are dropped; a document whose gold and predicted sets are both empty scores 0; ``Other`` is an ordinary class.
  Equal to ``sklearn.metrics.f1_score(average="samples", zero_division=0)`` over a ``MultiLabelBinarizer`` fitted on
  the class list.
- Subtask 1: exact match ratio (EMR) of the fine-role sets per gold mention, micro precision/recall/F1 over fine
  roles, and main-role accuracy. Predictions are matched to gold mentions by ``(id, start, end)``.
- Subtask 3: mean similarity between predicted and gold explanations through a pluggable ``similarity`` callable
  (the organisers used BERTScore F1, which needs a model we cannot download; the default here is a lexical proxy,
  token F1), plus explanation-length statistics (the limit is 80 words).

Gold documents (or mentions) without a prediction are scored as empty predictions and counted; predictions for ids
that are not in the gold data are counted and ignored.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import Field, asdict, dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, ClassVar

from narrascope.registry import similarities
from narrascope.semeval.io import (
    ExplanationAnnotation,
    MentionAnnotation,
    NarrativeAnnotation,
    read_gold,
    read_subtask1,
    read_subtask2,
    read_subtask3_predictions,
)
from narrascope.sentences import MAX_EXPLANATION_WORDS, word_tokens

DEFAULT_SIMILARITY_NAME = "token-f1 (lexical proxy for BERTScore F1)"

Similarity = Callable[[Sequence[str], Sequence[str]], list[float]]
"""``similarity(predictions, golds) -> scores``: one score in [0, 1] per (prediction, gold) pair."""



@lru_cache(maxsize=1)
def official_class_lists() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The official subtask-2 class lists shipped with narrascope: (22 narratives, 91 subnarratives)."""
    data = resources.files("narrascope.semeval") / "data"

    def read(name: str) -> tuple[str, ...]:
        lines = (data / name).read_text(encoding="utf-8").splitlines()
        return tuple(line.strip() for line in lines if line.strip())

    return read("subtask2_narratives.txt"), read("subtask2_subnarratives.txt")


def _f1(gold: set[str], pred: set[str]) -> float:
    """Binary F1 of one document's label sets; 0 when both are empty (sklearn's ``zero_division=0``)."""
    if not gold and not pred:
        return 0.0
    return 2 * len(gold & pred) / (len(gold) + len(pred))


def _mean(values: Sequence[float]) -> float:
    return sum(values) / len(values) if values else 0.0


def _id_report(gold_ids: Iterable[str], pred_ids: Iterable[str]) -> tuple[list[str], list[str]]:
    """Gold ids without a prediction and predicted ids not in the gold data, both sorted."""
    gold_set, pred_set = set(gold_ids), set(pred_ids)
    return sorted(gold_set - pred_set), sorted(pred_set - gold_set)


def _id_warnings(missing: list[str], unknown: list[str], what: str) -> list[str]:
    def some(ids: list[str]) -> str:
        return ", ".join(ids[:5]) + (", ..." if len(ids) > 5 else "")

    notes = []
    if missing:
        notes.append(f"{len(missing)} gold {what}(s) have no prediction (scored as empty): {some(missing)}")
    if unknown:
        notes.append(f"{len(unknown)} predicted {what}(s) are not in the gold data (ignored): {some(unknown)}")
    return notes


def _group(ids: Iterable[str], languages: Mapping[str, str]) -> dict[str, list[str]]:
    groups: dict[str, list[str]] = {}
    for doc_id in ids:
        groups.setdefault(languages.get(doc_id, "unknown"), []).append(doc_id)
    return dict(sorted(groups.items()))


class _ScoresByLanguage:
    """What the score classes share: ``to_dict()`` with the per-language scores, and ``summary()``, the
    ``headline()`` plus one line per language where there are several."""

    __dataclass_fields__: ClassVar[dict[str, Field[Any]]]
    by_language: Mapping[str, _ScoresByLanguage]

    def headline(self) -> str:
        raise NotImplementedError

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def summary(self) -> str:
        lines = [f"  {lang:<8} {s.summary()}" for lang, s in self.by_language.items() if len(self.by_language) > 1]
        return "\n".join([self.headline()] + lines)


# --- subtask 2 ----------------------------------------------------------------------------------------------------


@dataclass
class Subtask2Scores(_ScoresByLanguage):
    """F1 samples for narratives (coarse) and subnarratives (fine); ``fine`` is the ranking metric."""

    coarse: float
    fine: float
    n_documents: int
    missing_predictions: int = 0
    unknown_predictions: int = 0
    missing_ids: list[str] = field(default_factory=list)
    unknown_ids: list[str] = field(default_factory=list)
    coarse_per_document: dict[str, float] = field(default_factory=dict)
    fine_per_document: dict[str, float] = field(default_factory=dict)
    by_language: dict[str, Subtask2Scores] = field(default_factory=dict)

    def to_dict(self, per_document: bool = False) -> dict[str, Any]:
        data = asdict(self)
        data["by_language"] = {lang: s.to_dict(per_document) for lang, s in self.by_language.items()}
        if not per_document:
            data.pop("coarse_per_document")
            data.pop("fine_per_document")
        return data

    def headline(self) -> str:
        """``F1 samples coarse: 0.550  fine: 0.430  (399 documents)``."""
        return f"F1 samples coarse: {self.coarse:.3f}  fine: {self.fine:.3f}  ({self.n_documents} documents)"

    def warnings(self) -> list[str]:
        return _id_warnings(self.missing_ids, self.unknown_ids, "document")


def score_subtask2(
    gold: Mapping[str, NarrativeAnnotation],
    pred: Mapping[str, NarrativeAnnotation],
    *,
    narratives: Iterable[str] | None = None,
    subnarratives: Iterable[str] | None = None,
    languages: Mapping[str, str] | None = None,
) -> Subtask2Scores:
    """Score subtask-2 predictions against gold over the official class lists (or the given ones).

    ``languages`` (document id → language) adds per-language scores in ``by_language``.
    """
    official_coarse, official_fine = official_class_lists()
    coarse_classes = set(official_coarse if narratives is None else narratives)
    fine_classes = set(official_fine if subnarratives is None else subnarratives)
    coarse: dict[str, float] = {}
    fine: dict[str, float] = {}
    for doc_id, gold_ann in gold.items():
        pred_ann = pred.get(doc_id)
        pred_coarse = set(pred_ann.narratives) if pred_ann else set()
        pred_fine = set(pred_ann.subnarratives) if pred_ann else set()
        coarse[doc_id] = _f1(set(gold_ann.narratives) & coarse_classes, pred_coarse & coarse_classes)
        fine[doc_id] = _f1(set(gold_ann.subnarratives) & fine_classes, pred_fine & fine_classes)
    scores = _subtask2_summary(list(gold), coarse, fine, pred.keys())
    if languages is not None:
        scores.by_language = {
            lang: _subtask2_summary(ids, coarse, fine, [i for i in pred if languages.get(i, "unknown") == lang])
            for lang, ids in _group(gold, languages).items()
        }
    return scores


def _subtask2_summary(
    ids: list[str], coarse: dict[str, float], fine: dict[str, float], pred_ids: Iterable[str]
) -> Subtask2Scores:
    missing, unknown = _id_report(ids, pred_ids)
    return Subtask2Scores(
        coarse=_mean([coarse[i] for i in ids]),
        fine=_mean([fine[i] for i in ids]),
        n_documents=len(ids),
        missing_predictions=len(missing),
        unknown_predictions=len(unknown),
        missing_ids=missing,
        unknown_ids=unknown,
        coarse_per_document={i: coarse[i] for i in ids},
        fine_per_document={i: fine[i] for i in ids},
    )


# --- subtask 1 ----------------------------------------------------------------------------------------------------


@dataclass
class Subtask1Scores(_ScoresByLanguage):
    """Entity-framing scores over gold mentions; ``emr`` is the ranking metric."""

    emr: float
    precision: float
    recall: float
    f1: float
    main_role_accuracy: float
    n_mentions: int
    missing_predictions: int = 0
    unknown_predictions: int = 0
    by_language: dict[str, Subtask1Scores] = field(default_factory=dict)

    def headline(self) -> str:
        """EMR, micro P/R/F1 over fine roles and main-role accuracy."""
        return (
            f"EMR: {self.emr:.3f}  micro P/R/F1: {self.precision:.3f}/{self.recall:.3f}/{self.f1:.3f}  "
            f"main-role accuracy: {self.main_role_accuracy:.3f}  ({self.n_mentions} mentions)"
        )

    def warnings(self) -> list[str]:
        notes = []
        if self.missing_predictions:
            notes.append(f"{self.missing_predictions} gold mention(s) have no prediction (scored as wrong)")
        if self.unknown_predictions:
            notes.append(f"{self.unknown_predictions} predicted mention(s) match no gold (id, start, end) and are ignored")
        return notes


MentionKey = tuple[str, int, int]


def _mention_index(mentions: Mapping[str, Sequence[MentionAnnotation]]) -> dict[MentionKey, MentionAnnotation]:
    """Mentions by ``(id, start, end)``; the first of duplicates wins."""
    index: dict[MentionKey, MentionAnnotation] = {}
    for doc_id, doc_mentions in mentions.items():
        for m in doc_mentions:
            index.setdefault((doc_id, m.start, m.end), m)
    return index


def score_subtask1(
    gold: Mapping[str, Sequence[MentionAnnotation]],
    pred: Mapping[str, Sequence[MentionAnnotation]],
    *,
    languages: Mapping[str, str] | None = None,
) -> Subtask1Scores:
    """Score subtask-1 predictions; a gold mention without a prediction counts as wrong (no roles predicted)."""
    pred_index = _mention_index(pred)
    gold_keys = [(doc_id, m.start, m.end) for doc_id, ms in gold.items() for m in ms]
    gold_mentions = [m for ms in gold.values() for m in ms]
    scores = _subtask1_summary(gold_keys, gold_mentions, pred_index)
    if languages is not None:
        for lang, ids in _group(gold, languages).items():
            wanted = set(ids)
            keys = [k for k in gold_keys if k[0] in wanted]
            pairs = zip(gold_keys, gold_mentions, strict=True)  # pragma: no mutate -- equal lengths: made together
            mentions = [m for k, m in pairs if k[0] in wanted]
            part = {k: m for k, m in pred_index.items() if languages.get(k[0], "unknown") == lang}
            scores.by_language[lang] = _subtask1_summary(keys, mentions, part)
    return scores


def _subtask1_summary(
    keys: list[MentionKey], gold_mentions: list[MentionAnnotation], pred_index: Mapping[MentionKey, MentionAnnotation]
) -> Subtask1Scores:
    exact = main_correct = true_pos = n_pred = n_gold = missing = 0
    pairs = zip(keys, gold_mentions, strict=True)  # pragma: no mutate -- equal lengths: made together by the callers
    for key, g in pairs:
        p = pred_index.get(key)
        gold_roles = set(g.fine_roles)
        pred_roles = set(p.fine_roles) if p else set()
        if p is None:
            missing += 1
        exact += gold_roles == pred_roles and p is not None
        main_correct += p is not None and p.main_role == g.main_role
        true_pos += len(gold_roles & pred_roles)
        n_pred += len(pred_roles)
        n_gold += len(gold_roles)
    precision = true_pos / n_pred if n_pred else 0.0
    recall = true_pos / n_gold if n_gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    n = len(keys)
    return Subtask1Scores(
        emr=exact / n if n else 0.0,
        precision=precision,
        recall=recall,
        f1=f1,
        main_role_accuracy=main_correct / n if n else 0.0,
        n_mentions=n,
        missing_predictions=missing,
        unknown_predictions=len(set(pred_index) - set(keys)),
    )


# --- subtask 3 ----------------------------------------------------------------------------------------------------


def token_f1_similarity(predictions: Sequence[str], golds: Sequence[str]) -> list[float]:
    """Lexical proxy for BERTScore F1: F1 of the overlap of lowercased word-token multisets (0 if either is empty)."""
    scores = []
    for prediction, gold in zip(predictions, golds, strict=True):
        p, g = Counter(word_tokens(prediction)), Counter(word_tokens(gold))
        overlap = sum((p & g).values())
        n_p, n_g = sum(p.values()), sum(g.values())
        scores.append(2 * overlap / (n_p + n_g) if overlap else 0.0)
    return scores


@dataclass
class Subtask3Scores(_ScoresByLanguage):
    """Mean explanation similarity (``similarity_name`` says which proxy) and length statistics of predictions."""

    similarity: float
    similarity_name: str
    n_documents: int
    mean_words: float
    max_words: int
    share_within_limit: float
    missing_predictions: int = 0
    unknown_predictions: int = 0
    missing_ids: list[str] = field(default_factory=list)
    unknown_ids: list[str] = field(default_factory=list)
    by_language: dict[str, Subtask3Scores] = field(default_factory=dict)

    def headline(self) -> str:
        """Mean similarity with the proxy's name and the length statistics."""
        return (
            f"similarity [{self.similarity_name}]: {self.similarity:.3f}  words: mean {self.mean_words:.1f}, "
            f"max {self.max_words}, <= {MAX_EXPLANATION_WORDS}: {100 * self.share_within_limit:.1f}%  ({self.n_documents} documents)"
        )

    def warnings(self) -> list[str]:
        return _id_warnings(self.missing_ids, self.unknown_ids, "document")


def score_subtask3(
    gold: Mapping[str, ExplanationAnnotation | str],
    pred: Mapping[str, str],
    *,
    similarity: Similarity = token_f1_similarity,
    similarity_name: str | None = None,
    languages: Mapping[str, str] | None = None,
) -> Subtask3Scores:
    """Score explanations: a missing prediction scores 0; length statistics cover the predictions made.

    ``share_within_limit`` is the fraction of predicted explanations with at most 80 words (whitespace tokens).
    """
    gold_text = {i: g.explanation if isinstance(g, ExplanationAnnotation) else g for i, g in gold.items()}
    answered = [i for i in gold_text if i in pred]
    values = similarity([pred[i] for i in answered], [gold_text[i] for i in answered]) if answered else []
    if len(values) != len(answered):
        raise ValueError(f"similarity returned {len(values)} scores for {len(answered)} pairs")
    scored = zip(answered, (float(v) for v in values), strict=True)  # pragma: no mutate -- lengths checked above
    per_doc = {i: 0.0 for i in gold_text} | dict(scored)
    default_name = DEFAULT_SIMILARITY_NAME if similarity is token_f1_similarity else None
    name = similarity_name or default_name or str(getattr(similarity, "__name__", "similarity"))
    scores = _subtask3_summary(list(gold_text), per_doc, pred, name)
    if languages is not None:
        scores.by_language = {
            lang: _subtask3_summary(ids, per_doc, {i: t for i, t in pred.items() if languages.get(i, "unknown") == lang}, name)
            for lang, ids in _group(gold_text, languages).items()
        }
    return scores


def _subtask3_summary(ids: list[str], per_doc: Mapping[str, float], pred: Mapping[str, str], name: str) -> Subtask3Scores:
    missing, unknown = _id_report(ids, pred)
    lengths = [len(pred[i].split()) for i in ids if i in pred]
    return Subtask3Scores(
        similarity=_mean([per_doc[i] for i in ids]),
        similarity_name=name,
        n_documents=len(ids),
        mean_words=_mean(lengths),
        max_words=max(lengths, default=0),
        share_within_limit=_mean([n <= MAX_EXPLANATION_WORDS for n in lengths]),
        missing_predictions=len(missing),
        unknown_predictions=len(unknown),
        missing_ids=missing,
        unknown_ids=unknown,
    )


# --- files --------------------------------------------------------------------------------------------------------

Scores = Subtask1Scores | Subtask2Scores | Subtask3Scores


def score_files(subtask: int, gold_path: Path | str, pred_path: Path | str, similarity: str = "token-f1") -> Scores:
    """Score a prediction file against a gold annotation file or SemEval folder (a folder adds per-language scores).

    ``similarity`` names a registered subtask-3 similarity (see ``similarities``).
    """
    gold, languages = read_gold(gold_path, subtask)
    by_language = languages or None
    if subtask == 1:
        return score_subtask1(gold, read_subtask1(pred_path), languages=by_language)
    if subtask == 2:
        return score_subtask2(gold, read_subtask2(pred_path), languages=by_language)
    function = similarities.get(similarity)
    name = None if function is token_f1_similarity else similarity
    return score_subtask3(
        gold, read_subtask3_predictions(pred_path), similarity=function, similarity_name=name, languages=by_language
    )
