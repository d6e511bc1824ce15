"""Official metrics: equivalence with scikit-learn, hand-computed examples and properties."""

from __future__ import annotations

import warnings

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import f1_score
from sklearn.preprocessing import MultiLabelBinarizer

from narrascope.semeval.io import ExplanationAnnotation, MentionAnnotation, NarrativeAnnotation
from narrascope.semeval.metrics import (
    official_class_lists,
    score_subtask1,
    score_subtask2,
    score_subtask3,
    similarities,
    token_f1_similarity,
    word_tokens,
)

CLASSES = ["A", "A: x", "A: y", "B", "B: z", "Other"]
LABEL = st.sampled_from(CLASSES + ["not-listed"])
LABEL_SET = st.lists(LABEL, max_size=4, unique=True)
DOCS = st.lists(st.tuples(LABEL_SET, LABEL_SET), min_size=1, max_size=8)


def ann(doc_id: str, narratives: list[str], subnarratives: list[str] | None = None) -> NarrativeAnnotation:
    return NarrativeAnnotation(doc_id, narratives, subnarratives if subnarratives is not None else narratives)


def sklearn_f1_samples(gold: list[list[str]], pred: list[list[str]], classes: list[str]) -> float:
    binarizer = MultiLabelBinarizer(classes=classes).fit([classes])
    keep = set(classes)
    y_true = binarizer.transform([[label for label in labels if label in keep] for labels in gold])
    y_pred = binarizer.transform([[label for label in labels if label in keep] for labels in pred])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return float(f1_score(y_true, y_pred, average="samples", zero_division=0))


@settings(max_examples=40, deadline=None)
@given(DOCS)
def test_subtask2_equals_sklearn_f1_samples(docs: list[tuple[list[str], list[str]]]) -> None:
    gold = {f"d{i}": ann(f"d{i}", g) for i, (g, _) in enumerate(docs)}
    pred = {f"d{i}": ann(f"d{i}", p) for i, (_, p) in enumerate(docs)}
    scores = score_subtask2(gold, pred, narratives=CLASSES, subnarratives=CLASSES)
    expected = sklearn_f1_samples([g for g, _ in docs], [p for _, p in docs], CLASSES)
    assert scores.coarse == pytest.approx(expected)
    assert scores.fine == pytest.approx(expected)


def test_both_empty_scores_zero_like_sklearn() -> None:
    gold = {"d0": ann("d0", ["not-listed"]), "d1": ann("d1", ["A"])}
    pred = {"d0": ann("d0", []), "d1": ann("d1", ["A"])}
    scores = score_subtask2(gold, pred, narratives=CLASSES, subnarratives=CLASSES)
    assert scores.fine_per_document == {"d0": 0.0, "d1": 1.0}
    assert scores.fine == pytest.approx(sklearn_f1_samples([["not-listed"], ["A"]], [[], ["A"]], CLASSES)) == 0.5


def test_hand_computed_subtask2_example() -> None:
    nar, sub = official_class_lists()
    n1, n2, n3 = nar[0], nar[1], nar[2]
    s1, s2 = sub[0], sub[1]
    gold = {
        "d1": NarrativeAnnotation("d1", [n1, n2], [s1, s2]),
        "d2": NarrativeAnnotation("d2", ["Other"], ["Other"]),
        "d3": NarrativeAnnotation("d3", [n3], [s1]),
    }
    pred = {
        "d1": NarrativeAnnotation("d1", [n1], [s1, "URW: Not a class: Made up"]),
        "d2": NarrativeAnnotation("d2", ["Other", n1], ["Other"]),
        # d3 has no prediction: scored as empty, and reported
        "x9": NarrativeAnnotation("x9", [n1], [s1]),
    }
    # coarse: d1 gold {n1,n2} pred {n1}: 2*1/(2+1) = 2/3; d2 gold {Other} pred {Other,n1}: 2*1/(1+2) = 2/3;
    #         d3 gold {n3} pred {}: 0.  Mean (2/3 + 2/3 + 0) / 3 = 4/9.
    # fine:   d1 gold {s1,s2} pred {s1} (unlisted label dropped): 2/3; d2: {Other} vs {Other}: 1; d3: 0.
    #         Mean (2/3 + 1 + 0) / 3 = 5/9.
    scores = score_subtask2(gold, pred)
    assert scores.coarse == pytest.approx(4 / 9)
    assert scores.fine == pytest.approx(5 / 9)
    assert scores.n_documents == 3
    assert (scores.missing_predictions, scores.missing_ids) == (1, ["d3"])
    assert (scores.unknown_predictions, scores.unknown_ids) == (1, ["x9"])
    assert any("d3" in w for w in scores.warnings()) and any("x9" in w for w in scores.warnings())


