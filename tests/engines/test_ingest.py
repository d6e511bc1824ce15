"""``corpus.ingest`` with the analysis on an engine: the store ends byte for byte as the in-process ingest leaves it.

The coordinator (this process) reads and checks the next batches while a process pool analyses them, and stores each
batch itself, in one transaction, as before. Ray gets the same test in ``test_ray.py``.
"""

from __future__ import annotations

import random
import sqlite3
from pathlib import Path
from typing import Any

from narrascope.corpus.ingestion import ingest
from narrascope.corpus.storylines import HashingEmbedder, StorylineBuilder
from narrascope.documents import Document, FailedInput
from narrascope.engines import EngineRun, PipelineSpec, create_engine
from narrascope.store import open_store

STEPS = ("language", "test_words")
TOPICS = [
    "The parliament approved a new budget for military aid after a long debate about hospitals and schools.",
    "Heavy rain flooded the valley villages overnight and rescue teams evacuated three hundred residents.",
    "Die Regierung hat am Dienstag neue Sanktionen gegen mehrere Banken und Energiefirmen beschlossen.",
    "Le gouvernement a présenté une réforme des retraites qui prévoit un départ plus tardif pour tous.",
]

VOCABULARY = ("harbour council miners railway bakery orchestra glacier tariff vaccine election drought satellite "
              "museum festival bridge refinery lottery pension tunnel vineyard cathedral ferry airport strike "
              "customs embassy forest wildfire stadium library theatre bishop river coalition mayor court").split()


def stream() -> list[Document | FailedInput]:
    """Thirty-odd documents without a language (the language step sets it on the document), with syndicated copies, a
    text seen twice, an id used by two texts, a failed input and a document the test step fails on."""
    items: list[Document | FailedInput] = []
    for i in range(24):
        words = random.Random(i).sample(VOCABULARY, 24)  # distinct texts: only the copies are near-duplicates
        text = f"{TOPICS[i % 4]} {' '.join(words).capitalize()}."
        items.append(Document(f"d{i:02d}", text, outlet=f"o{i % 3}", published=f"2025-03-{i % 9 + 1:02d}",
                              url=f"https://news.test/{i}"))
        if i % 6 == 2:  # a copy at another outlet, a day later
            items.append(Document(f"c{i:02d}", text + " Syndicated.", outlet="wire", published=f"2025-03-{i % 9 + 2:02d}"))
    items.insert(7, FailedInput(source="feed.jsonl", reason="line 8: no text", line=8))
    items.insert(11, Document("d03", "Another text under a taken id, about harbour fees and fishing quotas."))
    items.insert(6, Document("again", items[2].text))  # the text of d02, stored once (read while d02 is analysed)
    items.insert(20, Document("boom", "This BOOM article breaks the words step, so it is stored with its error."))
    return items


def run(db: Path, analyser: Any, **options: Any) -> dict[str, Any]:
    store = open_store(db)
    try:
        summary = ingest(stream(), store, analyser, batch_size=5, record_ids=False,
                         storylines=StorylineBuilder(HashingEmbedder(), threshold=0.5), **options)
    finally:
        store.close()
    return {k: v for k, v in summary.to_dict().items() if k != "run_id"}


def contents(db: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Everything an ingest writes, but run ids and times."""
    con = sqlite3.connect(db)
    tables = {
        "documents": "SELECT id, text, title, url, outlet, published, day, language, source, content_hash, storyline_id,"
                     " ingest_seq FROM documents ORDER BY id",
        "analyses": "SELECT document_id, model, taxonomy, error, data FROM analyses ORDER BY document_id",
        "labels": "SELECT * FROM labels ORDER BY document_id, level, label",
        "duplicates": "SELECT * FROM duplicates ORDER BY document_id",
        "signatures": "SELECT * FROM signatures ORDER BY document_id",
        "storylines": "SELECT id, title, size, first_seen, last_seen, centroid FROM storylines ORDER BY id",
        "daily_counts": "SELECT * FROM daily_counts ORDER BY kind, day, key",
    }
    try:
        return {name: con.execute(sql).fetchall() for name, sql in tables.items()}
    finally:
        con.close()


def spec(steps_module: str, fail_on: str = "BOOM") -> PipelineSpec:
    return PipelineSpec(STEPS, options={"test_words": {"fail_on": fail_on}}, batch_size=3, imports=(steps_module,))


def test_an_ingest_on_a_process_pool_stores_what_the_in_process_ingest_stores(steps_module, tmp_path: Path):
    here, pooled = tmp_path / "here.db", tmp_path / "pool.db"
    pool = create_engine("local", workers=2)
    first = run(here, spec(steps_module).build())
    assert first == run(pooled, EngineRun(pool, spec(steps_module)))
    assert first["added"] == 30 and first["skipped"] == 1 and first["failed"] == 1 and first["analysis_failed"] == 1
    assert first["duplicates"] == 4
    stored = contents(here)
    assert stored == contents(pooled)
    assert all(row[7] for row in stored["documents"])  # set on the document by the language step, in a worker
    assert "d03~" in " ".join(row[0] for row in stored["documents"])  # the second d03 renamed
    errors = [(row[0], row[3]) for row in stored["analyses"] if row[3]]
    assert errors == [("boom", "test_words failed: ValueError: cannot analyse boom")]

    # the failed analysis is done again by the next ingest (here with a step that no longer fails), the rest skipped
    second = run(here, spec(steps_module, fail_on="NEVER").build())
    assert second == run(pooled, EngineRun(pool, spec(steps_module, fail_on="NEVER")))
    assert (second["added"], second["reanalysed"], second["analysis_failed"], second["skipped"]) == (0, 1, 0, 31)
    assert contents(here) == contents(pooled)
    third = run(pooled, EngineRun(pool, spec(steps_module)))
    assert (third["added"], third["reanalysed"], third["skipped"]) == (0, 0, 31)


def test_batches_come_back_whole_and_in_order_with_empty_ones_too(steps_module):
    batches = [[Document(f"b{b}-{i}", f"text {b} {i}", language="en") for i in range(n)] for b, n in enumerate([4, 0, 7, 0, 0, 2])]
    plain = PipelineSpec(("test_words",), batch_size=3, imports=(steps_module,))
    expected = [[a.to_dict() for a in plain.build().analyze(batch)] for batch in batches]
    for workers in (1, 2):
        got = EngineRun(create_engine("local", workers=workers), plain).analyze_batches(iter(batches))
        assert [[a.to_dict() for a in analyses] for analyses in got] == expected
