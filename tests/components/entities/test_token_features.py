"""The framer's token-state features: the right word pieces, one encoder pass shared with the narrative step."""

from __future__ import annotations

import numpy as np
import pytest

from narrascope.components.entities.framer import EntityFramer, MentionContext
from narrascope.components.entities.token_features import BLOCKS, base_encoder, mention_blocks, state_features
from narrascope.documents import Document
from narrascope.embeddings.e5_encoder import chunk_text
from narrascope.embeddings.token_states import ChunkStates, shared_chunk_states, states_of
from narrascope.pipeline import Pipeline
from narrascope.taxonomy import load_default_taxonomy

from .test_framer import _data

SEMEVAL = load_default_taxonomy()
SENTENCE = "Officials in Brussels accused Moscow of bombing the small town again."
LONG = " ".join(f"Report {i} says the river town was quiet on day {i} of the month." for i in range(150)) + \
    " At the end, NATO bombed and invaded the small town again."


def _article(n: int) -> str:
    return f"Dispatch {n}. " + SENTENCE + " Beta4 defended and protected the people. " * 2


@pytest.fixture(scope="module")
def state_framer_dir(tmp_path_factory: pytest.TempPathFactory):
    contexts, labels = _data()
    framer = EntityFramer(taxonomy=SEMEVAL, e5_weight=0, state_weight=1.0).fit(contexts, labels)
    path = tmp_path_factory.mktemp("state-framer")
    framer.save(path)
    return path


def test_blocks_average_the_mention_its_sentence_and_the_pieces_around_it() -> None:
    text = _article(1)
    start = text.index("Moscow")
    encoder = base_encoder()
    (chunk,) = chunk_text(text, encoder.tokenizer, 126, max_chunks=100)
    (states,) = states_of([chunk], encoder, ChunkStates())
    states = states.astype(np.float32)
    pieces = [k for k, (a, b) in enumerate(chunk.offsets) if a < b and a < start + 6 and b > start]
    assert "".join(encoder.tokenizer.pieces[chunk.ids[k]] for k in pieces).lstrip("\u2581") == "Moscow"
    sentence = [k for k, (a, b) in enumerate(chunk.offsets)
                if a < b and text.index(SENTENCE) <= a and b <= text.index(SENTENCE) + len(SENTENCE)]
    blocks = mention_blocks([MentionContext(text, start, start + 6)], store=ChunkStates())[0]
    assert blocks.shape == (len(BLOCKS), 384)
    np.testing.assert_allclose(blocks[0], states[pieces].mean(axis=0), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(blocks[1], states[sentence].mean(axis=0), rtol=1e-5, atol=1e-6)
    before = [k for k in sentence if k < pieces[0]][-6:]
    after = [k for k in sentence if k > pieces[-1]][:6]
    np.testing.assert_allclose(blocks[2], states[before].mean(axis=0), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(blocks[3], states[after].mean(axis=0), rtol=1e-5, atol=1e-6)
    # another mention of the same sentence shares its sentence block, not its mention block
    other = mention_blocks([MentionContext(text, text.index("Brussels"), text.index("Brussels") + 8)],
                           store=ChunkStates())[0]
    np.testing.assert_array_equal(other[1], blocks[1])
    assert not np.allclose(other[0], blocks[0])


def test_features_are_unit_blocks_and_their_product() -> None:
    blocks = np.random.default_rng(0).normal(size=(3, 4, 384)).astype(np.float32)
    blocks[2, 3] = 0.0  # a mention at the end of its sentence: nothing after it
    features = state_features(blocks)
    assert features.shape == (3, 5 * 384)
    norms = np.linalg.norm(features[:, : 4 * 384].reshape(3, 4, 384), axis=2)
    np.testing.assert_allclose(norms[:2], 1.0, rtol=1e-5)
    assert norms[2, 3] == 0.0
    unit = blocks[0, 0] / np.linalg.norm(blocks[0, 0]), blocks[0, 1] / np.linalg.norm(blocks[0, 1])
    np.testing.assert_allclose(features[0, 4 * 384 :], unit[0] * unit[1] * np.sqrt(384), rtol=1e-4, atol=1e-6)
    assert state_features(blocks, products=False).shape == (3, 4 * 384)


def test_a_state_framer_round_trips(state_framer_dir) -> None:
    contexts, _ = _data()
    framer = EntityFramer.load(state_framer_dir)
    assert framer.state_weight == 1.0 and framer.e5_weight == 0
    fresh = [MentionContext(c.text, c.start, c.end) for c in contexts[:6]]
    main, fine = framer.predict_proba(fresh)
    again = EntityFramer.load(state_framer_dir).predict_proba([MentionContext(c.text, c.start, c.end) for c in fresh])
    np.testing.assert_array_equal(main, again[0])
    np.testing.assert_array_equal(fine, again[1])
    preds = framer.predict([MentionContext(t, t.index(n), t.index(n) + len(n)) for t, n in (
        ("Reports say that Delta bombed and invaded the small town again.\r\nOfficials spoke later.", "Delta"),
        ("Reports say that Omega suffered and starved in the small town again.\r\nOfficials spoke later.", "Omega"))])
    assert [p.main_role for p in preds] == ["Antagonist", "Innocent"]


def _framed(analyses) -> list[tuple]:  # type: ignore[no-untyped-def]
    return [(e.start, e.end, e.main_role, tuple(e.fine_roles), e.score) for a in analyses for e in a.entities]


def test_entities_reuse_the_narrative_pass_and_frame_as_without_it(state_framer_dir) -> None:
    store = shared_chunk_states()
    docs = [Document(f"d{n}", _article(n), language="en") for n in range(3)] + [Document("long", LONG, language="en")]
    options = {"entities": {"model": state_framer_dir, "ner": False}}
    store.clear()
    before = store.computed
    shared = Pipeline.from_names(["narratives", "entities"], **options).analyze_batch(docs)
    long_chunks = chunk_text(LONG, base_encoder().tokenizer, 126, max_chunks=1000)
    assert len(long_chunks) > 8 and LONG.index("NATO") >= long_chunks[8].start
    # the narrative head encoded every short article and the first 8 chunks of the long one: the framer computed only
    # the chunk past those that holds a mention (NATO, in the last one)
    assert store.computed - before == 1
    assert all(a.error is None for a in shared) and {e.entity for e in shared[3].entities} == {"NATO"}
    store.clear()
    before = store.computed
    alone = Pipeline.from_names(["entities"], **options).analyze_batch(docs)
    assert store.computed - before == 3 + 1  # no narrative pass: each article's chunk with a mention
    assert _framed(alone) == _framed(shared) and _framed(shared)


def test_a_lexical_narrative_model_leaves_the_framer_its_own_pass(state_framer_dir) -> None:
    store = shared_chunk_states()
    store.clear()
    before = store.computed
    docs = [Document(f"d{n}", _article(n), language="en") for n in range(2)]
    analyses = Pipeline.from_names(["narratives", "entities"], narratives={"model": "lexical"},
                                   entities={"model": state_framer_dir, "ner": False}).analyze_batch(docs)
    assert all(a.error is None and a.entities for a in analyses)
    assert store.computed - before == 2