@settings(max_examples=40, deadline=None)
@given(DOCS, st.randoms())
def test_subtask2_properties(docs: list[tuple[list[str], list[str]]], rnd) -> None:
    gold = {f"d{i}": ann(f"d{i}", g) for i, (g, _) in enumerate(docs)}
    pred = {f"d{i}": ann(f"d{i}", p) for i, (_, p) in enumerate(docs)}
    kwargs = {"narratives": CLASSES, "subnarratives": CLASSES}
    scores = score_subtask2(gold, pred, **kwargs)
    assert 0.0 <= scores.coarse <= 1.0 and 0.0 <= scores.fine <= 1.0
    shuffled = {}
    for doc_id, a in pred.items():
        labels = list(a.narratives)
        rnd.shuffle(labels)
        shuffled[doc_id] = ann(doc_id, labels)
    assert score_subtask2(gold, shuffled, **kwargs).coarse == pytest.approx(scores.coarse)
    # perfect prediction: 1 for every document with at least one listed gold label, 0 for the others
    perfect = score_subtask2(gold, gold, **kwargs)
    listed = [any(label in CLASSES for label in g) for g, _ in docs]
    assert perfect.coarse == pytest.approx(sum(listed) / len(listed))


@settings(max_examples=30, deadline=None)
@given(st.lists(st.lists(st.sampled_from(CLASSES), min_size=1, max_size=3, unique=True), min_size=1, max_size=6))
def test_subtask2_perfect_is_one_and_disjoint_is_zero(gold_sets: list[list[str]]) -> None:
    gold = {f"d{i}": ann(f"d{i}", g) for i, g in enumerate(gold_sets)}
    kwargs = {"narratives": CLASSES, "subnarratives": CLASSES}
    assert score_subtask2(gold, gold, **kwargs).fine == 1.0
    disjoint = {i: ann(i, [c for c in CLASSES if c not in a.narratives]) for i, a in gold.items()}
    assert score_subtask2(gold, disjoint, **kwargs).fine == 0.0


def test_subtask2_per_language() -> None:
    gold = {"en1": ann("en1", ["A"]), "en2": ann("en2", ["B"]), "pt1": ann("pt1", ["A"])}
    pred = {"en1": ann("en1", ["A"]), "en2": ann("en2", ["A"]), "pt1": ann("pt1", ["A"])}
    languages = {"en1": "en", "en2": "en", "pt1": "pt"}
    scores = score_subtask2(gold, pred, narratives=CLASSES, subnarratives=CLASSES, languages=languages)
    assert scores.by_language["en"].coarse == pytest.approx(0.5)
    assert scores.by_language["pt"].coarse == 1.0
    assert scores.by_language["en"].n_documents == 2
    assert scores.coarse == pytest.approx(2 / 3)
    assert "by_language" in scores.to_dict() and "fine_per_document" not in scores.to_dict()


def test_official_class_lists_sizes() -> None:
    narratives, subnarratives = official_class_lists()
    assert len(narratives) == 22 and "Other" in narratives
    assert len(subnarratives) == 91 and "Other" in subnarratives
    assert len(set(subnarratives)) == len(subnarratives)


