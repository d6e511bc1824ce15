"""Two writers on one store: ingests that race on the same text, URL or id, and runs left behind by killed processes."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import pytest

from narrascope.corpus.ingestion import ingest
from narrascope.documents import Analysis, Document, LabelScore
from narrascope.store import open_store
from narrascope.store.base import Duplicate

TEXT = "The council voted to repair the old harbour bridge before winter. Work starts on Monday."
OTHER = "Heavy rain flooded the valley villages overnight and rescue teams evacuated three hundred residents."


class LabelEverything:
    """A stand-in pipeline: one narrative per document."""

    def analyze(self, documents: Sequence[Document]) -> list[Analysis]:
        return [Analysis(d.id, narratives=[LabelScore("URW: Praise of Russia", 0.9)]) for d in documents]


def _stale_view(store) -> None:  # type: ignore[no-untyped-def]
    """Make ``store`` see the corpus as it was before the other writer committed (the race window)."""
    store.known = lambda urls=(), hashes=(): (set(), set())
    store.taken_ids = lambda ids: set()
    store.iter_signatures = lambda ids=None: iter(())


def test_losing_the_race_on_the_same_text_skips_it(store_location: str) -> None:
    first, second = open_store(store_location), open_store(store_location)
    try:
        assert ingest([Document("a1", TEXT)], first, LabelEverything(), storylines=False).added == 1
        _stale_view(second)
        summary = ingest([Document("b1", TEXT), Document("b2", OTHER)], second, LabelEverything(), storylines=False)
        assert (summary.added, summary.skipped) == (1, 1)
        assert second.count_documents() == 2 and second.get_document("b1") is None
        assert second.get_analysis("b2") is not None
        assert second.runs(1)[0].added == 1
    finally:
        first.close()
        second.close()


def test_losing_the_race_on_the_id_stores_under_a_new_id(store_location: str) -> None:
    first, second = open_store(store_location), open_store(store_location)
    try:
        ingest([Document("a1", TEXT)], first, LabelEverything(), storylines=False)
        _stale_view(second)
        clash = Document("a1", OTHER)
        summary = ingest([clash], second, LabelEverything(), storylines=False)
        assert summary.added == 1
        renamed = f"a1~{clash.content_hash[:10]}"
        assert second.get_document(renamed).text == OTHER  # type: ignore[union-attr]
        assert second.get_analysis(renamed) is not None
        assert second.get_document("a1").text == TEXT  # type: ignore[union-attr]
    finally:
        first.close()
        second.close()


def test_two_processes_ingesting_the_same_texts_lose_and_double_nothing(tmp_path: Path) -> None:
    n = 120
    for folder, prefix in (("one", "a"), ("two", "b")):
        (tmp_path / folder).mkdir()
        for i in range(n):
            (tmp_path / folder / f"{prefix}{i:03d}.txt").write_text(f"Story {i}.\n{OTHER} Token q{i}z{i * 7}.", encoding="utf-8")
    db = tmp_path / "c.db"
    cmd = [sys.executable, "-m", "narrascope.cli", "ingest", "--db", str(db), "--no-analyze", "--no-storylines", "--batch-size", "4"]
    procs = [subprocess.Popen([*cmd, str(tmp_path / f)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for f in ("one", "two")]
    outputs = [p.communicate(timeout=300) for p in procs]
    for proc, (out, errors) in zip(procs, outputs):
        assert proc.returncode == 0, errors
    added = sum(json.loads(out)["added"] for out, _ in outputs)
    store = open_store(db)
    try:
        assert store.count_documents() == n == added
        assert sum(r.added for r in store.runs()) == n
    finally:
        store.close()


def test_a_run_of_a_dead_process_is_marked_interrupted(store_location: str) -> None:
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    store = open_store(store_location)
    try:
        killed = store.start_run("ingest", ["a"])
        silent = store.start_run("ingest", ["b"])
        alive = store.start_run("ingest", ["c"])
        store._execute("UPDATE runs SET pid = ? WHERE id = ?", (int(dead.stdout), killed))  # type: ignore[attr-defined]
        store.add_documents([Document("k1", TEXT), Document("k2", OTHER)], killed)  # its committed batch
        store._execute("UPDATE runs SET host = 'elsewhere', heartbeat_at = '2020-01-01T00:00:00+00:00' WHERE id = ?",  # type: ignore[attr-defined]
                       (silent,))
        latest = store.start_run("ingest", ["d"])
        status = {r.id: r.status for r in store.runs()}
        assert status == {killed: "interrupted", silent: "interrupted", alive: "running", latest: "running"}
        added = {r.id: r.added for r in store.runs()}
        assert added[killed] == 2 and added[silent] == 0  # what the dead run committed is counted
    finally:
        store.close()


def test_many_connections_opening_a_new_sqlite_file_at_once_all_succeed(tmp_path: Path) -> None:
    # switching a new file to WAL does not wait for a busy lock in SQLite; before the retry about 5% of these rounds
    # failed with "not a narrascope SQLite database (database is locked)"
    import threading

    failures: list[str] = []
    for round_ in range(100):
        path = tmp_path / f"r{round_}.db"
        start = threading.Barrier(6)

        def open_and_write(i: int, path: Path = path, start: threading.Barrier = start) -> None:
            start.wait()
            try:
                store = open_store(path)
                try:
                    assert ingest([Document(f"d{i}", f"{OTHER} Thread {i}.")], store, LabelEverything(),
                                  storylines=False).added == 1
                finally:
                    store.close()
            except Exception as exc:  # noqa: BLE001 - collected and asserted below
                failures.append(repr(exc))

        threads = [threading.Thread(target=open_and_write, args=(i,)) for i in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert failures == []


# -- two ingests whose views of the corpus go stale: each loaded its duplicate detector and storylines before the
# other committed (as concurrent `narrascope ingest` processes, or the web API's kept state, do)

STORY = ("The council of Rivertown voted on Tuesday to repair the old harbour bridge before winter, after engineers "
         "found deep cracks in two of its stone pillars. Work starts on Monday and the bridge closes for six weeks. "
         "Ferries will carry commuters across the river while the crews work, the mayor said.")


def _builder():  # type: ignore[no-untyped-def]
    from narrascope.corpus.storylines import HashingEmbedder, StorylineBuilder

    return StorylineBuilder(embedder=HashingEmbedder(), threshold=0.3, min_shared=None)


def _loaded(store):  # type: ignore[no-untyped-def]
    from narrascope.corpus.dedup import DuplicateDetector

    return DuplicateDetector().load(store), _builder().load(store)


def _storyline_sizes(store) -> tuple[dict[str, int], dict[str, int]]:  # type: ignore[no-untyped-def]
    """``({storyline: recorded size}, {storyline: documents in it})``."""
    recorded = {r[0]: int(r[1]) for r in store._all("SELECT id, size FROM storylines")}
    members = {r[0]: int(r[1]) for r in store._all("SELECT storyline_id, COUNT(*) FROM documents"
                                                   " WHERE storyline_id IS NOT NULL GROUP BY storyline_id")}
    return recorded, members


def test_a_copy_links_to_its_origin_stored_by_another_ingest_since_this_one_loaded(store_location: str) -> None:
    # before: the second ingest never saw the origin, stored the copy unlinked, and statistics counted the story twice
    first, second = open_store(store_location), open_store(store_location)
    try:
        detector, builder = _loaded(second)
        ingest([Document("origin", STORY, published="2024-05-01")], first, LabelEverything(), storylines=_builder())
        copy = Document("copy", STORY.replace(" Work starts on Monday", ""), published="2024-05-02")
        summary = ingest([copy], second, LabelEverything(), detector=detector, storylines=builder, loaded=True)
        assert summary.added == 1
        assert second.origin_of("copy") == Duplicate("copy", "origin", second.origin_of("copy").similarity)  # type: ignore[union-attr]
        assert second.storyline_of("copy") == second.storyline_of("origin")
        recorded, members = _storyline_sizes(second)
        assert recorded == members
    finally:
        first.close()
        second.close()


def test_two_ingests_growing_one_storyline_keep_its_size_true(store_location: str) -> None:
    # before: each wrote the size it counted from its own stale copy (2), while the storyline held 3 documents
    first, second = open_store(store_location), open_store(store_location)
    try:
        ingest([Document("a", STORY, published="2024-05-01")], first, LabelEverything(), storylines=_builder())
        one, two = _loaded(first), _loaded(second)
        ingest([Document("b", STORY + " Shops on the quay stay open.", published="2024-05-02")], first,
               LabelEverything(), detector=one[0], storylines=one[1], loaded=True)
        ingest([Document("c", STORY + " The toll is waived.", published="2024-05-03")], second,
               LabelEverything(), detector=two[0], storylines=two[1], loaded=True)
        recorded, members = _storyline_sizes(second)
        assert recorded == members == {second.storyline_of("a"): 3}
    finally:
        first.close()
        second.close()


def test_losing_the_race_on_a_text_leaves_no_empty_storyline_nor_dangling_link(store_location: str) -> None:
    # before: the loser grouped the text it then did not store: a storyline without documents, and a later copy in
    # its batch linked to an origin that is not in the store
    first, second = open_store(store_location), open_store(store_location)
    try:
        detector, builder = _loaded(second)
        ingest([Document("a1", STORY, published="2024-05-01")], first, LabelEverything(), storylines=_builder())
        second.known = lambda urls=(), hashes=(): (set(), set())  # type: ignore[method-assign]
        second.taken_ids = lambda ids: set()  # type: ignore[method-assign]
        copy = Document("b2", STORY.replace(" Work starts on Monday", ""), published="2024-05-02")
        summary = ingest([Document("b1", STORY, published="2024-05-01"), copy], second, LabelEverything(),
                         detector=detector, storylines=builder, loaded=True)
        assert (summary.added, summary.skipped) == (1, 1)
        recorded, members = _storyline_sizes(second)
        assert recorded == members
        dangling = second._all("SELECT document_id FROM duplicates x WHERE NOT EXISTS"  # type: ignore[attr-defined]
                               " (SELECT 1 FROM documents d WHERE d.id = x.origin_id)")
        assert dangling == []
        assert second.origin_of("b2").origin_id == "a1"  # type: ignore[union-attr]
    finally:
        first.close()
        second.close()


def test_an_earlier_copy_in_a_later_batch_becomes_the_origin_of_the_stored_group(store_location: str) -> None:
    # before: only the links of the batch's own documents were written, so the stored group kept its old origin and
    # the earlier copy stood alone (two origins for one story)
    store = open_store(store_location)
    try:
        late = Document("late", STORY, published="2024-05-03")
        early = Document("early", STORY.replace(" Work starts on Monday", ""), published="2024-05-01")
        ingest([late, early], store, LabelEverything(), batch_size=1, storylines=False)
        assert store.origin_of("early") is None
        assert store.origin_of("late").origin_id == "early"  # type: ignore[union-attr]
    finally:
        store.close()
