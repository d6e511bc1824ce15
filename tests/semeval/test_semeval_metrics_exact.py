"""Official metrics, stated exactly: every field of the score objects, their text and JSON, on hand-computed cases.

Range checks (``0 <= x <= 1``) let a wrong formula pass; these tests compare whole results with values worked out by
hand in the comments.
"""

from __future__ import annotations

import pytest

from narrascope.semeval.io import ExplanationAnnotation, NarrativeAnnotation
from narrascope.semeval.metrics import DEFAULT_SIMILARITY_NAME, score_subtask2, score_subtask3

LANGUAGES = {"en1": "EN", "en2": "EN", "pt1": "PT", "zz": "PT"}


def _explained() -> tuple[dict[str, ExplanationAnnotation | str], dict[str, str]]:
    gold: dict[str, ExplanationAnnotation | str] = {
        "en1": ExplanationAnnotation("en1", "N", None, "the army is weak"),
        "en2": "prices will rise",
        "pt1": "o governo mente",
    }
    pred = {
        "en1": "the army is weak",            # token F1 1
        "pt1": "o governo",                   # overlap 2: 2*2/(2+3) = 0.8
        "zz": "one two three four five six",  # not in the gold: unknown, PT by its language
    }                                         # en2: no prediction, scores 0
    return gold, pred


def test_subtask3_every_field_with_languages_missing_and_unknown_ids() -> None:
    gold, pred = _explained()
    scores = score_subtask3(gold, pred, languages=LANGUAGES)
    assert scores.to_dict() == {
        "similarity": pytest.approx((1 + 0 + 0.8) / 3),
        "similarity_name": DEFAULT_SIMILARITY_NAME,
        "n_documents": 3,
        "mean_words": pytest.approx((4 + 2) / 2),   # lengths of the answered gold ids only (zz is not gold)
        "max_words": 4,
        "share_within_limit": 1.0,
        "missing_predictions": 1,
        "unknown_predictions": 1,
        "missing_ids": ["en2"],
        "unknown_ids": ["zz"],
        "by_language": {
            "EN": {"similarity": 0.5, "similarity_name": DEFAULT_SIMILARITY_NAME, "n_documents": 2, "mean_words": 4.0,
                   "max_words": 4, "share_within_limit": 1.0, "missing_predictions": 1, "unknown_predictions": 0,
                   "missing_ids": ["en2"], "unknown_ids": [], "by_language": {}},
            "PT": {"similarity": pytest.approx(0.8), "similarity_name": DEFAULT_SIMILARITY_NAME, "n_documents": 1,
                   "mean_words": 2.0, "max_words": 2, "share_within_limit": 1.0, "missing_predictions": 0,
                   "unknown_predictions": 1, "missing_ids": [], "unknown_ids": ["zz"], "by_language": {}},
        },
    }
    assert scores.warnings() == ["1 gold document(s) have no prediction (scored as empty): en2",
                                 "1 predicted document(s) are not in the gold data (ignored): zz"]


def test_subtask3_text_summary_is_exact() -> None:
    gold, pred = _explained()
    scores = score_subtask3(gold, pred, languages=LANGUAGES)
    name = DEFAULT_SIMILARITY_NAME
    assert scores.summary() == "\n".join([
        f"similarity [{name}]: 0.600  words: mean 3.0, max 4, <= 80: 100.0%  (3 documents)",
        f"  EN       similarity [{name}]: 0.500  words: mean 4.0, max 4, <= 80: 100.0%  (2 documents)",
        f"  PT       similarity [{name}]: 0.800  words: mean 2.0, max 2, <= 80: 100.0%  (1 documents)",
    ])
    half = score_subtask3({"a": "x", "b": "y"}, {"a": "x", "b": " ".join(["y"] * 81)})   # b: 2*1/(81+1); (1+2/82)/2
    assert half.headline() == f"similarity [{name}]: 0.512  words: mean 41.0, max 81, <= 80: 50.0%  (2 documents)"


def test_one_language_gets_no_per_language_lines() -> None:
    scores = score_subtask3({"a": "x y"}, {"a": "x"}, languages={"a": "EN"})
    assert list(scores.by_language) == ["EN"]
    assert scores.summary() == scores.headline()   # a single language repeats nothing
    assert "\n" not in scores.summary()


def test_unknown_language_groups_ids_without_one() -> None:
    scores = score_subtask3({"a": "x", "b": "x"}, {"a": "x", "b": "x", "c": "x"}, languages={"a": "EN"})
    assert sorted(scores.by_language) == ["EN", "unknown"]
    assert scores.by_language["unknown"].n_documents == 1
    assert scores.by_language["unknown"].unknown_ids == ["c"]   # an id of no known language is 'unknown' too
    assert scores.by_language["EN"].unknown_ids == []


