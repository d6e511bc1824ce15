"""The tokenizer's offsets point each word piece at the characters it was read from, and never change the ids."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from narrascope.embeddings.e5_tokenizer import META, E5Tokenizer, default_tokenizer


@pytest.fixture(scope="module")
def tokenizer() -> E5Tokenizer:
    return default_tokenizer()


def _surface(tokenizer: E5Tokenizer, idx: int) -> str:
    return tokenizer.pieces[idx].replace(META, "")


@pytest.mark.parametrize("text", ["NATO troops are in Ukraine, Moscow says.", "  Путин  заявил\tв понедельник.",
                                  "नरेंद्र मोदी ने कहा", "Zelensky's  \"peace plan\"!"])
def test_each_piece_spans_the_characters_it_spells(tokenizer: E5Tokenizer, text: str) -> None:
    ids, offsets = tokenizer.encode_with_offsets(text)
    assert ids == tokenizer.encode(text)
    assert [text[a:b] for a, b in offsets] == [_surface(tokenizer, i) for i in ids]
    assert [a for a, _ in offsets] == sorted(a for a, _ in offsets)


def test_normalised_characters_map_back_to_their_source(tokenizer: E5Tokenizer) -> None:
    text = "The ﬁnal Ⅻ: café …"
    ids, offsets = tokenizer.encode_with_offsets(text)
    read = [(tokenizer.pieces[i], text[a:b]) for i, (a, b) in zip(ids, offsets)]
    assert read == [(f"{META}The", "The"), (f"{META}final", "ﬁnal"), (f"{META}XII", "Ⅻ"), (":", ":"),
                    (f"{META}café", "café"), (f"{META}...", "…")]


def test_empty_and_blank_texts(tokenizer: E5Tokenizer) -> None:
    for text in ("", "   "):
        ids, offsets = tokenizer.encode_with_offsets(text)
        assert ids == tokenizer.encode(text) and len(offsets) == len(ids)
        assert all(a == b for a, b in offsets)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(alphabet=st.sampled_from(list("ab AéЖж\tदि,.ﬁ½…\n'’")), max_size=40))
def test_offsets_cover_the_ids_in_order_and_within_the_text(tokenizer: E5Tokenizer, text: str) -> None:
    ids, offsets = tokenizer.encode_with_offsets(text)
    assert ids == tokenizer.encode(text)
    assert len(offsets) == len(ids)
    ends = [b for a, b in offsets if a < b]
    assert all(0 <= a <= b <= len(text) for a, b in offsets)
    assert ends == sorted(ends)
    for (a, b) in offsets:
        assert not text[a:b].isspace() or a == b  # a piece never stands for whitespace alone
