"""Storyline rules on vectors and keys small enough to work out by hand: the story keys of a sentence, the IDF-weighted
share of keys, the threshold for a document in another language, the text a storyline is judged on; and dedup's
shingles and the band keys that a store keeps."""

from __future__ import annotations

import math

import numpy as np
import pytest

from narrascope.corpus.dedup import UNDATED, DuplicateDetector, shingles, stored_key, week_of
from narrascope.corpus.storylines import STORY_CHARS, StorylineBuilder, story_keys
from narrascope.documents import Document


class Fixed:
    """The vector of a text is looked up by its last word."""

    name = "fixed"

    def __init__(self, vectors: dict[str, list[float]]) -> None:
        self.vectors = vectors

    def embed(self, texts: list[str], kind: str = "passage") -> np.ndarray:
        return np.array([self.vectors[t.split()[-1]] for t in texts], dtype=np.float32)


def placed(builder: StorylineBuilder, documents: list[Document]) -> dict[str, str]:
    assigned, _ = builder.assign(documents)
    return {doc: sid for sid, ids in assigned.items() for doc in ids}


def test_story_keys_of_a_sentence() -> None:
    keys = story_keys("Zorblatov visited 2024 markets in 7 wonderful cities with Putin and Путина near Kyiv")
    # names: gazetteer aliases (=), else their first six letters (~); numbers of two digits or more (#); content words
    # of four letters or more, lower case, first six letters of their stem; "in", "and" and "7" are too short
    assert keys == {"~zorbla", "visite", "#2024", "market", "wonder", "cities", "with", "=Vladimir Putin", "near",
                    "=Kyiv"}
    assert story_keys("Xiq and Ozo met in 2024") == {"~xiq", "~ozo", "#2024"}  # names of three letters count


def test_the_story_text_is_the_title_and_the_lead() -> None:
    doc = Document("d", "x" * (STORY_CHARS + 10), title="Floods in Valencia")
    assert StorylineBuilder._story_text(doc) == "Floods in Valencia\n" + "x" * STORY_CHARS
    assert StorylineBuilder._story_text(Document("d", "body")) == "\nbody"


def test_shared_weight_is_the_idf_weighted_cosine_of_the_keys() -> None:
    builder = StorylineBuilder(Fixed({"one": [1.0, 0.0], "two": [1.0, 0.0]}), threshold=0.5, min_shared=0.01)
    story_of = placed(builder, [Document("a", "Zorblatov wonderful one", language="en"),
                                Document("b", "Zorblatov markets two", language="en")])
    sid = story_of["a"]
    assert story_of["b"] == sid  # same vector, a shared name
    # two documents seen; ~zorbla in both (idf log(3/3)+1 = 1), wonder/market in one each (idf log(3/2)+1)
    rare = math.log(3 / 2) + 1
    story = {"~zorbla": 1.0, "wonder": 0.5, "market": 0.5}  # documents per key / members
    keys = {"~zorbla", "wonder", "unseen"}  # an unseen key: idf log(3/1)+1
    unseen = math.log(3) + 1
    dot = 1.0 ** 2 * 1.0 + rare ** 2 * 0.5
    doc_norm = math.sqrt(1.0 + rare ** 2 + unseen ** 2)
    story_norm = math.sqrt((1.0 * story["~zorbla"]) ** 2 + (rare * 0.5) ** 2 + (rare * 0.5) ** 2)
    assert builder.shared_weight(keys, sid, "en") == pytest.approx(dot / (doc_norm * story_norm))
    # in a language the storyline does not have, only names and numbers count: ~zorbla alone on both sides
    assert builder.shared_weight(keys, sid, "de") == pytest.approx(1.0)
    assert builder.shared_weight({"wonder"}, sid, "de") == 0.0
    assert builder.shared_weight({"nothing"}, sid, "en") == 0.0


def test_a_document_in_another_language_needs_the_cross_threshold_weighted_by_language_share() -> None:
    vectors = {"en1": [1.0, 0.0], "de1": [1.0, 0.0], "fr1": [0.5, math.sqrt(0.75)], "it1": [0.5, math.sqrt(0.75)]}
    builder = StorylineBuilder(Fixed(vectors), threshold=0.8, cross_threshold=0.3, min_shared=0)
    story_of = placed(builder, [Document("en", "news en1", language="en", published="2024-03-01"),
                                Document("de", "news de1", language="de", published="2024-03-01")])
    sid = story_of["en"]
    assert story_of["de"] == sid  # cosine 1
    assert builder.threshold_for(sid, "en") == pytest.approx(0.5 * 0.8 + 0.5 * 0.3)  # half of it English
    assert builder.threshold_for(sid, "fr") == pytest.approx(0.3)  # none of it French
    assert builder.threshold_for("s-unknown", "fr") == 0.8  # a storyline without documents: the threshold
    # cosine 0.5: above the cross threshold for French, below the mixed one (0.55) for English
    story_of = placed(builder, [Document("fr", "news fr1", language="fr", published="2024-03-02")])
    assert story_of["fr"] == sid
    en_only = StorylineBuilder(Fixed(vectors), threshold=0.8, cross_threshold=0.3, min_shared=0)
    first = placed(en_only, [Document("en", "news en1", language="en", published="2024-03-01")])["en"]
    assert placed(en_only, [Document("it", "news it1", language="en", published="2024-03-02")])["it"] != first


