"""The review loop in headless Chromium: review three labels in the page, export, retrain, see the change.

Skips without /usr/bin/chromium or Playwright (``test_review.py`` runs the same loop through the TestClient).
"""

from __future__ import annotations

import csv
import io
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from narrascope.store import open_store

from . import review_flow as flow
from .conftest import free_port
from .corpus import TOKEN

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]

pytestmark = pytest.mark.slow


@pytest.fixture
def review_server(tmp_path: Path) -> Iterator[tuple[str, Path, Path]]:
    """``(base URL, corpus.db, base.csv)``: a uvicorn server over the review-flow corpus, token configured."""
    import uvicorn

    from narrascope.web import create_app

    db, base = flow.build(tmp_path)
    store = open_store(db)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(store, token=TOKEN), host="127.0.0.1", port=port,
                                           log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    url = f"http://127.0.0.1:{port}"
    httpx.get(url + "/review", timeout=120)
    yield url, db, base
    server.should_exit = True
    thread.join(timeout=10)
    store.close()


@pytest.fixture
def page(review_server: tuple[str, Path, Path]):  # type: ignore[no-untyped-def]
    if not CHROMIUM.exists():
        pytest.skip("no /usr/bin/chromium (apt-get install -y chromium chromium-driver)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install playwright)")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        context = browser.new_context(base_url=review_server[0])
        page = context.new_page()
        problems: list[str] = []
        page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
        page.set_default_timeout(60_000)
        yield page
        context.close()
        browser.close()
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
