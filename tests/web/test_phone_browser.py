"""Every page on a phone (390 px wide, in headless Chromium): no horizontal scrolling, and an article's labels and
"Why" come before its text."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from .corpus import BLAME, PRAISE, TOKEN

pytestmark = pytest.mark.slow

PAGES = [
    "/", "/?language=en", "/documents", "/documents?copies=1", "/documents?q=brigades", "/storylines",
    "/storylines/s-front", "/articles/" + quote("star/article 1", safe=""), "/narratives/" + quote(PRAISE, safe=""),
    "/entities", "/analyze", "/review", "/review/new", "/review/articles/" + quote("star/article 1", safe=""),
    "/review/audit", "/review/reanalyze",
]


@pytest.fixture
def phone(browser, live_server: str):  # type: ignore[no-untyped-def]
    context = browser.new_context(base_url=live_server, viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.set_default_navigation_timeout(90_000)
    yield page
    context.close()


def test_no_page_is_wider_than_a_phone(phone, live_server: str) -> None:  # type: ignore[no-untyped-def]
    import httpx

    star = "/review/articles/" + quote("star/article 1", safe="")  # reviewed: list rows carry the "reviewed" mark
    decision = {"token": TOKEN, "user": "ana", "role": "Antagonist", "decision": f"accept|narrative|{BLAME}"}
    assert httpx.post(live_server + star, data=decision, timeout=60).status_code == 200
    assert 'class="reviewed-mark-row"' in httpx.get(live_server + "/documents?q=brigades", timeout=60).text
    too_wide = {}
    for path in PAGES:
        response = phone.goto(path)
        assert response is not None and response.status == 200, path
        width = phone.evaluate("document.documentElement.scrollWidth")
        if width > 390:
            culprits = phone.evaluate("""() => [...document.querySelectorAll('body *')]
                .filter(e => e.getBoundingClientRect().right > 391 && !e.closest('.table-wrap'))
                .slice(0, 3).map(e => e.tagName + '.' + e.className)""")
            too_wide[path] = (width, culprits)
    assert not too_wide, repr(too_wide)


def test_an_articles_labels_and_why_come_before_its_text_on_a_phone(phone) -> None:  # type: ignore[no-untyped-def]
    phone.goto("/articles/" + quote("star/article 1", safe=""))
    side = phone.locator("aside.side").bounding_box()
    text = phone.locator("#article-text").bounding_box()
    assert side is not None and text is not None and side["y"] < text["y"]
    phone.set_viewport_size({"width": 1360, "height": 900})  # side by side on a wide screen
    side, text = phone.locator("aside.side").bounding_box(), phone.locator("#article-text").bounding_box()
    assert side["x"] > text["x"] and abs(side["y"] - text["y"]) < 5
