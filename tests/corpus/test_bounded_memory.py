"""An ingest holds a window of the corpus, never all of it: nothing reads every stored signature, id or storyline;
storylines are read by period and forgotten after ``cache_days`` (the daily counts: tests/store/test_daily_counts.py)."""

from __future__ import annotations

import random
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from narrascope.corpus.ingestion import ingest
from narrascope.corpus.storylines import StorylineBuilder
from narrascope.documents import Analysis, Document, LabelScore
from narrascope.store import open_store

EVENTS = ["Floods in Valencia killed {n} people after torrential rain; rescuers searched the Poyo ravine.",
          "Record heat in Athens closed the Acropolis as temperatures reached {n} degrees near Mount Parnitha.",
          "Swiss glaciers lost {n} percent of their volume this year, the Glamos monitoring network reported."]


TOPICS = ("Floods", "Record", "Swiss")
WORDS = ("mayor council river bridge school road police water power market train station harbour museum forest "
         "village farm storm wind snow court judge budget minister vote clinic doctor nurse teacher church").split()


class TopicEmbedder:
    """One direction per event (the first word of the text), so that storylines follow the events exactly."""

    name = "topic"

    def embed(self, texts: list[str], kind: str = "passage") -> np.ndarray:
        out = np.zeros((len(texts), 4), dtype=np.float32)
        for i, text in enumerate(texts):
            first = text.split()[0]
            out[i, TOPICS.index(first) if first in TOPICS else 3] = 1.0
        return out


def _stream(days: int, per_day: int = 3, start: date = date(2024, 1, 1)) -> list[Document]:
    """Every day one article per event, each event a new story every 20 days (the numbers change)."""
    docs = []
    for d in range(days):
        day = (start + timedelta(days=d)).isoformat()
        for e in range(per_day):
            rng = random.Random(d * 10 + e)  # a report of its own: no two documents are near-duplicates
            text = EVENTS[e % len(EVENTS)].format(n=10 + d // 20) + " " + " ".join(rng.choices(WORDS, k=40)) + "."
            docs.append(Document(f"d{d:03d}-{e}", text, title=text[:40], language="en", published=day,
                                 outlet=f"outlet{e}.example"))
    return docs


class Labels:
    """One narrative per document, by its event."""

    def analyze(self, documents: list[Document]) -> list[Analysis]:
        return [Analysis(d.id, "en", narratives=[LabelScore(f"URW: {d.text.split()[0]}", 0.9)]) for d in documents]


class Watched:
    """A store that fails on every read of the whole corpus (signatures, ids, storylines page by page)."""

    def __init__(self, store: Any) -> None:
        self._store = store

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)

    def iter_signatures(self, ids: Any = None) -> Any:
        assert ids is not None, "every stored signature read"
        return self._store.iter_signatures(ids)

    def document_ids(self) -> set[str]:
        raise AssertionError("every stored id read")

    def storylines(self, limit: int = 50, **kwargs: Any) -> Any:
        assert limit <= 1, "every storyline read"
        return self._store.storylines(limit=limit, **kwargs)


def _builder(**kwargs: Any) -> StorylineBuilder:
    return StorylineBuilder(TopicEmbedder(), threshold=0.9, min_shared=0, **kwargs)


def test_an_ingest_into_a_large_store_reads_no_whole_table_and_holds_a_window_of_storylines(tmp_path: Path) -> None:
    store = open_store(tmp_path / "c.db")
    ingest(_stream(100), store, Labels(), storylines=_builder(), batch_size=16)
    builder = _builder(window_days=7)
    later = _stream(130)[300:]  # days 100-129
    summary = ingest(later, Watched(store), Labels(), storylines=builder, batch_size=16)  # type: ignore[arg-type]
    assert summary.added == len(later)
    # in memory: storylines last seen within cache_days (14) of the latest day, 2024-05-09 (day 129)
    assert builder.storylines and all(s.last_seen >= "2024-04-25" for s in builder.storylines.values())
    assert store.storylines(limit=1).total > len(builder.storylines)


def test_windowed_storylines_place_a_stream_as_an_unbounded_builder_does(tmp_path: Path) -> None:
    docs = _stream(90)
    # a late article for day 28, after the stream moved on 60 days: its storylines are read from the store again
    late = Document("late", EVENTS[0].format(n=11) + " A late report.", language="en", published="2024-01-29")
    placed = {}
    for name, builder in (("windowed", _builder(cache_days=10)), ("unbounded", _builder(cache_days=100_000))):
        store = open_store(tmp_path / f"{name}.db")
        ingest(docs, store, Labels(), storylines=builder, batch_size=8)
        placed[name + " size"] = len(builder.storylines)  # type: ignore[assignment]
        ingest([late], store, Labels(), storylines=builder, loaded=True)
        placed[name] = {d.id: store.storyline_of(d.id) for d in docs + [late]}
        store.close()
    assert placed["windowed"] == placed["unbounded"]
    assert placed["windowed"]["late"] == placed["windowed"]["d028-0"]  # found through the store
    assert placed["windowed size"] == 3 < placed["unbounded size"] == 9  # one storyline per event, or all


