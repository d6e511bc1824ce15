"""The analyst's loop through the CLI (issue 26): a corpus analysed with a model, a few reviewed articles,
`train --db` on them plus the model's own training data, `reanalyze` with the new model (incremental, resumable,
reviewed labels kept), and a store that keeps the taxonomy of its first model."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from narrascope.cli import app
from narrascope.store import open_store

runner = CliRunner()
BLAME = "War blame shifted"
CLIMATE = "Climate change downplayed"


def _run(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture(scope="module")
def first_model(tmp_path_factory: pytest.TempPathFactory, test_data: Path) -> Path:
    """The two-narrative demo model, trained on the tiny CSV + JSONL (it records them in TRAINING_DATA.json)."""
    out = tmp_path_factory.mktemp("loop") / "first"
    data = test_data / "custom"
    _run("train", str(data / "train.csv"), str(data / "train.jsonl"), "--taxonomy", str(data / "demo.yaml"),
         "--out", str(out), "--folds", "3")
    return out


@pytest.fixture
def corpus(first_model: Path, test_data: Path, tmp_path: Path) -> Path:
    """Six articles ingested with the first model."""
    db = tmp_path / "corpus.db"
    _run("ingest", str(test_data / "loop" / "articles.jsonl"), "--db", str(db), "--model", str(first_model),
         "--no-storylines")
    return db


def test_train_db_uses_the_model_training_data_and_reanalyze_relabels_the_corpus(
        first_model: Path, corpus: Path, tmp_path: Path) -> None:
    recorded = json.loads((first_model / "TRAINING_DATA.json").read_text(encoding="utf-8"))
    assert [Path(f).name for f in recorded["files"]] == ["train.csv", "train.jsonl"]
    store = open_store(corpus)
    first_id = store.get_analysis("a1").model  # type: ignore[union-attr]
    assert first_id.startswith("narratives:first@") and len(first_id.split("@")[1]) == 12
    store.review("a3", "narrative", BLAME, "accepted", user="ana")  # a budget article, labelled by hand
    store.review("a1", "narrative", BLAME, "accepted", user="ana")
    store.close()
    out = tmp_path / "second"
    result = runner.invoke(app, ["train", "--db", str(corpus), "--base", str(first_model), "--out", str(out),
                                 "--folds", "3"])
    assert result.exit_code == 0, result.output
    said = " ".join(result.output.split())
    assert "training on 2 reviewed articles from" in said and "12 labelled articles from" in said and "train.csv" in said
    assert json.loads((out / "TRAINING_DATA.json").read_text(encoding="utf-8"))["reviewed"] == 2
    summary = json.loads(_run("reanalyze", "--db", str(corpus), "--model", str(out)).strip().splitlines()[-1])
    assert summary["todo"] == 6 and summary["done"] == 6 and summary["failed"] == 0
    store = open_store(corpus)
    second_id = summary["model"]
    assert second_id.startswith("narratives:second@") and second_id != first_id
    assert store.analysis_models() == {second_id: 6}
    kept = store.get_analysis("a3")
    assert kept is not None and kept.model == second_id and kept.reviewed and BLAME in kept.narrative_labels
    assert store.get_analysis("a2").model == second_id and not store.get_analysis("a2").reviewed  # type: ignore[union-attr]
    store.close()
    again = json.loads(_run("reanalyze", "--db", str(corpus), "--model", str(out)).strip().splitlines()[-1])
    assert again["done"] == 0 and again["already"] == 6  # nothing left to do


def test_reanalysis_killed_midway_goes_on_where_it_stopped(first_model: Path, corpus: Path, tmp_path: Path) -> None:
    from narrascope.corpus.reanalysis import reanalyze
    from narrascope.pipeline import Pipeline

    copy = tmp_path / "copy"
    shutil.copytree(first_model, copy)  # same weights, another directory: another model id
    pipeline = Pipeline.from_names(["language", "narratives"], narratives={"model": str(copy)})
    store = open_store(corpus)

    def killed(count: int) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        reanalyze(store, pipeline, batch_size=4, progress=killed)
    assert store.analysis_models() == {pipeline.model_id: 4, store.get_analysis("a6").model: 2}  # type: ignore[union-attr]
    assert store.runs(1)[0].status == "failed" and store.runs(1)[0].added == 4
    rest = reanalyze(store, pipeline, batch_size=4)
    assert (rest.todo, rest.done, rest.already) == (2, 2, 4) and store.analysis_models() == {pipeline.model_id: 6}
    store.close()


def test_train_db_with_too_few_articles_explains_what_to_do(corpus: Path, tmp_path: Path, test_data: Path) -> None:
    store = open_store(corpus)
    store.review("a1", "narrative", BLAME, "accepted")
    store.close()
    unknown = tmp_path / "unknown"  # a model that does not say what it was trained on
    shutil.copytree(test_data / "custom", unknown)
    (unknown / "taxonomy.yaml").write_text((test_data / "custom" / "demo.yaml").read_text(encoding="utf-8"))
    result = runner.invoke(app, ["train", "--db", str(corpus), "--base", str(unknown), "--out", str(tmp_path / "m")])
    said = " ".join(result.output.split())
    assert result.exit_code == 2 and "training on 1 reviewed articles" in said
    assert "1 labelled articles are too few to train a narrative model (at least 5" in said
    assert "narrascope train FILES --db" in said and "does not say what it was trained on" in said
    assert not (tmp_path / "m").exists()


def test_a_store_keeps_the_taxonomy_of_its_first_model(corpus: Path, test_data: Path) -> None:
    result = runner.invoke(app, ["ingest", str(test_data / "custom" / "train.csv"), "--db", str(corpus)])
    said = " ".join(result.output.split())
    assert result.exit_code == 2
    assert "labelled with the taxonomy 'analyst-demo' (fixed by the first model that analysed it), not " \
           "'semeval2025-task10'" in said
    store = open_store(corpus)
    assert store.count_documents() == 6 and store.taxonomy_name() == "analyst-demo"
    store.close()
    served = runner.invoke(app, ["serve", "--db", str(corpus), "--no-preload"])
    assert served.exit_code == 2 and "labelled with the taxonomy 'analyst-demo'" in " ".join(served.output.split())