def test_no_predictions_at_all_scores_zero_with_zero_lengths() -> None:
    calls: list[tuple[list[str], list[str]]] = []

    def spy(p: list[str], g: list[str]) -> list[float]:
        calls.append((p, g))
        return [1.0] * len(p)

    scores = score_subtask3({"a": "x", "b": "y"}, {}, similarity=spy, similarity_name="spy")
    assert calls == []   # nothing to compare: the similarity is not even called
    assert (scores.similarity, scores.mean_words, scores.max_words, scores.share_within_limit) == (0.0, 0.0, 0, 0.0)
    assert type(scores.max_words) is int
    assert scores.missing_ids == ["a", "b"]


def test_similarity_names_default_to_the_functions_name() -> None:
    def my_similarity(p: list[str], g: list[str]) -> list[float]:
        return [0.5] * len(p)

    assert score_subtask3({"a": "x"}, {"a": "y"}, similarity=my_similarity).similarity_name == "my_similarity"
    assert score_subtask3({"a": "x"}, {"a": "y"}).similarity_name == DEFAULT_SIMILARITY_NAME
    assert score_subtask3({"a": "x"}, {"a": "y"}, similarity_name="mine").similarity_name == "mine"

    class Nameless:
        def __call__(self, p: list[str], g: list[str]) -> list[float]:
            return [0.5] * len(p)

    assert score_subtask3({"a": "x"}, {"a": "y"}, similarity=Nameless()).similarity_name == "similarity"
    by_lang = score_subtask3({"a": "x"}, {"a": "y"}, similarity=my_similarity, languages={"a": "EN"})
    assert by_lang.by_language["EN"].similarity_name == "my_similarity"


def test_similarity_values_are_paired_with_their_ids_in_gold_order() -> None:
    seen: list[tuple[list[str], list[str]]] = []

    def by_length(p: list[str], g: list[str]) -> list[float]:
        seen.append((list(p), list(g)))
        return [len(x) / 10 for x in p]

    scores = score_subtask3({"b": "gb", "a": "ga", "c": "gc"}, {"a": "1", "c": "333"}, similarity=by_length)
    assert seen == [(["1", "333"], ["ga", "gc"])]
    assert scores.similarity == pytest.approx((0 + 0.1 + 0.3) / 3)


def test_subtask2_dict_and_summary_are_exact() -> None:
    classes = ["A", "A: x", "B", "B: y", "Other"]
    gold = {"en1": NarrativeAnnotation("en1", ["A"], ["A: x"]), "pt1": NarrativeAnnotation("pt1", ["B"], ["B: y"])}
    pred = {"en1": NarrativeAnnotation("en1", ["A", "B"], ["A: x"]), "zz": NarrativeAnnotation("zz", ["A"], ["A: x"])}
    scores = score_subtask2(gold, pred, narratives=classes, subnarratives=classes, languages=LANGUAGES)
    # en1: coarse 2*1/(1+2) = 2/3, fine 1; pt1 missing: 0 and 0
    assert scores.to_dict() == {
        "coarse": pytest.approx(1 / 3), "fine": 0.5, "n_documents": 2, "missing_predictions": 1,
        "unknown_predictions": 1, "missing_ids": ["pt1"], "unknown_ids": ["zz"],
        "by_language": {
            "EN": {"coarse": pytest.approx(2 / 3), "fine": 1.0, "n_documents": 1, "missing_predictions": 0,
                   "unknown_predictions": 0, "missing_ids": [], "unknown_ids": [], "by_language": {}},
            "PT": {"coarse": 0.0, "fine": 0.0, "n_documents": 1, "missing_predictions": 1, "unknown_predictions": 1,
                   "missing_ids": ["pt1"], "unknown_ids": ["zz"], "by_language": {}},
        },
    }
    full = scores.to_dict(per_document=True)
    assert full["coarse_per_document"] == {"en1": pytest.approx(2 / 3), "pt1": 0.0}
    assert full["fine_per_document"] == {"en1": 1.0, "pt1": 0.0}
    assert full["by_language"]["PT"]["fine_per_document"] == {"pt1": 0.0}
    assert scores.summary() == ("F1 samples coarse: 0.333  fine: 0.500  (2 documents)\n"
                                "  EN       F1 samples coarse: 0.667  fine: 1.000  (1 documents)\n"
                                "  PT       F1 samples coarse: 0.000  fine: 0.000  (1 documents)")
    assert scores.warnings() == ["1 gold document(s) have no prediction (scored as empty): pt1",
                                 "1 predicted document(s) are not in the gold data (ignored): zz"]