# --- subtask 1 ---


def mention(doc_id: str, start: int, main: str, *fine: str) -> MentionAnnotation:
    return MentionAnnotation(doc_id, "X", start, start + 4, main, list(fine))


def test_hand_computed_subtask1_example() -> None:
    gold = {
        "d1": [mention("d1", 0, "Antagonist", "Deceiver", "Corrupt"), mention("d1", 10, "Innocent", "Victim")],
        "d2": [mention("d2", 5, "Protagonist", "Guardian")],
    }
    pred = {
        "d1": [mention("d1", 0, "Antagonist", "Deceiver"), mention("d1", 10, "Innocent", "Victim")],
        "d2": [mention("d2", 99, "Protagonist", "Guardian")],  # wrong span: the gold mention counts as missed
    }
    # mention 1: roles {Deceiver} vs {Deceiver, Corrupt}: not exact, main right, tp 1
    # mention 2: exact, main right, tp 1; mention 3: no prediction: wrong, tp 0
    # EMR 1/3; precision 2/2 (predicted roles of matched mentions); recall 2/4; F1 2*1*0.5/1.5 = 2/3; main acc 2/3
    scores = score_subtask1(gold, pred)
    assert scores.emr == pytest.approx(1 / 3)
    assert (scores.precision, scores.recall) == (pytest.approx(1.0), pytest.approx(0.5))
    assert scores.f1 == pytest.approx(2 / 3)
    assert scores.main_role_accuracy == pytest.approx(2 / 3)
    assert (scores.n_mentions, scores.missing_predictions, scores.unknown_predictions) == (3, 1, 1)


ROLES = ["Guardian", "Victim", "Deceiver", "Corrupt", "Tyrant"]
MENTIONS = st.lists(
    st.tuples(st.integers(0, 50), st.sampled_from(["Protagonist", "Antagonist", "Innocent"]), st.lists(st.sampled_from(ROLES), min_size=1, max_size=3, unique=True)),
    min_size=1,
    max_size=8,
    unique_by=lambda t: t[0],
)


@settings(max_examples=30, deadline=None)
@given(MENTIONS, st.randoms())
def test_subtask1_properties(rows, rnd) -> None:
    gold = {"d": [mention("d", start, main, *fine) for start, main, fine in rows]}
    perfect = score_subtask1(gold, gold)
    assert perfect.emr == perfect.f1 == perfect.main_role_accuracy == 1.0
    disjoint = {"d": [mention("d", m.start, "Other", *[r for r in ROLES if r not in m.fine_roles]) for m in gold["d"]]}
    worst = score_subtask1(gold, disjoint)
    assert worst.emr == worst.f1 == worst.main_role_accuracy == 0.0
    shuffled = {"d": [mention("d", m.start, m.main_role, *rnd.sample(m.fine_roles, len(m.fine_roles))) for m in reversed(gold["d"])]}
    assert score_subtask1(gold, shuffled).emr == 1.0
    partial = score_subtask1(gold, {"d": gold["d"][::2]})
    assert 0.0 <= partial.emr <= 1.0 and partial.missing_predictions == len(gold["d"]) // 2


# --- subtask 3 ---


def test_word_tokens_strip_punctuation_in_any_script() -> None:
    assert word_tokens("Hello, WORLD! (It's)") == ["hello", "world", "it's"]
    assert word_tokens("Россия — «жертва».") == ["россия", "жертва"]
    assert word_tokens("रूस ने कहा।") == ["रूस", "ने", "कहा"]


def test_token_f1_similarity_values() -> None:
    # "the cat sat" vs "the cat ran away": overlap 2, 2*2/(3+4) = 4/7
    assert token_f1_similarity(["the cat sat", "", "a b"], ["The cat ran away.", "x", "c d"]) == pytest.approx([4 / 7, 0.0, 0.0])
    assert similarities.get("token-f1") is token_f1_similarity


