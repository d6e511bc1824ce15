"""The review loop in headless Chromium: review three labels in the page, export, retrain, see the change.

Skips without /usr/bin/chromium or Playwright, fails then under ``CI=true`` (``test_review.py`` runs the same loop
through the TestClient).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from narrascope.store import open_store

from . import review_flow as flow
from .conftest import serving
from .corpus import TOKEN

pytestmark = pytest.mark.slow


@pytest.fixture
def review_server(tmp_path: Path) -> Iterator[tuple[str, Path, Path]]:
    """``(base URL, corpus.db, base.csv)``: a uvicorn server over the review-flow corpus, token configured."""
    from narrascope.web import create_app

    db, base = flow.build(tmp_path)
    store = open_store(db)
    with serving(create_app(store, token=TOKEN), warm_up="/review") as url:
        yield url, db, base
    store.close()


@pytest.fixture
def page(browser, review_server: tuple[str, Path, Path]):  # type: ignore[no-untyped-def]
    """A fresh page on the review server (Chromium from conftest: fails instead of skipping under CI=true)."""
    context = browser.new_context(base_url=review_server[0])
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
    page.set_default_timeout(60_000)
    yield page
    context.close()
    assert not problems, problems


def _decide(page, button: str) -> None:  # type: ignore[no-untyped-def]
    page.fill("input[name=token]", TOKEN)
    page.fill("input[name=user]", "ana")
    page.click(f"button[value='{button}']")
    page.wait_for_selector("p.note")


def test_review_three_labels_export_and_retrain(page, review_server, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    url, db, base = review_server
    flow.train(tmp_path / "before", str(base))
    assert flow.BLAME in flow.narratives_of(tmp_path / "before", flow.TRAP)
    page.goto("/review")
    page.click("table.review-queue tbody tr:first-child a")  # the least certain article: the model's mistake
    assert page.url.endswith(f"/review/articles/{flow.TRAP}")
    _decide(page, f"reject|narrative|{flow.BLAME}")
    page.select_option("select[name=add_label]", flow.DISCREDIT)
    _decide(page, "add-label")
    assert flow.DISCREDIT in page.inner_text("p.reviewed-labels")
    page.goto("/review/articles/d4")
    _decide(page, f"accept|narrative|{flow.DISCREDIT}")
    assert page.inner_text("table.review-history tbody").count("ana") == 1
    exported = httpx.get(url + "/api/review/export", params={"format": "csv"}, timeout=60).text
    assert {r["id"]: r["labels"] for r in csv.DictReader(io.StringIO(exported))} == {
        flow.TRAP: flow.DISCREDIT, "d4": flow.DISCREDIT}
    flow.train(tmp_path / "after", str(base), "--db", str(db))
    after = flow.narratives_of(tmp_path / "after", flow.TRAP)
    assert flow.DISCREDIT in after and flow.BLAME not in after