def test_a_new_storylines_centroid_is_its_first_vector_then_the_mean() -> None:
    builder = StorylineBuilder(Fixed({"a": [1.0, 0.0], "b": [0.6, 0.8]}), threshold=0.5, min_shared=0)
    assigned, changed = builder.assign([Document("a", "text a", published="2024-01-01")])
    assert changed[0].centroid == pytest.approx([1.0, 0.0]) and changed[0].size == 1
    assigned, changed = builder.assign([Document("b", "text b", published="2024-01-03")])
    assert changed[0].centroid == pytest.approx([0.8, 0.4]) and changed[0].size == 2
    assert changed[0].centroid.dtype == np.float32  # 4 bytes a dimension: thousands of storylines are held
    assert (changed[0].first_seen, changed[0].last_seen) == ("2024-01-01", "2024-01-03")


def test_shingles_are_lower_cased_three_word_grams() -> None:
    assert shingles("The quick, brown FOX jumps") == {b"the quick brown", b"quick brown fox", b"brown fox jumps"}
    assert shingles("Hello, World") == {b"hello world"}
    assert shingles("one two three") == {b"one two three"}
    assert shingles("a b c d", size=2) == {b"a b", b"b c", b"c d"}


def test_band_keys_are_the_stored_format() -> None:
    """The keys a store's ``minhash_bands`` holds: a store written by one run must be read by the next, on any
    machine (blake2b of the band number and values, 8 bytes little-endian, signed)."""
    detector = DuplicateDetector()
    assert detector.bands == (25, 5)
    keys = detector.band_keys(np.arange(128, dtype=np.uint64))
    assert keys[:3] == [901680296819511381, -6902771700140805129, 2794017751875417769]
    assert len(keys) == 25 and all(-2**63 <= k < 2**63 for k in keys)
    # a stored key: the week plus one above the band hash's low 40 bits (the week of 2024-05-06 is 105573)
    week = week_of("2024-05-06")
    assert week == 105573 and stored_key(week, keys[1]) == (105574 << 40) + (keys[1] % 2**40) < 2**63
    assert stored_key(UNDATED, -1) == 2**40 - 1


def test_a_document_whose_shared_key_weight_equals_min_shared_joins() -> None:
    # two documents seen: ~zorbla in both (idf 1), market and wonder in one each (idf r = log(3/2) + 1); b shares
    # ~zorbla only: weight 1 / (sqrt(1 + r²) * sqrt(1 + r²)) = 1 / (1 + r²) = 0.3361
    weight = 1 / (1 + (math.log(3 / 2) + 1) ** 2)
    docs = [Document("a", "Zorblatov wonderful one", language="en"), Document("b", "Zorblatov markets one", language="en")]
    for min_shared, together in ((weight - 1e-9, True), (weight + 1e-6, False)):
        story_of = placed(StorylineBuilder(Fixed({"one": [1.0, 0.0]}), threshold=0.5, min_shared=min_shared), docs)
        assert (story_of["a"] == story_of["b"]) is together


def test_a_storyline_may_span_exactly_max_span_days() -> None:
    builder = StorylineBuilder(Fixed({"x": [1.0, 0.0]}), threshold=0.5, min_shared=0, window_days=30, max_span_days=20)
    story_of = placed(builder, [Document("a", "news x", published="2024-01-01"),
                                Document("b", "news x", published="2024-01-21"),    # 20 days: joins
                                Document("c", "news x", published="2024-01-22")])   # would make it 21
    assert story_of["a"] == story_of["b"] != story_of["c"]


