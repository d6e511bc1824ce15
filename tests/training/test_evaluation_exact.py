"""Cross-validation details worked out by hand: the per-document F1, the folds by language, the grid point chosen
(ties, the Other gate, per-language thresholds), the table's layout and the progress messages of training."""

from __future__ import annotations

import numpy as np
import pytest

from narrascope.documents import Document
from narrascope.errors import InputError
from narrascope.semeval.io import NarrativeAnnotation, SemevalCorpus
from narrascope.taxonomy import OTHER, Taxonomy, load_default_taxonomy
from narrascope.training import evaluation
from narrascope.training.evaluation import CVResult, scored_classes, train_narratives, tune_thresholds

from .test_label_thresholds import DATA as FEWSHOT
from .test_evaluation import NARRATIVES, SMALL, memorisation_corpus

WEST = NARRATIVES[0]


def test_per_document_f1_is_the_official_one() -> None:
    assert evaluation._f1({"a", "b"}, {"a"}) == pytest.approx(2 / 3)      # 2*1/(2+1)
    assert evaluation._f1({"a", "b", "c"}, {"a", "b"}) == pytest.approx(0.8)  # 2*2/(3+2)
    assert evaluation._f1({"a"}, {"a"}) == 1.0
    assert evaluation._f1({"a"}, {"b"}) == 0.0
    assert evaluation._f1(set(), {"b"}) == 0.0
    assert evaluation._f1(set(), set()) == 0.0                                # nothing to find, nothing found


def test_folds_hold_every_language_evenly_and_only_annotated_documents_with_text() -> None:
    corpus = SemevalCorpus(taxonomy=load_default_taxonomy())
    languages = ["en", "pt", "bg", "ru", "hi"]
    for n, lang in enumerate(languages * 3):
        doc_id = f"{lang}{n:02d}"
        corpus.documents[doc_id] = Document(doc_id, "text", language=lang)
        corpus.narratives[doc_id] = NarrativeAnnotation(doc_id, [OTHER], [OTHER])
    corpus.documents["x-unannotated"] = Document("x-unannotated", "text", language="en")
    corpus.narratives["x-no-text"] = NarrativeAnnotation("x-no-text", [OTHER], [OTHER])
    corpus.documents["zz"] = Document("zz", "text")  # no language: "unknown"
    corpus.narratives["zz"] = NarrativeAnnotation("zz", [OTHER], [OTHER])
    ids, docs, language_of, fold_index = evaluation._split(corpus, 3, seed=0)
    assert ids == sorted(i for i in corpus.documents if i in corpus.narratives) and len(ids) == 16
    assert [d.id for d in docs] == ids and language_of["zz"] == "unknown"
    assert sorted(int(r) for fold in fold_index for r in fold) == list(range(16))
    for fold in fold_index:  # three documents of each language over three folds: one in each
        assert sorted(language_of[ids[r]] for r in fold if ids[r] != "zz") == sorted(languages)


def test_a_corpus_without_annotated_articles_says_which_files_are_missing() -> None:
    with pytest.raises(InputError, match=r"subtask-2-annotations\.txt and its raw-documents/"):
        evaluation.cross_validate_narratives(SemevalCorpus(taxonomy=load_default_taxonomy()), folds=3)


def test_scored_classes_are_the_official_lists_for_semeval_and_every_label_for_a_custom_taxonomy() -> None:
    assert scored_classes(load_default_taxonomy()) == {}
    own = Taxonomy.from_file(FEWSHOT / "taxonomy.yaml")
    assert scored_classes(own) == {"narratives": own.coarse_labels, "subnarratives": own.fine_labels}
    assert own.fine_labels and own.coarse_labels


def test_the_table_lists_languages_in_order_then_all_with_mean_and_std_over_folds() -> None:
    result = CVResult(folds=[
        {"EN": {"coarse": 1.0, "fine": 0.5}, "ALL": {"coarse": 0.5, "fine": 0.2}, "BG": {"coarse": 0.2, "fine": 0.1}},
        {"ALL": {"coarse": 0.7, "fine": 0.4}, "BG": {"coarse": 0.4, "fine": 0.3}},
    ])
    assert list(result.summary()) == ["BG", "EN", "ALL"]
    assert result.summary()["ALL"]["coarse"] == pytest.approx((0.6, 0.1))
    assert result.table().splitlines() == [
        "language           F1 coarse           F1 fine",
        "BG             0.300 ± 0.100      0.200 ± 0.100",
        "EN             1.000 ± 0.000      0.500 ± 0.000",
        "ALL            0.600 ± 0.100      0.300 ± 0.100",
    ]


def _decoder_and_probs(rows: list[tuple[str, str, float, float]]):  # type: ignore[no-untyped-def]
    """(id, gold narrative, WEST probability, Other probability) per document -> corpus, decoder, probabilities."""
    gold = {i: NarrativeAnnotation(i, [label], [f"{label}: Other" if label != OTHER else OTHER]) for i, label, _, _ in rows}
    corpus = SemevalCorpus(documents={i: Document(i, "text", language="en") for i in gold}, narratives=gold,
                           taxonomy=load_default_taxonomy())
    corpus.narratives.setdefault("seen", NarrativeAnnotation("seen", [WEST, OTHER], [f"{WEST}: Other"]))
    decoder = evaluation._decoder(corpus, evaluation.with_taxonomy(corpus))
    assert decoder.coarse_labels_ == sorted([WEST, OTHER])
    coarse = np.zeros((len(rows), 2), dtype=np.float32)
    for r, (_, _, west, other) in enumerate(rows):
        coarse[r, decoder.coarse_labels_.index(WEST)] = west
        coarse[r, decoder.coarse_labels_.index(OTHER)] = other
    fine = np.zeros((len(rows), len(decoder.fine_labels_)), dtype=np.float32)
    return corpus, decoder, (coarse, fine)


