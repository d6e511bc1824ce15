"""The whole analyst's loop in headless Chromium (issue 26): reject a label and see the article, the overview and the
narrative count change at once; review five articles; `train --db`; re-analyse from the dashboard with the new
model; the pages show the new model's labels and keep the reviewed ones.

Kept fast with the two-narrative demo taxonomy and its 12 training articles (``tests/data/custom``) over six
articles (``tests/data/loop``). Skips without /usr/bin/chromium or Playwright, fails then under ``CI=true``.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import quote

import pytest
from typer.testing import CliRunner

from narrascope.cli import app
from narrascope.pipeline import Pipeline
from narrascope.store import open_store

from .conftest import serving
from .corpus import TOKEN

pytestmark = pytest.mark.slow
runner = CliRunner()
BLAME = "War blame shifted"
CLIMATE = "Climate change downplayed"
STEPS = ["language", "narratives"]


def _cli(*args: str) -> None:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output


def _legend(page) -> list[str]:  # type: ignore[no-untyped-def]
    """The narratives in the article page's legend (subnarratives left out)."""
    return [t.strip() for t in page.locator("section.legend > ul > li > button .legend-name").all_inner_texts()]


def _overview_count(page, label: str) -> int:  # type: ignore[no-untyped-def]
    page.goto("/")
    cells = page.locator("table.totals tr", has_text=label).first.locator("td").all_inner_texts()
    return int(next(c for c in cells if c.strip().isdigit()))


def _narrative_count(page, label: str) -> int:  # type: ignore[no-untyped-def]
    page.goto(f"/narratives/{quote(label, safe='')}")
    return int(re.search(r"· (\d+) article", page.inner_text("main")).group(1))  # type: ignore[union-attr]


def _decide(page, document_id: str, button: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"/review/articles/{quote(document_id, safe='')}")
    page.fill("input[name=token]", TOKEN)
    page.fill("input[name=user]", "ana")
    page.click(f"button[value='{button}']")
    page.wait_for_selector("p.note")


def test_reject_review_train_reanalyse_in_the_browser(browser, tmp_path: Path, test_data: Path) -> None:  # type: ignore[no-untyped-def]
    from narrascope.web import create_app

    data = test_data / "custom"
    first, second, db = tmp_path / "first", tmp_path / "second", tmp_path / "corpus.db"
    _cli("train", str(data / "train.csv"), str(data / "train.jsonl"), "--taxonomy", str(data / "demo.yaml"),
         "--out", str(first), "--folds", "3")
    _cli("ingest", str(test_data / "loop" / "articles.jsonl"), "--db", str(db), "--model", str(first),
         "--steps", ",".join(STEPS), "--no-storylines")
    store = open_store(db)
    blamed = [d.id for d in store.iter_documents() if BLAME in store.get_analysis(d.id).narrative_labels]  # type: ignore[union-attr]
    assert len(blamed) >= 2
    problems: list[str] = []
    with serving(create_app(store, Pipeline.from_names(STEPS, narratives={"model": str(first)}), token=TOKEN)) as url:
        context = browser.new_context(base_url=url)
        page = context.new_page()
        page.on("pageerror", lambda exc: problems.append(str(exc)))
        page.set_default_timeout(60_000)
        page.goto("/")
        assert "analyst-demo" in page.inner_text("footer")
        overview, narrative = _overview_count(page, BLAME), _narrative_count(page, BLAME)
        page.goto(f"/articles/{blamed[0]}")
        assert BLAME in _legend(page) and page.locator("[data-reviewed]").count() == 0
        _decide(page, blamed[0], f"reject|narrative|{BLAME}")  # 1: reject a label
        page.goto(f"/articles/{blamed[0]}")
        assert BLAME not in _legend(page) and page.locator("[data-reviewed=true]").count() == 1
        assert _overview_count(page, BLAME) == overview - 1 and _narrative_count(page, BLAME) == narrative - 1
        reviewed = {blamed[0]: "reject"}
        others = [d for d in ("a1", "a2", "a3", "a4", "a5", "a6") if d != blamed[0]]
        _decide(page, others[0], f"accept|narrative|{BLAME}" if others[0] in blamed else f"accept|narrative|{CLIMATE}")
        reviewed[others[0]] = "accept"
        for doc_id in others[1:4]:  # 5 reviewed articles in all
            page.goto(f"/review/articles/{doc_id}")
            page.select_option("select[name=add_label]", CLIMATE)
            _decide(page, doc_id, "add-label")
            reviewed[doc_id] = "add"
        page.goto("/review/audit?user=ana")
        assert page.locator("table.audit tbody tr").count() == 5
        context.close()
    labels_before = {d: store.get_analysis(d).narrative_labels for d in reviewed}  # type: ignore[union-attr]
    result = runner.invoke(app, ["train", "--db", str(db), "--base", str(first), "--out", str(second), "--folds", "3"])
    assert result.exit_code == 0, result.output
    assert "training on 5 reviewed articles" in " ".join(result.output.split())
    new_pipeline = Pipeline.from_names(STEPS, narratives={"model": str(second)})
    with serving(create_app(store, new_pipeline, token=TOKEN)) as url:  # narrascope serve --model second
        context = browser.new_context(base_url=url)
        page = context.new_page()
        page.on("pageerror", lambda exc: problems.append(str(exc)))
        page.set_default_timeout(60_000)
        page.goto("/review/reanalyze")
        page.fill("input[name=token]", TOKEN)
        page.click("form.review button[type=submit]")
        page.wait_for_selector("[data-status=done]", timeout=120_000)
        assert "6 of 6 articles" in page.inner_text("p.reanalysis-status")
        for doc_id in ("a1", "a2", "a3", "a4", "a5", "a6"):
            page.goto(f"/articles/{doc_id}")
            assert new_pipeline.model_id in page.inner_text("p.analysis-model")
            if doc_id in reviewed:  # reviewed labels kept, whatever the new model says
                assert set(labels_before[doc_id]) - {"Other"} <= set(_legend(page))
                assert page.locator("[data-reviewed=true]").count() == 1
                if reviewed[doc_id] == "reject":
                    assert BLAME not in _legend(page)
            else:  # the new model's labels
                fresh = new_pipeline.analyze_batch([store.get_document(doc_id)])[0]  # type: ignore[list-item]
                assert sorted(_legend(page)) == sorted(n for n in fresh.narrative_labels if n != "Other")
        context.close()
    store.close()
    assert not problems, problems