def test_id_warnings_list_five_ids_then_an_ellipsis() -> None:
    gold = {f"d{i}": "x" for i in range(7)}
    assert score_subtask3(gold, {}).warnings() == [
        "7 gold document(s) have no prediction (scored as empty): d0, d1, d2, d3, d4, ..."]
    six = {f"d{i}": "x" for i in range(6)}
    assert score_subtask3(six, {}).warnings() == [
        "6 gold document(s) have no prediction (scored as empty): d0, d1, d2, d3, d4, ..."]
    five = {f"d{i}": "x" for i in range(5)}
    assert score_subtask3(five, {}).warnings() == [
        "5 gold document(s) have no prediction (scored as empty): d0, d1, d2, d3, d4"]
    assert score_subtask3(five, dict(five)).warnings() == []


def test_subtask1_warnings_name_missing_and_unknown_mentions() -> None:
    from narrascope.semeval.io import MentionAnnotation
    from narrascope.semeval.metrics import score_subtask1

    gold = {"d": [MentionAnnotation("d", "NATO", 0, 4, "Antagonist", ["Instigator"]),
                  MentionAnnotation("d", "Kyiv", 10, 14, "Innocent", ["Victim"])]}
    pred = {"d": [MentionAnnotation("d", "NATO", 0, 4, "Antagonist", ["Instigator"]),
                  MentionAnnotation("d", "Moscow", 20, 26, "Antagonist", ["Saboteur"])]}
    scores = score_subtask1(gold, pred)
    assert scores.warnings() == ["1 gold mention(s) have no prediction (scored as wrong)",
                                 "1 predicted mention(s) match no gold (id, start, end) and are ignored"]
    assert score_subtask1(gold, gold).warnings() == []


def test_token_f1_refuses_lists_of_different_lengths() -> None:
    from narrascope.semeval.metrics import token_f1_similarity

    with pytest.raises(ValueError):
        token_f1_similarity(["a", "b"], ["a"])


def test_subtask1_per_language_unknown_mentions_stay_in_their_documents_language() -> None:
    from narrascope.semeval.io import MentionAnnotation
    from narrascope.semeval.metrics import score_subtask1

    def m(doc: str, start: int, roles: list[str]) -> MentionAnnotation:
        return MentionAnnotation(doc, "X", start, start + 1, "Antagonist", roles)

    gold = {"en1": [m("en1", 0, ["Instigator"])], "pt1": [m("pt1", 0, ["Saboteur"])]}
    pred = {"en1": [m("en1", 0, ["Instigator"])],
            "pt1": [m("pt1", 0, ["Saboteur"]), m("pt1", 5, ["Spy"])],   # a second PT mention matches no gold
            "xx": [m("xx", 0, ["Spy"])]}                                 # a document of no known language
    scores = score_subtask1(gold, pred, languages={"en1": "EN", "pt1": "PT"})
    assert scores.unknown_predictions == 2
    assert {lang: (s.n_mentions, s.unknown_predictions, s.emr) for lang, s in scores.by_language.items()} == {
        "EN": (1, 0, 1.0), "PT": (1, 1, 1.0)}
    with_unknown = score_subtask1({**gold, "xx": [m("xx", 0, ["Spy"])]}, pred, languages={"en1": "EN", "pt1": "PT"})
    assert {lang: (s.n_mentions, s.unknown_predictions, s.emr) for lang, s in with_unknown.by_language.items()} == {
        "EN": (1, 0, 1.0), "PT": (1, 1, 1.0), "unknown": (1, 0, 1.0)}


def test_subtask1_without_gold_mentions_scores_zero_without_dividing_by_zero() -> None:
    from narrascope.semeval.metrics import score_subtask1

    scores = score_subtask1({}, {})
    assert (scores.emr, scores.precision, scores.recall, scores.f1, scores.main_role_accuracy, scores.n_mentions) == (
        0.0, 0.0, 0.0, 0.0, 0.0, 0)


def test_subtask1_file_of_a_mention_without_main_role_is_byte_exact(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from narrascope.semeval.io import MentionAnnotation, write_subtask1

    out = tmp_path / "subtask-1.txt"
    write_subtask1(out, [MentionAnnotation("EN_1.txt", "NATO", 3, 7, None, []),
                         MentionAnnotation("EN_1.txt", "Kyiv", 9, 13, "Innocent", ["Victim", "Martyr"])])
    assert out.read_bytes() == b"EN_1.txt\tNATO\t3\t7\t\t\nEN_1.txt\tKyiv\t9\t13\tInnocent\tVictim\tMartyr\n"
