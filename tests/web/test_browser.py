"""End-to-end tests in headless Chromium (Debian's /usr/bin/chromium driven by Playwright for Python).

Screenshots go to ``test-output/web/`` (gitignored) so a person can look at them after a run.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

SHOTS = Path(__file__).resolve().parents[2] / "test-output" / "web"

pytestmark = pytest.mark.slow


@pytest.fixture
def page(browser, live_server: str):  # type: ignore[no-untyped-def]
    """A fresh page; fails the test on any JavaScript error or console error (CSP violations included)."""
    context = browser.new_context(base_url=live_server, viewport={"width": 1360, "height": 900})
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
    page.on("console", lambda msg: problems.append(f"console {msg.type}: {msg.text}") if msg.type == "error" else None)
    page.set_default_timeout(60_000)  # generous: CI machines may be busy
    page.set_default_navigation_timeout(90_000)
    yield page
    context.close()
    assert not problems, problems


def _shot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    """Save a full-page screenshot; a slow machine may time out, which is reported, not failed."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    try:
        page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True, timeout=120_000)
    except Exception as exc:  # noqa: BLE001 - playwright's TimeoutError; the screenshot is for people, not the test
        warnings.warn(f"screenshot {name} not taken: {exc}", stacklevel=2)


def test_overview_chart_surge_and_article_evidence(page) -> None:  # type: ignore[no-untyped-def]
    page.goto("/")
    page.wait_for_selector(".chart[data-drawn=true] canvas")  # uPlot drew the narratives-over-time chart
    assert "Praise of Russia" in page.inner_text("table.surges")
    _shot(page, "overview")

    page.click("text=Who is fighting near the front")
    page.wait_for_url("**/articles/**")
    marks = page.locator("#article-text mark.ev")
    assert marks.count() >= 2
    texts = [marks.nth(i).inner_text() for i in range(marks.count())]
    assert any("Western officers command the brigades" in t for t in texts)
    assert page.locator(".legend-item[data-label]").count() == 4  # two narratives, two subnarratives
    assert "Instigator" in page.inner_text(".entities") and "2/3" in page.inner_text(".entities")  # Russia: 2 of 3 mentions
    assert "casting the West as a party" in page.inner_text(".explanation")
    _shot(page, "article")

    page.click(".legend-item:has-text('Discrediting Ukraine')")  # focus one label: only its evidence stays marked
    on = page.locator("#article-text mark.ev.on")
    assert on.count() >= 1 and "Western officers" in on.first.inner_text()
    assert page.locator("#article-text.focused").count() == 1
    _shot(page, "article-focused")


def test_paste_article_shows_labels(page) -> None:  # type: ignore[no-untyped-def]
    page.goto("/analyze")
    page.fill("#text", "A retired general said on TV that NATO is already at war with Russia. "
                       "Markets were calm in the afternoon.")
    page.fill("input[name=title]", "Pasted article")
    page.click("button.primary")
    page.wait_for_selector(".article-text")
    assert "Not saved" in page.inner_text(".notice")
    legend = page.inner_text(".legend")
    assert "Blaming the war on others" in legend and "The West are the aggressors" in legend
    assert "NATO is already at war with Russia." in page.inner_text("#article-text mark.ev")
    _shot(page, "analyzed")


def test_narrative_and_storyline_pages(page) -> None:  # type: ignore[no-untyped-def]
    page.goto("/narratives/URW%3A%20Discrediting%20Ukraine")
    page.wait_for_selector(".chart[data-drawn=true] canvas")
    assert "Ukraine is a puppet of the West" in page.inner_text("body")
    assert page.locator(".examples blockquote").count() >= 1
    _shot(page, "narrative")
    page.goto("/storylines/s-front")
    assert page.locator("svg.swimlane circle").count() >= 3
    _shot(page, "storyline")


def test_entities_page_filter_form_with_blank_fields(page) -> None:  # type: ignore[no-untyped-def]
    page.goto("/entities")
    assert "Brussels" in page.inner_text("table.entities-table")
    page.select_option("select[name=by]", "outlet")
    page.click("text=Show")  # the blank entity and date fields are sent too: they mean no filter
    page.wait_for_url("**/entities?**")
    assert "Outlet" in page.inner_text("table.entities-table thead") and "daily-courier.example" in page.inner_text("table.entities-table")
    _shot(page, "entities")
    page.click("table.entities-table a >> nth=0")  # an entity links to its articles
    page.wait_for_url("**/documents?entity=**")
    assert "article" in page.inner_text(".stats")