DECOY = "atoll lagoon tarawa seawall coral reef cyclone tide kiribati canoe fishing copra ferry airstrip".split()


def test_story_keys_of_few_storylines_in_memory_place_a_stream_as_all_of_them_do(tmp_path: Path) -> None:
    """With a store, the story keys of only ``max_keyed`` storylines stay in memory; the others are read again from
    their stored documents when a new article may join them, so placements do not change. Decoys (the embedding of
    the floods story, other words) are kept apart by the keys alone."""
    docs = _stream(40)
    for d in range(0, 40, 3):
        rng = random.Random(1000 + d)
        text = "Floods " + " ".join(rng.choices(DECOY, k=30)) + "."
        docs.append(Document(f"decoy{d:02d}", text, title=text[:40], language="en",
                             published=(date(2024, 1, 1) + timedelta(days=d)).isoformat(), outlet="atoll.example"))
    docs.sort(key=lambda doc: (doc.published, doc.id))
    placed = {}
    for name, keyed in (("bounded", 1), ("unbounded", 1_000_000)):
        builder = StorylineBuilder(TopicEmbedder(), threshold=0.9)  # story keys checked (min_shared)
        builder.max_keyed = keyed
        store = open_store(tmp_path / f"{name}.db")
        ingest(docs, store, Labels(), storylines=builder, batch_size=8)
        placed[name] = {d.id: store.storyline_of(d.id) for d in docs}
        placed[name + " keyed"] = len(builder._keys)  # type: ignore[assignment]
        store.close()
    assert placed["bounded"] == placed["unbounded"]
    decoys = {sid for doc_id, sid in placed["bounded"].items() if doc_id.startswith("decoy")}
    events = {sid for doc_id, sid in placed["bounded"].items() if not doc_id.startswith("decoy")}
    assert decoys and not decoys & events
    assert placed["bounded keyed"] < placed["unbounded keyed"]


def test_story_keys_are_kept_with_each_document_and_those_of_older_documents_computed_once(tmp_path: Path) -> None:
    """An ingest keeps the story keys of the documents it places (a storyline's keys are read, not computed again
    from the text); a document stored without them (before schema version 12) gets them computed by the next ingest
    that needs them, and a stream is placed as if they had always been kept."""
    from narrascope.corpus.storylines import STORY_CHARS, keep_story_keys, story_keys

    docs = _stream(30)
    placed = {}
    for name in ("kept", "dropped"):
        store = open_store(tmp_path / f"{name}.db")
        ingest(docs[:60], store, Labels(), storylines=StorylineBuilder(TopicEmbedder(), threshold=0.9), batch_size=8)
        if name == "dropped":
            store._execute("DELETE FROM story_keys WHERE document_id LIKE '%-1'")  # type: ignore[attr-defined]
        kept = {k.document_id: k.keys for k in store.sample_story_keys(STORY_CHARS, 1000)}
        assert len(kept) == 60 and sum(keys is None for keys in kept.values()) == (20 if name == "dropped" else 0)
        for doc in docs[:60]:
            assert kept[doc.id] in (None, frozenset(story_keys(f"{doc.title}\n{doc.text[:STORY_CHARS]}")))
        ingest(docs[60:], store, Labels(), storylines=StorylineBuilder(TopicEmbedder(), threshold=0.9), batch_size=8)
        placed[name] = {d.id: store.storyline_of(d.id) for d in docs}
        computed = {k.document_id for k in store.sample_story_keys(STORY_CHARS, 1000) if k.keys is not None}
        placed[name + " keys"] = len(computed)  # type: ignore[assignment]
        store.close()
    assert placed["kept"] == placed["dropped"]
    assert placed["kept keys"] == placed["dropped keys"] == len(docs)  # the older ones got theirs, once
    store = open_store(tmp_path / "kept.db")  # or all at once
    store._execute("DELETE FROM story_keys WHERE document_id LIKE '%-2'")  # type: ignore[attr-defined]
    assert keep_story_keys(store, batch_size=7) == 30 and keep_story_keys(store) == 0
    assert {k.document_id: k.keys for k in store.sample_story_keys(STORY_CHARS, 1000)} == {
        d.id: frozenset(story_keys(f"{d.title}\n{d.text[:STORY_CHARS]}")) for d in docs}