def test_undated_documents_are_placed_with_a_store(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from narrascope.store import open_store

    store = open_store(tmp_path / "corpus.db")
    builder = StorylineBuilder(Fixed({"x": [1.0, 0.0]}), threshold=0.5, min_shared=0).load(store)
    story_of = placed(builder, [Document("a", "news x"), Document("b", "news x")])
    assert story_of["a"] == story_of["b"]
    store.close()


def test_a_builder_loaded_from_a_store_continues_its_undated_storylines(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from narrascope.corpus.ingestion import ingest
    from narrascope.documents import Analysis
    from narrascope.store import open_store

    store = open_store(tmp_path / "corpus.db")
    first = Document("a", "news x")
    ingest([first], store, analyses={"a": Analysis("a")},
           storylines=StorylineBuilder(Fixed({"x": [1.0, 0.0]}), threshold=0.5, min_shared=0))
    sid = store.storyline_of("a")
    assert sid is not None
    builder = StorylineBuilder(Fixed({"x": [1.0, 0.0]}), threshold=0.5, min_shared=0).load(store)
    assert list(builder.storylines) == [sid]
    assert placed(builder, [Document("b", "news x")]) == {"b": sid}
    store.close()


def test_a_stored_storyline_in_one_language_is_read_only_when_the_document_may_join_it(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """A storyline read with the window comes with its one language: a document in that language below ``threshold``
    cannot join it, and its documents are not read to learn that; one in another language may still join it at
    ``cross_threshold``."""
    from narrascope.corpus.ingestion import ingest
    from narrascope.documents import Analysis
    from narrascope.store import open_store

    vectors = {"x": [1.0, 0.0], "y": [0.4, math.sqrt(1 - 0.4**2)]}  # cosine 0.4: under 0.5, over 0.3

    def builder() -> StorylineBuilder:
        return StorylineBuilder(Fixed(vectors), threshold=0.5, cross_threshold=0.3, min_shared=0)

    store = open_store(tmp_path / "corpus.db")
    ingest([Document("a", "news x", language="en", published="2024-05-01")], store, analyses={"a": Analysis("a")},
           storylines=builder())
    sid = store.storyline_of("a")
    reads: list[str] = []
    read = store.storyline_story_keys
    monkeypatch.setattr(store, "storyline_story_keys", lambda *args, **kw: reads.append(args[0]) or read(*args, **kw))
    assert placed(builder().load(store), [Document("b", "news y", language="en", published="2024-05-02")])["b"] != sid
    assert reads == []
    assert placed(builder().load(store), [Document("c", "новости y", language="ru", published="2024-05-02")]) == {"c": sid}
    assert reads == [sid]
    store.close()


def test_centroids_are_the_mean_of_their_documents_when_the_rows_grow(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The held centroids are rows of one matrix, updated in place: when it grows (from 2 rows here) they follow it,
    and every storyline's centroid is the mean of its documents' unit vectors, as with room for all at once."""
    import narrascope.corpus.storylines as sl

    rng = np.random.default_rng(0)
    words = [f"w{i}" for i in range(8)]
    vectors = {w: list(rng.normal(size=4)) for w in words}
    docs = [Document(f"d{i:02d}", f"news {words[(i * 5) % 8]}", published=f"2024-05-{1 + i // 4:02d}") for i in range(24)]
    runs = {}
    for rows in (2, sl.ROWS):
        monkeypatch.setattr(sl, "ROWS", rows)
        builder = StorylineBuilder(Fixed(vectors), threshold=0.9, min_shared=0)
        members: dict[str, list[str]] = {}
        for start in range(0, len(docs), 3):  # batches of three: the rows grow between them
            for sid, ids in builder.assign(docs[start : start + 3])[0].items():
                members.setdefault(sid, []).extend(ids)
        runs[rows] = members
        assert len(builder._matrix) > 2 if rows == 2 else len(builder._matrix) == sl.ROWS
        for sid, ids in members.items():
            unit = [np.array(vectors[doc.text.split()[-1]]) / np.linalg.norm(vectors[doc.text.split()[-1]])
                    for doc in docs if doc.id in ids]
            np.testing.assert_allclose(builder.storylines[sid].centroid, np.mean(unit, axis=0), atol=1e-6)
            assert np.shares_memory(builder.storylines[sid].centroid, builder._matrix[builder._row[sid]])  # what is compared
    assert runs[2] == runs[sl.ROWS]
    assert len(runs[2]) == 8  # one storyline per word


def test_a_batch_is_compared_in_blocks_with_the_same_placements(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Documents past the first block of a batch see the storylines that earlier blocks made or joined."""
    import narrascope.corpus.storylines as storylines

    rng = np.random.default_rng(3)
    topics = rng.normal(size=(12, 8))
    vectors = {}
    docs = []
    for n in range(150):  # 12 topics, each document near its topic: joins the storyline an earlier block started
        v = topics[n % 12] + 0.05 * rng.normal(size=8)
        vectors[f"w{n}"] = list(v / np.linalg.norm(v))
        docs.append(Document(f"d{n:03d}", f"text w{n}", published=f"2024-03-{1 + n // 30:02d}"))
    results = []
    for block in (7, 64, 1000):
        monkeypatch.setattr(storylines, "BLOCK", block)
        builder = StorylineBuilder(Fixed(vectors), threshold=0.8, min_shared=None)
        first = placed(builder, docs[:24])  # held storylines for the second batch: its blocks compare with them
        results.append({**first, **placed(builder, docs[24:])})
    assert results[0] == results[1] == results[2]
    assert len(set(results[0].values())) == 12  # one storyline per topic, across batches and blocks
