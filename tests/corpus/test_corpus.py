"""Dedup, storylines, surge statistic, report and incremental / interrupted ingest on SQLite."""

from __future__ import annotations

import math

import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from narrascope.corpus.dedup import DuplicateDetector
from narrascope.corpus.ingestion import ingest
from narrascope.corpus.report import render_report
from narrascope.corpus.storylines import HashingEmbedder, StorylineBuilder
from narrascope.corpus.trends import detect_surges
from narrascope.documents import Analysis, Document, EntityMention, LabelScore
from narrascope.store import open_store
from narrascope.store.base import TrendRow

STORY = ("The parliament approved a new budget for military aid on Tuesday after a long debate. Opposition members "
         "said the money would be better spent on hospitals and schools. The minister of finance promised that taxes "
         "would not rise next year despite the additional spending on weapons.")
OTHER = ("Heavy rain flooded the valley villages overnight and rescue teams evacuated three hundred residents. "
         "Meteorologists warned that more storms are expected along the coast during the weekend.")


def _builder() -> StorylineBuilder:
    return StorylineBuilder(HashingEmbedder(), threshold=0.5)


def test_syndicated_copies_grouped_under_earliest() -> None:
    detector = DuplicateDetector()
    docs = [
        Document("late", STORY + " Reported by Outlet B.", outlet="b", published="2024-05-03"),
        Document("other", OTHER, outlet="c", published="2024-05-01"),
        Document("early", STORY.replace("Tuesday", "Monday"), outlet="a", published="2024-05-02"),
    ]
    links, signatures = detector.process(docs)
    assert set(signatures) == {"late", "other", "early"}
    final = {d.document_id: d.origin_id for d in links}
    assert final == {"late": "early"}  # the earlier copy became the origin
    assert detector.origin_of("other") == "other"


STORY_DATA = Path(__file__).resolve().parents[1] / "data" / "storylines"
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def test_static_storylines_link_translations_and_keep_unrelated_stories_apart() -> None:
    """Real static embedder, language-centred: one story in EN/PT/RU is one storyline; other stories are not in it."""
    story_en = (EXAMPLES / "001_268feec614dfbdb7.txt").read_text(encoding="utf-8")
    other_en = (EXAMPLES / "003_578c96dde5a6e8cf.txt").read_text(encoding="utf-8")  # same topic, another story

    def read(name: str) -> str:
        return (STORY_DATA / name).read_text(encoding="utf-8")

    docs = [
        Document("en", story_en, language="en", published="2024-08-02"),
        Document("pt", read("us_involved_pt.txt"), language="pt", published="2024-08-03"),
        Document("ru", read("us_involved_ru.txt"), language="ru", published="2024-08-03"),
        Document("ru-budget", read("budget_ru.txt"), language="ru", published="2024-08-03"),
        Document("en-other", other_en, language="en", published="2024-08-04"),
    ]
    builder = StorylineBuilder()
    assert builder.centred  # the static embedder and its language means are shipped
    assigned, _ = builder.assign(docs)
    story_of = {doc: sid for sid, ids in assigned.items() for doc in ids}
    assert story_of["pt"] == story_of["en"] == story_of["ru"]
    assert story_of["ru-budget"] != story_of["en"] and story_of["en-other"] != story_of["en"]
    # Without centring the language component dominates: the same threshold links nothing across languages.
    raw = StorylineBuilder(threshold=builder.threshold, min_shared=0)  # embeddings only
    raw._embed = lambda ds: raw.embedder.embed([f"{d.title or ''}\n{d.text[:1500]}" for d in ds])  # type: ignore[method-assign]
    raw.embedder = builder.embedder
    raw_assigned, _ = raw.assign(docs)
    raw_story = {doc: sid for sid, ids in raw_assigned.items() for doc in ids}
    assert raw_story["en-other"] == raw_story["en"]  # two different EN stories merged


def test_storyline_ids_stable_across_runs(tmp_path: Path) -> None:
    db = tmp_path / "c.db"
    first = [Document("a1", STORY, title="Budget approved", published="2024-05-01"),
             Document("b1", OTHER, title="Floods", published="2024-05-01")]
    store = open_store(db)
    ingest(first, store, storylines=_builder())
    stories = {s.id: s.title for s in store.storylines().items}
    assert len(stories) == 2
    store.close()
    store = open_store(db)  # a later run continues from the stored centroids
    ingest([Document("a2", STORY.replace("budget", "spending plan"), title="Spending plan", published="2024-05-03")],
           store, storylines=_builder())
    after = {s.id: (s.title, s.size) for s in store.storylines().items}
    assert set(after) == set(stories)
    budget = next(sid for sid, (title, _) in after.items() if title == "Budget approved")
    assert after[budget][1] == 2 and store.get_storyline(budget).timeline == [("2024-05-01", 1), ("2024-05-03", 1)]
    store.close()