def test_subtask3_scores_missing_and_lengths() -> None:
    gold = {
        "d1": ExplanationAnnotation("d1", "N", None, "the army is weak"),
        "d2": ExplanationAnnotation("d2", "N", None, "prices will rise"),
        "d3": ExplanationAnnotation("d3", "N", None, "nothing"),
    }
    pred = {"d1": "the army is weak", "d2": " ".join(["rise"] * 81), "x": "unknown"}
    scores = score_subtask3(gold, pred)
    # d1: 1.0; d2: overlap 1, 2*1/(81+3) = 1/42; d3 missing: 0
    assert scores.similarity == pytest.approx((1 + 1 / 42) / 3)
    assert (scores.missing_predictions, scores.unknown_predictions) == (1, 1)
    assert (scores.max_words, scores.share_within_limit) == (81, 0.5)
    assert scores.mean_words == pytest.approx((4 + 81) / 2)
    assert "lexical proxy" in scores.similarity_name


def test_subtask3_uses_the_given_similarity() -> None:
    gold = {"d1": "anything", "d2": "else"}
    scores = score_subtask3(gold, {"d1": "a", "d2": "b"}, similarity=lambda p, g: [0.25] * len(p), similarity_name="const")
    assert (scores.similarity, scores.similarity_name) == (0.25, "const")
    with pytest.raises(ValueError, match="2 pairs"):
        score_subtask3(gold, {"d1": "a", "d2": "b"}, similarity=lambda p, g: [1.0])


@settings(max_examples=30, deadline=None)
@given(st.lists(st.text(max_size=40), min_size=1, max_size=5), st.lists(st.text(max_size=40), min_size=1, max_size=5))
def test_token_f1_bounded_and_symmetric(preds: list[str], golds: list[str]) -> None:
    n = min(len(preds), len(golds))
    forward = token_f1_similarity(preds[:n], golds[:n])
    assert all(0.0 <= v <= 1.0 for v in forward)
    assert forward == pytest.approx(token_f1_similarity(golds[:n], preds[:n]))
    assert all(v == 1.0 for v, p in zip(token_f1_similarity(preds, preds), preds) if word_tokens(p))


def test_an_explanation_of_exactly_80_words_is_within_the_limit() -> None:
    gold = {"d1": "g", "d2": "g"}
    pred = {"d1": " ".join(["w"] * 80), "d2": " ".join(["w"] * 81)}
    scores = score_subtask3(gold, pred)
    assert (scores.max_words, scores.share_within_limit) == (81, 0.5)  # 80 words is allowed, 81 is over


def test_token_f1_counts_repeated_words_as_multisets() -> None:
    # "a a b" vs "a a": the two "a"s both match: overlap 2, F1 2*2/(3+2)
    assert token_f1_similarity(["a a b"], ["a a"]) == pytest.approx([0.8])


def test_per_language_scores_count_only_that_languages_predictions() -> None:
    languages = {"en1": "en", "pt1": "pt", "pt2": "pt"}
    gold = {"en1": ann("en1", ["A"]), "pt1": ann("pt1", ["A"]), "pt2": ann("pt2", ["B"])}
    pred = {"en1": ann("en1", ["A"]), "pt1": ann("pt1", ["A"])}  # pt2 has no prediction
    scores = score_subtask2(gold, pred, narratives=CLASSES, subnarratives=CLASSES, languages=languages)
    en, pt = scores.by_language["en"], scores.by_language["pt"]
    assert (en.missing_ids, en.unknown_ids) == ([], [])  # pt1's prediction is not "unknown" to English
    assert (pt.missing_ids, pt.unknown_ids) == (["pt2"], [])
    assert (scores.missing_ids, scores.unknown_ids) == (["pt2"], [])
    explained = score_subtask3({"en1": "x", "pt1": "y"}, {"en1": "x", "pt1": "y"}, languages=languages)
    assert explained.by_language["en"].unknown_predictions == 0 == explained.by_language["pt"].unknown_predictions
