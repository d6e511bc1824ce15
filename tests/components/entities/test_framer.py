"""EntityFramer on invented data: contract, role constraints, save/load, summary."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from narrascope.documents import EntityMention
from narrascope.components.entities.framer import EntityFramer, MentionContext, summarize_roles
from narrascope.training.folds import document_folds
from narrascope.taxonomy import load_default_taxonomy

SEMEVAL = load_default_taxonomy()  # the labels of the SemEval fixtures


def _example(name: str, verb: str) -> MentionContext:
    text = f"Reports say that {name} {verb} the small town again.\r\nOfficials spoke later."
    start = text.index(name)
    return MentionContext(text, start, start + len(name))


def _data() -> tuple[list[MentionContext], list[tuple[str, list[str]]]]:
    contexts, labels = [], []
    for i in range(12):
        for name, verb, label in (
            (f"Alpha{i}", "bombed and invaded", ("Antagonist", ["Instigator"])),
            (f"Beta{i}", "defended and protected", ("Protagonist", ["Guardian"])),
            (f"Gamma{i}", "suffered and starved in", ("Innocent", ["Victim"])),
        ):
            contexts.append(_example(name, verb))
            labels.append(label)
    return contexts, labels


def test_framer_learns_roles_from_context_and_respects_main_role(tmp_path) -> None:
    contexts, labels = _data()
    framer = EntityFramer(taxonomy=SEMEVAL).fit(contexts, labels)
    preds = framer.predict([_example("Delta", "bombed and invaded"), _example("Omega", "suffered and starved in")])
    assert [p.main_role for p in preds] == ["Antagonist", "Innocent"]
    role_main = framer.role_main_
    for p in preds:
        assert p.fine_roles and all(role_main[r] == p.main_role for r in p.fine_roles)
    framer.save(tmp_path / "framer")
    again = EntityFramer.load(tmp_path / "framer")
    assert [p.fine_roles for p in again.predict(contexts[:3])] == [p.fine_roles for p in framer.predict(contexts[:3])]


def test_official_offsets_after_crlf_and_astral_characters_select_the_mention() -> None:
    """Official offsets count UTF-16 code units (an emoji is two) and include the last character; CRLF is two
    characters in both. The offsets below are written by hand, not computed from the text."""
    from narrascope.components.entities.framer import _context_window
    from narrascope.training.entities import corpus_examples
    from narrascope.documents import Document
    from narrascope.semeval.io import MentionAnnotation, SemevalCorpus

    text = "Hi \U0001F600\r\nReports say Alpha1 bombed the town."
    corpus = SemevalCorpus(documents={"d": Document("d", text)},
                           mentions={"d": [MentionAnnotation("d", "Alpha1", 19, 24, "Antagonist", ["Instigator"])]})
    _, (ctx,), labels = corpus_examples(corpus)
    assert (ctx.start, ctx.end, ctx.mention) == (18, 24, "Alpha1")
    assert labels == [("Antagonist", ["Instigator"])]
    window = _context_window(ctx, 200)
    assert window.startswith("Hi \U0001F600\r\nReports say  ENTMENTION  bombed") and "Alpha1" not in window


def test_document_folds_keep_a_document_together() -> None:
    ids = ["a", "a", "b", "c", "c", "d", "e", "f"]
    folds = document_folds(ids, n_folds=3)
    assert folds[0] == folds[1] and folds[3] == folds[4]
    assert len(set(folds)) == 3


def test_unfitted_framer_raises() -> None:
    from narrascope.errors import ModelError

    with pytest.raises(ModelError):
        EntityFramer().predict([_example("X", "bombed")])


def test_summarize_roles_groups_entities_by_main_role() -> None:
    analysis = SimpleNamespace(
        entities=[
            EntityMention("NATO", 0, 4, entity="nato", main_role="Antagonist", score=0.9),
            EntityMention("NATO", 10, 14, entity="nato", main_role="Antagonist", score=0.8),
            EntityMention("Kyiv", 20, 24, entity="kyiv", main_role="Innocent", score=0.6),
        ]
    )
    assert summarize_roles(analysis) == {"Antagonist": ["nato"], "Innocent": ["kyiv"]}


def test_saved_framer_is_json_and_npz_only_and_round_trips_probabilities(tmp_path) -> None:
    import numpy as np

    contexts, labels = _data()
    framer = EntityFramer(taxonomy=SEMEVAL).fit(contexts, labels)
    framer.save(tmp_path / "f", model_card="# card\n")
    assert sorted(p.name for p in (tmp_path / "f").iterdir()) == ["MODEL_CARD.md", "config.json", "weights.npz"]
    again = EntityFramer.load(tmp_path / "f")
    main_a, fine_a = framer.predict_proba(contexts)
    main_b, fine_b = again.predict_proba(contexts)
    assert np.allclose(main_a, main_b, atol=2e-3) and np.allclose(fine_a, fine_b, atol=2e-3)


def test_load_reports_a_missing_or_foreign_model(tmp_path) -> None:
    from narrascope.errors import ModelError

    with pytest.raises(ModelError, match="missing"):
        EntityFramer.load(tmp_path)
    (tmp_path / "config.json").write_text('{"format": "other"}', encoding="utf-8")
    import numpy as np

    np.savez(tmp_path / "weights.npz", x=np.zeros(1))
    with pytest.raises(ModelError, match="not an entity framer"):
        EntityFramer.load(tmp_path)


def test_fine_roles_follow_context_within_a_main_role_and_multi_label_threshold() -> None:
    contexts, labels = [], []
    for i in range(10):
        for name, verb, label in (
            (f"Kappa{i}", "lied to and deceived", ("Antagonist", ["Deceiver"])),
            (f"Lambda{i}", "bombed and invaded", ("Antagonist", ["Instigator"])),
            (f"Mu{i}", "defended and protected", ("Protagonist", ["Guardian"])),
        ):
            contexts.append(_example(name, verb))
            labels.append(label)
    framer = EntityFramer(taxonomy=SEMEVAL).fit(contexts, labels)
    preds = framer.predict([_example("Nu", "lied to and deceived"), _example("Xi", "bombed and invaded")])
    assert [p.fine_roles[0] for p in preds] == ["Deceiver", "Instigator"]
    assert all(len(p.fine_roles) == 1 for p in preds)  # default: one fine role (max_fine_roles=1)
    lenient = EntityFramer(taxonomy=SEMEVAL, fine_threshold=0.0, max_fine_roles=None).fit(contexts, labels)
    everything = lenient.predict([_example("Nu", "lied to")])[0]
    assert set(everything.fine_roles) == {r for r, m in framer.role_main_.items() if m == everything.main_role}
    assert everything.fine_roles[0] == "Deceiver"  # the best role first
    two = EntityFramer(taxonomy=SEMEVAL, fine_threshold=0.0, max_fine_roles=2).fit(contexts, labels).predict([_example("Nu", "lied to")])[0]
    assert two.fine_roles == everything.fine_roles[:2]


def test_name_priors_leave_the_example_out_while_fitting() -> None:
    from narrascope.components.entities.framer import MAIN_ROLES, NamePriors

    priors = NamePriors(MAIN_ROLES, ["Guardian", "Victim"], alpha=0.0)
    names, labels = ["Zed", "Zed", "Yon"], [("Protagonist", ["Guardian"]), ("Innocent", ["Victim"]), ("Innocent", ["Victim"])]
    priors.fit(names, labels)
    seen = priors.features(["Zed"])[0]
    assert seen[0] == pytest.approx(0.5) and seen[2] == pytest.approx(0.5)  # Protagonist / Innocent halves
    left_out = priors.features(names, labels)
    assert left_out[0][2] == pytest.approx(1.0) and left_out[1][0] == pytest.approx(1.0)
    assert left_out[2][-1] == 0.0  # "Yon" seen only once: nothing left after leaving it out


def test_fit_rejects_roles_outside_the_taxonomy() -> None:
    from narrascope.errors import ModelError

    contexts, labels = _data()
    with pytest.raises(ModelError, match="Hero"):
        EntityFramer(taxonomy=SEMEVAL).fit(contexts, [("Protagonist", ["Hero"])] + labels[1:])


def test_static_context_features_embed_sentence_sides_and_mention() -> None:
    import numpy as np

    from narrascope.embeddings.embedders import get_embedder
    from narrascope.components.entities.framer import static_context_features

    text = "First sentence here.\nReports say that Alpha1 bombed the town. Later text."
    start = text.index("Alpha1")
    ctx = MentionContext(text, start, start + len("Alpha1"))
    features = static_context_features([ctx])
    embedder = get_embedder("static")
    dim = embedder.dim
    assert features.shape == (1, 4 * dim)
    sentence = embedder.embed(["Reports say that Alpha1 bombed the town."])[0]
    assert np.allclose(features[0, :dim], sentence, atol=1e-5)
    assert np.allclose(features[0, 3 * dim :], embedder.embed(["Alpha1"])[0], atol=1e-5)


def test_framers_saved_before_static_embeddings_still_load(tmp_path) -> None:
    import json

    contexts, labels = _data()
    framer = EntityFramer(taxonomy=SEMEVAL, static_weight=0.0, balance=1.0, e5_weight=0.0,
                          state_weight=0.0).fit(contexts, labels)
    framer.save(tmp_path / "old")
    config = json.loads((tmp_path / "old" / "config.json").read_text(encoding="utf-8"))
    for key in ("static_weight", "balance", "e5_weight", "state_weight", "state_layers", "state_products"):
        del config["config"][key]
    (tmp_path / "old" / "config.json").write_text(json.dumps(config), encoding="utf-8")
    again = EntityFramer.load(tmp_path / "old")
    assert again.static_weight == 0.0 and again.balance == 1.0 and again.e5_weight == 0.0
    assert again.state_weight == 0.0  # framers saved before token states had none
    assert [p.fine_roles for p in again.predict(contexts[:3])] == [p.fine_roles for p in framer.predict(contexts[:3])]


def test_unbalanced_main_head_follows_the_majority_when_context_is_uninformative() -> None:
    contexts, labels = [], []
    for i in range(30):
        name, label = (f"Rho{i}", ("Antagonist", ["Instigator"])) if i % 5 else (f"Sigma{i}", ("Innocent", ["Victim"]))
        contexts.append(_example(name, "met"))
        labels.append(label)
    plain = EntityFramer(taxonomy=SEMEVAL, balance=0.0, static_weight=0.0).fit(contexts, labels)
    assert plain.predict([_example("Tau", "met")])[0].main_role == "Antagonist"


def test_e5_context_texts_mark_the_mention_in_its_sentence_and_window() -> None:
    from narrascope.components.entities.framer import e5_context_texts

    text = "First sentence here.\nReports say that  Alpha1 bombed\tthe town. Later text. Unrelated end."
    start = text.index("Alpha1")
    questions, windows = e5_context_texts([MentionContext(text, start, start + len("Alpha1"))])
    assert questions == ["How is Alpha1 portrayed? Reports say that [Alpha1] bombed the town."]
    assert windows == ["First sentence here. Reports say that [Alpha1] bombed the town. Later text."]


def test_e5_context_features_embed_the_question_as_query_and_the_window_as_passage() -> None:
    import numpy as np

    from narrascope.components.entities.framer import e5_context_features

    class Recorder:
        dim = 2

        def __init__(self) -> None:
            self.calls: list[tuple[list[str], str]] = []

        def embed(self, texts: list[str], kind: str = "passage") -> np.ndarray:
            self.calls.append((list(texts), kind))
            return np.full((len(texts), self.dim), 1.0 if kind == "query" else 2.0, dtype=np.float32)

    recorder = Recorder()
    ctx = _example("Alpha1", "bombed")
    features = e5_context_features([ctx, ctx], embedder=recorder)
    assert features.shape == (2, 4) and features[0].tolist() == [1.0, 1.0, 2.0, 2.0]
    assert [kind for _, kind in recorder.calls] == ["query", "passage"]
    assert recorder.calls[0][0][0].startswith("How is Alpha1 portrayed? Reports say that [Alpha1] bombed")


def test_e5_weight_adds_the_contextual_block_and_round_trips(tmp_path, monkeypatch) -> None:
    import numpy as np

    import narrascope.components.entities.framer as entities

    def fake_e5(contexts, embedder=None):  # noqa: ANN001, ANN202 - stands in for the transformer
        return np.array([[1.0, 0.0] if "bombed" in c.text else [0.0, 1.0] for c in contexts], dtype=np.float32)

    monkeypatch.setattr(entities, "e5_context_features", fake_e5)
    contexts, labels = _data()
    with_e5 = EntityFramer(taxonomy=SEMEVAL, e5_weight=1.0, static_weight=0.0).fit(contexts, labels)
    without = EntityFramer(taxonomy=SEMEVAL, e5_weight=0.0, static_weight=0.0).fit(contexts, labels)
    assert with_e5.main_coef_.shape[1] == without.main_coef_.shape[1] + 2
    with_e5.save(tmp_path / "f")
    again = EntityFramer.load(tmp_path / "f")
    assert again.e5_weight == 1.0
    assert np.allclose(again.predict_proba(contexts)[0], with_e5.predict_proba(contexts)[0], atol=2e-3)


def _corpus():  # type: ignore[no-untyped-def]
    """A SemevalCorpus of invented one-mention documents (two languages), from ``_data``."""
    from narrascope.documents import Document
    from narrascope.semeval.io import MentionAnnotation, SemevalCorpus, official_span

    corpus = SemevalCorpus(taxonomy=SEMEVAL)
    for i, (ctx, (main, fine)) in enumerate(zip(*_data())):
        doc_id = f"doc{i}.txt"
        corpus.documents[doc_id] = Document(doc_id, ctx.text, language="en" if i % 2 else "pt")
        start, end = official_span(ctx.text, ctx.start, ctx.end)
        corpus.mentions[doc_id] = [MentionAnnotation(doc_id, ctx.mention, start, end, main, fine)]
    return corpus


def _memorisation_corpus(n: int = 60, seed: int = 0):  # type: ignore[no-untyped-def]
    """One-mention documents with the same context and a random main role; each name (random letters) occurs in one
    document only, so its role can be recovered only by a model that has seen that document."""
    import numpy as np

    from narrascope.documents import Document
    from narrascope.semeval.io import MentionAnnotation, SemevalCorpus

    fine = {"Antagonist": "Instigator", "Protagonist": "Guardian", "Innocent": "Victim"}
    rng = np.random.default_rng(seed)
    letters = np.array(list("abcdefghijklmnopqrstuvwxyz"))
    corpus = SemevalCorpus(taxonomy=SEMEVAL)
    for i in range(n):
        name = "".join(rng.choice(letters, size=7)).capitalize()
        main = list(fine)[int(rng.integers(3))]
        text = f"Reports say that {name} met the delegation in the small town again.\nOfficials spoke later."
        doc_id = f"doc{i:02d}"
        corpus.documents[doc_id] = Document(doc_id, text, language="en" if i % 2 else "pt")
        # official offsets: "Reports say that " is 17 characters, the end is inclusive
        corpus.mentions[doc_id] = [MentionAnnotation(doc_id, name, 17, 17 + len(name) - 1, main, [fine[main]])]
    return corpus


def test_out_of_fold_scores_chance_where_only_memorising_the_test_document_could_do_better(monkeypatch) -> None:
    import numpy as np

    import narrascope.training.entities as training_module
    from narrascope.components.entities.framer import MAIN_ROLES
    from narrascope.training.entities import corpus_examples, cross_validate_framer, out_of_fold

    corpus = _memorisation_corpus()
    params = {"static_weight": 0.0, "e5_weight": 0.0}
    oof = out_of_fold(corpus, n_folds=3, **params)
    assert oof.main.shape == (60, 3) and oof.fine.shape == (60, 22)
    assert np.allclose(oof.main.sum(axis=1), 1.0)
    gold = np.array([MAIN_ROLES.index(main) for main, _ in oof.labels])
    majority = np.bincount(gold).max() / len(gold)  # 0.37
    honest = oof.score(corpus)
    assert set(honest.by_language) == {"EN", "PT"}
    assert honest.summary() == cross_validate_framer(corpus, n_folds=3, **params).summary()
    assert honest.main_role_accuracy <= majority + 0.1  # measured 0.28

    _, contexts, labels = corpus_examples(corpus)

    class Leaky(EntityFramer):  # trains on every mention, the test fold's included
        def fit(self, _contexts, _labels):  # type: ignore[no-untyped-def]
            return super().fit(contexts, labels)

    monkeypatch.setattr(training_module, "EntityFramer", Leaky)
    assert out_of_fold(corpus, n_folds=3, **params).score(corpus).main_role_accuracy > 0.9  # measured 0.97


def test_out_of_fold_headroom_decoding_with_the_gold_main_roles() -> None:
    import numpy as np

    from narrascope.components.entities.framer import MAIN_ROLES
    from narrascope.training.entities import out_of_fold

    corpus = _corpus()
    oof = out_of_fold(corpus, n_folds=3, static_weight=0.0, e5_weight=0.0)
    gold = np.array([MAIN_ROLES.index(main) for main, _ in oof.labels])
    oracle = oof.predictions(main=np.eye(3)[gold])
    assert [p.main_role for p in oracle] == [main for main, _ in oof.labels]
    assert oof.score(corpus, oracle).main_role_accuracy == 1.0
    # the fine roles stay the model's, always of the gold main role
    assert all(oof.framer.role_main_[r] == p.main_role for p in oracle for r in p.fine_roles)