def test_a_tie_on_fine_f1_goes_to_the_better_coarse_f1_not_the_first_grid_point() -> None:
    # Every article is Other: fine F1 is 0 at every grid point ("Other" is no official subnarrative). Four articles
    # score WEST 0.34: a coarse threshold of 0.3 labels them WEST (coarse F1 6/10 = 0.6); from 0.4 they fall back, and
    # min_top_prob 0.35 (> 0.34) turns them into Other: coarse F1 1.0, first at (0.4, 0.1, 0.35, no gate).
    rows = [(f"d{r}", OTHER, 0.34 if r < 4 else 0.0, 0.0) for r in range(10)]
    corpus, decoder, probs = _decoder_and_probs(rows)
    tuned = tune_thresholds(decoder, probs, [r[0] for r in rows], corpus.narratives)
    assert tuned["global"] == {"coarse_threshold": 0.4, "fine_threshold": 0.1, "min_top_prob": 0.35, "other_gate": None}
    assert tuned["languages"] == {}
    decoder.label_thresholds = {WEST: 0.05}  # thresholds set before (a loaded model's) play no part in the search
    assert tune_thresholds(decoder, probs, [r[0] for r in rows], corpus.narratives) == tuned


def test_the_other_gate_is_chosen_where_only_it_separates_other_from_a_fallback_narrative() -> None:
    # a: Other, WEST 0.36 and Other 0.3; b: WEST (0.36), Other 0.0. Without a gate both get WEST at every grid point
    # (0.3 labels both; from 0.4 both fall back to WEST, 0.36 being above every min_top_prob): coarse F1 0.5. Gate 0.3
    # with threshold 0.4 turns a (and only a) into Other: coarse 1.0, fine 0.5 as everywhere.
    rows = [("a1", OTHER, 0.36, 0.3), ("a2", OTHER, 0.36, 0.3), ("b1", WEST, 0.36, 0.0), ("b2", WEST, 0.36, 0.0)]
    corpus, decoder, probs = _decoder_and_probs(rows)
    tuned = tune_thresholds(decoder, probs, [r[0] for r in rows], corpus.narratives)
    assert tuned["global"] == {"coarse_threshold": 0.4, "fine_threshold": 0.1, "min_top_prob": 0.0, "other_gate": 0.3}
    assert decoder.other_gate == 0.3 and decoder.coarse_threshold == 0.4


def test_languages_with_enough_articles_get_their_own_grid_point() -> None:
    # pt articles are the a-rows above (best: gate 0.3 at threshold 0.4), en articles the b-rows (best: the first grid
    # point, which labels WEST at 0.3); one bg article is below min_documents and gets none.
    rows = [("a1", OTHER, 0.36, 0.3), ("a2", OTHER, 0.36, 0.3), ("b1", WEST, 0.36, 0.0), ("b2", WEST, 0.36, 0.0),
            ("c1", WEST, 0.36, 0.0)]
    corpus, decoder, probs = _decoder_and_probs(rows)
    languages = {"a1": "pt", "a2": "pt", "b1": "en", "b2": "en", "c1": "bg"}
    tuned = tune_thresholds(decoder, probs, [r[0] for r in rows], corpus.narratives, languages, min_documents=2)
    assert tuned["languages"] == {
        "en": {"coarse_threshold": 0.3, "fine_threshold": 0.1, "min_top_prob": 0.0, "other_gate": None},
        "pt": {"coarse_threshold": 0.4, "fine_threshold": 0.1, "min_top_prob": 0.0, "other_gate": 0.3},
    }
    assert decoder.language_thresholds == tuned["languages"]
    assert [decoder.decode(c, f, languages[i]).annotation(i).narratives
            for i, c, f in zip([r[0] for r in rows], *probs)] == [[OTHER], [OTHER], [WEST], [WEST], [WEST]]


def test_training_reports_each_model_it_trains() -> None:
    messages: list[str] = []
    train_narratives(memorisation_corpus(n=30), folds=3, make_model=lambda: evaluation.NarrativeClassifier(**SMALL),
                     progress=messages.append)
    assert messages == ["fold 1/3 trained", "fold 2/3 trained", "fold 3/3 trained",
                        "threshold-tuning model 1/3 trained", "threshold-tuning model 2/3 trained",
                        "threshold-tuning model 3/3 trained"]


def test_the_final_model_scores_its_rare_labels_with_prototypes_fitted_on_the_training_articles() -> None:
    corpus = memorisation_corpus(n=30)
    count = {label: sum(label in a.narratives for a in corpus.narratives.values()) for label in NARRATIVES}
    model, _, _ = train_narratives(corpus, folds=2, make_model=lambda: evaluation.NarrativeClassifier(fewshot_below=6,
                                                                                                      **SMALL))
    rare = {label for label in NARRATIVES if count[label] < 6}
    assert rare and rare != set(NARRATIVES)  # the corpus has labels on both sides of the line
    assert model.fewshot_ is not None
    assert set(NARRATIVES) & set(model.fewshot_.labels_) == rare
