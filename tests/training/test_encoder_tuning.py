"""Fine-tuning the e5 head in torch and analysing with it in numpy give the same probabilities; a model with the head
round-trips through save/load and follows it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from narrascope.components.narratives.classifier import NarrativeClassifier
from narrascope.components.narratives.encoder_head import EncoderHead, dequantise_rows, quantise_rows
from narrascope.documents import Document
from narrascope.embeddings.e5_encoder import E5Encoder
from narrascope.errors import ModelError
from narrascope.taxonomy import OTHER, load_default_taxonomy
from tests.components.narratives.test_classifier import tiny_corpus

torch = pytest.importorskip("torch")  # the `train` extra
SEMEVAL = load_default_taxonomy()


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> tuple[NarrativeClassifier, object, list, E5Encoder]:
    from narrascope.training.encoder_tuning import cache_states, train_top

    docs, anns = tiny_corpus()
    model = NarrativeClassifier(taxonomy=SEMEVAL, word_features=2000, char_features=2000).fit(docs, anns)
    labels = model.coarse_labels_ + model.fine_labels_
    encoder = E5Encoder()
    work = tmp_path_factory.mktemp("encoder")
    states = cache_states(encoder, [d.text for d in docs], 11, work / "cache", max_tokens=40, max_chunks=3, block=5)
    again = cache_states(encoder, [d.text for d in docs], 11, work / "cache", max_tokens=40, max_chunks=3, block=5)
    assert all(np.array_equal(a, b) for x, y in zip(states, again) for a, b in zip(x, y))  # read back, not recomputed
    top = train_top(encoder, states, model.label_matrix(anns), labels, 11, epochs=3, batch_docs=4, lr=1e-4,
                    head_lr=2e-2, train_chunks=3, checkpoint=work / "ckpt.pt")
    return model, top, states, encoder


def test_numpy_inference_matches_the_trained_torch_module(trained, tmp_path, monkeypatch) -> None:
    from narrascope.training.encoder_tuning import predict_cached, predict_top

    monkeypatch.setenv("NARRASCOPE_CACHE_DIR", str(tmp_path))  # this throw-away model's graph stays out of the cache

    model, top, states, encoder = trained
    weights = top.export()
    labels = model.coarse_labels_ + model.fine_labels_
    head = EncoderHead(labels, 11, *weights, max_tokens=40, max_chunks=3, backend="numpy")
    torch_p = predict_top(top, states)
    numpy_p = predict_cached(head, encoder, states, 11)
    assert np.abs(torch_p - numpy_p).max() < 2e-3
    docs, _ = tiny_corpus()
    from_text = head.predict_proba([d.text for d in docs])  # the whole route from text, frozen layers included
    assert np.abs(from_text - torch_p).max() < 2e-3
    # analysis's default route, the int8 onnxruntime graph of the same weights: close, not equal
    int8 = EncoderHead(labels, 11, *weights, max_tokens=40, max_chunks=3, backend="int8")
    assert int8.encoder.backend == "int8"
    assert np.abs(int8.predict_proba([d.text for d in docs]) - torch_p).max() < 0.1


def test_the_head_learned_the_labels(trained) -> None:
    from narrascope.training.encoder_tuning import predict_top

    model, top, states, _ = trained
    docs, anns = tiny_corpus()
    P = predict_top(top, states)
    Y = model.label_matrix(anns)
    # every document's gold labels outscore the labels it lacks, on average, after three epochs
    assert (P * Y).sum() / Y.sum() > (P * (1 - Y)).sum() / (1 - Y).sum() + 0.2


def test_a_model_with_the_head_round_trips_and_uses_it(trained, tmp_path: Path) -> None:
    model, top, _, _ = trained
    model.encoder_ = EncoderHead(model.coarse_labels_ + model.fine_labels_, 11, *top.export(), max_tokens=40,
                                 max_chunks=3)
    text = "NATO troops fight in Ukraine and the West provoked the war with Russia."
    model.encoder_blend = 1.0
    only_encoder = model.predict_proba([Document("a", text)])
    model.encoder_blend = 0.0
    only_ngrams = model.predict_proba([Document("a", text)])
    model.encoder_blend = 0.5
    blended = model.predict_proba([Document("a", text)])
    assert np.allclose(blended[0], (only_encoder[0] + only_ngrams[0]) / 2, atol=1e-5)
    assert not np.allclose(only_encoder[0], only_ngrams[0])
    model.save(tmp_path / "m")
    loaded = NarrativeClassifier.load(tmp_path / "m")
    assert loaded.encoder_head is not None and loaded.encoder_blend == 0.5
    assert np.abs(loaded.predict_proba([Document("a", text)])[0] - blended[0]).max() < 0.02  # int8 layers
    labels = loaded.predict_with_evidence([Document("a", text)])[0]
    assert labels[0] and all(e.text in text for label in labels[0] for e in label.evidence if label.label != OTHER)


def test_damaged_head_files_name_the_folder(trained, tmp_path: Path) -> None:
    model, top, _, _ = trained
    head = EncoderHead(model.coarse_labels_ + model.fine_labels_, 11, *top.export())
    head.save(tmp_path / "h")
    (tmp_path / "h" / "head.npz").write_bytes(b"not a zip")
    with pytest.raises(ModelError, match="cannot read the encoder head"):
        EncoderHead.load(tmp_path / "h")
    weights = list(top.export())
    weights[2] = np.full_like(weights[2], np.nan)
    with pytest.raises(ModelError, match="non-finite"):
        EncoderHead(model.coarse_labels_ + model.fine_labels_, 11, *weights)


def test_int8_rows_round_trip_within_half_a_step() -> None:
    w = np.random.default_rng(0).normal(size=(7, 33)).astype(np.float32)
    q, scale = quantise_rows(w)
    assert q.dtype == np.int8 and np.abs(q).max() == 127
    assert np.all(np.abs(dequantise_rows(q, scale) - w) <= scale[:, None] / 2 + 1e-7)


def test_out_of_fold_scores_each_fold_with_a_head_that_never_saw_it_and_resumes(trained, tmp_path: Path) -> None:
    from narrascope.training.encoder_tuning import out_of_fold_encoder

    model, _, states, encoder = trained
    _, anns = tiny_corpus()
    Y = model.label_matrix(anns)
    labels = model.coarse_labels_ + model.fine_labels_
    folds = [np.arange(0, len(states), 2), np.arange(1, len(states), 2)]
    extra, extra_Y = states[:2], Y[:2]  # rows added to every training part, never scored
    P = out_of_fold_encoder(encoder, states, Y, labels, folds, 11, tmp_path, extra=extra, extra_Y=extra_Y, epochs=1,
                            batch_docs=4, train_chunks=3)
    assert P.shape == Y.shape and np.all(P > 0)  # every row scored, by the fold model that did not train on it
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fold-0.pt", "fold-1.pt", "oof-0.npy", "oof-1.npy"]
    (tmp_path / "fold-0.pt").unlink()  # finished folds are read back, not trained again
    assert np.array_equal(out_of_fold_encoder(encoder, states, Y, labels, folds, 11, tmp_path), P)
    assert not (tmp_path / "fold-0.pt").exists()


def test_train_narratives_with_encoder_gives_a_model_that_saves_and_labels(tmp_path: Path) -> None:
    from narrascope.semeval.io import SemevalCorpus
    from narrascope.training.encoder_tuning import EncoderSettings, train_narratives_with_encoder

    docs, anns = tiny_corpus()
    corpus = SemevalCorpus(taxonomy=SEMEVAL)
    for doc, ann in zip(docs, anns):
        corpus.documents[doc.id], corpus.narratives[doc.id] = doc, ann
    settings = EncoderSettings(work_dir=tmp_path / "work", epochs=1, layers=1, train_chunks=2, supplement=False,
                               max_chunks=2)
    model, thresholds, table = train_narratives_with_encoder(
        corpus, settings, folds=3, make_model=lambda: NarrativeClassifier(taxonomy=SEMEVAL, word_features=2000,
                                                                          char_features=2000))
    assert model.encoder_head is not None and model.encoder_head.first_trained_layer == 11
    assert model.encoder_blend in settings.blends and "w = 1.00" in table and "transfer" in thresholds
    model.save(tmp_path / "m")
    loaded = NarrativeClassifier.load(tmp_path / "m")
    assert loaded.encoder_head is not None and loaded.predict([docs[0]])[0].narratives
    # a fixed blend weight and thresholds shared by all languages (the folds and the final fit are read back)
    shared = EncoderSettings(work_dir=tmp_path / "work", epochs=1, layers=1, train_chunks=2, supplement=False,
                             max_chunks=2, blends=(0.5,), language_thresholds=False)
    model, thresholds, table = train_narratives_with_encoder(
        corpus, shared, folds=3, make_model=lambda: NarrativeClassifier(taxonomy=SEMEVAL, word_features=2000,
                                                                          char_features=2000))
    assert model.encoder_blend == 0.5 and "w = 1.00" not in table and "shared by all languages" in table
    assert thresholds["languages"] == {} and model.language_thresholds == {}


def test_fold_supplement_trains_the_folds_on_the_supplements_first_articles_and_the_final_fit_on_all(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``--fold-supplement N``: the folds' training parts get the supplement's first N articles (their folder is named
    after N, so an earlier supplement's folds are found again), the final fit every supplement article."""
    from narrascope.semeval.io import SemevalCorpus
    from narrascope.training import encoder_tuning
    from narrascope.training.encoder_tuning import EncoderSettings, train_narratives_with_encoder

    docs, anns = tiny_corpus()
    corpus = SemevalCorpus(taxonomy=SEMEVAL)
    for doc, ann in zip(docs[3:], anns[3:]):
        corpus.documents[doc.id], corpus.narratives[doc.id] = doc, ann
    extra = [Document(id=f"sup:{d.id}", text=d.text, language=d.language) for d in docs[:3]]
    monkeypatch.setattr(encoder_tuning, "supplement_for", lambda taxonomy: (extra, list(anns[:3])))
    seen: list[int] = []
    real = encoder_tuning.train_top
    monkeypatch.setattr(encoder_tuning, "train_top", lambda enc, states, Y, *a, **k: seen.append(len(states))
                        or real(enc, states, Y, *a, **k))
    settings = EncoderSettings(work_dir=tmp_path, epochs=1, layers=1, train_chunks=2, max_chunks=2, blends=(0.5,),
                               fold_supplement=2)
    model, _, _ = train_narratives_with_encoder(
        corpus, settings, folds=3, make_model=lambda: NarrativeClassifier(taxonomy=SEMEVAL, word_features=2000,
                                                                          char_features=2000))
    n = len(corpus.documents)
    # each corpus article trains 2 of the 3 folds, with the supplement's first 2 in each; the final fit all 3
    assert len(seen) == 4 and sum(seen[:3]) == 2 * n + 3 * 2 and seen[3] == n + 3
    assert sorted(p.name for p in (tmp_path / "oof-L1-E1-C2-sup2-F3-S0").glob("*.npy")) == ["oof-0.npy", "oof-1.npy",
                                                                                            "oof-2.npy"]
    assert (tmp_path / "oof-L1-E1-C2-sup2-F3-S0" / "final-3.pt").exists() and model.encoder_head is not None