def test_surge_statistic_on_synthetic_counts() -> None:
    days = [f"2024-01-{d:02d}" for d in range(1, 32)] + [f"2024-02-{d:02d}" for d in range(1, 11)]
    totals = {d: 100 for d in days}
    rows = [TrendRow(d, "N", 10 + (i % 3)) for i, d in enumerate(days)]
    rows[-1] = TrendRow(days[-1], "N", 40)  # 40 against about 11 a day
    rows += [TrendRow(d, "quiet", 2) for d in days]
    surges = detect_surges(rows, totals)
    assert [(s.since, s.day, s.key, s.count) for s in surges] == [("2024-02-10", "2024-02-10", "N", 40)]
    s = surges[0]
    assert abs(s.share - 0.40) < 1e-9 and abs(s.baseline - 0.11) < 0.01 and abs(s.expected - 11) < 0.1
    assert s.p_value < 1e-8 and abs(s.score + math.log10(s.p_value)) < 1e-9
    assert detect_surges(rows, totals, min_ratio=4) == []  # 3.6 times the baseline share
    # 41 documents need two days: the rise is then reported from the day before
    assert [(s.since, s.count) for s in detect_surges(rows, totals, min_docs=41)] == [("2024-02-09", 50)]


def test_reingest_adds_nothing_and_report_is_self_contained(tmp_path: Path) -> None:
    store = open_store(tmp_path / "c.db")
    docs = [Document(f"d{i}", f"{STORY} Item {i} " + "word " * i, outlet=f"o{i % 3}", published=f"2024-05-{i + 1:02d}",
                     language="en") for i in range(6)]
    first = ingest(docs, store, storylines=_builder(), batch_size=4)
    assert first.added == 6
    again = ingest([Document(d.id, d.text, outlet=d.outlet, published=d.published) for d in docs], store, storylines=_builder())
    assert (again.added, again.skipped) == (0, 6)
    nato = [EntityMention("NATO", k, k + 4, "NATO", role, [], 0.5) for k, role in ((0, "Antagonist"), (9, "Antagonist"), (20, "Protagonist"))]
    store.add_analyses([Analysis("d0", narratives=[LabelScore("URW: Praise of Russia", 0.9)], entities=nato)])
    html = render_report(store)
    assert "<svg" in html and "URW: Praise of Russia" in html
    assert "<td>NATO</td><td>1</td><td>Antagonist 1</td><td>Antagonist 100%</td>" in html  # one document, its majority role
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html, re.I)
    assert "<script" not in html.lower()
    store.close()


def test_kill_9_then_resume_loses_and_duplicates_nothing(tmp_path: Path) -> None:
    folder = tmp_path / "articles"
    folder.mkdir()
    n = 400
    for i in range(n):
        (folder / f"a{i:04d}.txt").write_text(f"Article number {i}.\n{OTHER} Unique token q{i}z{i * 7}.", encoding="utf-8")
    db = tmp_path / "c.db"
    cmd = [sys.executable, "-m", "narrascope.cli", "ingest", str(folder), "--db", str(db), "--no-analyze",
           "--no-storylines", "--batch-size", "5"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    stored = 0
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            with sqlite3.connect(db) as conn:
                stored = conn.execute("SELECT COUNT(*) FROM documents").fetchone()[0]
        except sqlite3.Error:
            stored = 0
        if stored >= 20:
            os.kill(proc.pid, signal.SIGKILL)
            break
        time.sleep(0.05)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL, "ingest finished before it could be killed"
    assert 0 < stored < n
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    with sqlite3.connect(db) as conn:
        count, distinct = conn.execute("SELECT COUNT(*), COUNT(DISTINCT content_hash) FROM documents").fetchone()
        sources = {Path(r[0]).name for r in conn.execute("SELECT source FROM documents")}
    assert count == distinct == n
    assert sources == {f"a{i:04d}.txt" for i in range(n)}
