"""The review loop's tiny real corpus, shared by the TestClient flow test and the Chromium one.

Eight short articles on two narratives; the "model" got one of them wrong (``TRAP``: a Discrediting-Ukraine text
labelled Blaming-the-war). ``base.csv`` holds the same wrong label, so a model trained on it repeats the mistake;
the analyst fixes it in the review page and ``narrascope train base.csv --db DB`` learns the fix.
"""

from __future__ import annotations

import csv
from pathlib import Path

from narrascope.documents import Analysis, Document, LabelScore
from narrascope.store import open_store

BLAME = "URW: Blaming the war on others rather than the invader"
DISCREDIT = "URW: Discrediting Ukraine"
PUPPET = "URW: Discrediting Ukraine: Ukraine is a puppet of the West"
TRAP = "d7"

_BLAME_TEXTS = [
    "Western capitals pushed Kyiv into this war and NATO keeps the conflict burning for its own gain.",
    "NATO expansion provoked the war; Western capitals pushed Moscow into a corner and keep it burning.",
    "The war was provoked by NATO and Western capitals, who keep the conflict burning with weapons.",
    "Washington and NATO pushed the region into war, Western capitals keep this conflict burning.",
]
_DISCREDIT_TEXTS = [
    "The government in Kyiv takes its orders from foreign embassies and is a puppet regime of corrupt officials.",
    "Corrupt officials in Kyiv take orders from foreign embassies; the regime is a puppet with no will of its own.",
    "Kyiv is run by a corrupt puppet regime whose officials take their orders from foreign embassies.",
    "A puppet regime of corrupt officials in Kyiv takes orders from embassies abroad, the report says.",
]


def texts() -> dict[str, tuple[str, str]]:
    """``{id: (text, true narrative)}``."""
    out = {f"d{i}": (t, BLAME) for i, t in enumerate(_BLAME_TEXTS)}
    out.update({f"d{i + 4}": (t, DISCREDIT) for i, t in enumerate(_DISCREDIT_TEXTS)})
    return out


def build(folder: Path) -> tuple[Path, Path]:
    """``(corpus.db, base.csv)`` in ``folder``: the store with the model's analyses, and the training file with the
    model's (partly wrong) labels."""
    db, base = folder / "corpus.db", folder / "base.csv"
    store = open_store(db)
    docs, analyses, rows = [], [], []
    for doc_id, (text, truth) in texts().items():
        said = BLAME if doc_id == TRAP else truth
        docs.append(Document(doc_id, text, title=f"Article {doc_id}", language="en"))
        analyses.append(Analysis(doc_id, "en", narratives=[LabelScore(said, 0.45 if doc_id == TRAP else 0.9)]))
        rows.append([doc_id, text, "en", said])
    with store.transaction():
        store.add_documents(docs)
        store.add_analyses(analyses)
    store.close()
    with open(base, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "text", "language", "labels"])
        writer.writerows(rows)
    return db, base


def train(out: Path, *args: str) -> None:
    """``narrascope train ARGS --out OUT --folds 1`` (fails the test on an error)."""
    from typer.testing import CliRunner

    from narrascope.cli import app

    result = CliRunner().invoke(app, ["train", *args, "--out", str(out), "--folds", "1"])
    assert result.exit_code == 0, result.output


def narratives_of(model_dir: Path, doc_id: str) -> list[str]:
    from narrascope.components.narratives.classifier import NarrativeClassifier

    text = texts()[doc_id][0]
    prediction = NarrativeClassifier.load(model_dir).predict([Document(doc_id, text, language="en")])[0]
    return [label for label, _ in prediction.narratives]
