"""What the routes share (``web/state.py``): the cache that lives until the corpus changes, the pipeline built once,
the anonymous paste's refusal messages with their exact figures, the footer naming the taxonomy."""

from __future__ import annotations

import html
import re

import pytest

from narrascope.web.ratelimit import RateLimiter
from narrascope.web.state import WebState


class Marked:
    """A store that only has a change marker."""

    def __init__(self) -> None:
        self.marker = (1, 1, 0, 0)

    def change_marker(self) -> tuple[int, int, int, int]:
        return self.marker


def test_a_cached_result_is_computed_once_until_the_store_changes() -> None:
    store = Marked()
    state = WebState(store=store)  # type: ignore[arg-type]
    calls: list[str] = []

    def compute(name: str):  # type: ignore[no-untyped-def]
        return lambda: calls.append(name) or len(calls)

    assert state.cached("a", compute("a")) == 1
    assert state.cached("a", compute("a")) == 1 and state.cached("b", compute("b")) == 2
    assert state.cached("a", compute("a")) == 1 and calls == ["a", "b"]
    store.marker = (2, 1, 0, 0)  # a new document
    assert state.cached("a", compute("a")) == 3 and state.cached("a", compute("a")) == 3
    assert calls == ["a", "b", "a"]


def test_the_default_pipeline_is_built_once_on_first_use() -> None:
    state = WebState(store=None)  # type: ignore[arg-type]
    pipeline = state.get_pipeline()
    assert pipeline is not None and state.get_pipeline() is pipeline and state.pipeline is pipeline
    given = object()
    assert WebState(store=None, pipeline=given).get_pipeline() is given  # type: ignore[arg-type]


def test_an_oversized_anonymous_paste_is_told_its_size_and_the_limit_in_kilobytes() -> None:
    state = WebState(store=None, token="t0ken", anonymous_max_bytes=2_500)  # type: ignore[arg-type]
    status, message, wait = state.paste_refusal("1.2.3.4", "é" * 1_750, None)  # 3,500 bytes of UTF-8
    assert (status, wait) == (413, 0.0)
    assert message == ("The text is 4 kB, over the 2 kB limit of an anonymous paste: shorten it, or give the API "
                       "token (up to 1 MB).")
    assert state.paste_refusal("1.2.3.4", "é" * 1_750, "t0ken") is None  # with the token only the API's limits
    assert state.paste_refusal("1.2.3.4", "é" * 1_250, None) is None     # 2,500 bytes: at the limit, allowed


def test_the_anonymous_paste_rate_is_told_with_its_figures() -> None:
    now = [0.0]
    state = WebState(store=None, paste_limiter=RateLimiter(per_minute=6, burst=2, clock=lambda: now[0]))  # type: ignore[arg-type]
    assert state.paste_refusal("a", "text", None) is None and state.paste_refusal("a", "text", None) is None
    status, message, wait = state.paste_refusal("a", "text", None)
    assert (status, wait) == (429, 10.0)  # 6 a minute: the next token after 10 s
    assert message == ("Too many analyses from your address: at most 6 per minute (bursts of 2) without the API "
                       "token. Try again in 10 s, or give the API token.")
    assert state.paste_refusal("b", "text", None) is None  # another address has its own bucket


@pytest.mark.parametrize("kwargs", [{"per_minute": 0}, {"per_minute": -1}, {"burst": 0}, {"max_clients": 0}])
def test_a_rate_limiter_that_could_never_admit_anyone_is_refused(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError, match=r"^per_minute must be > 0, burst and max_clients >= 1$"):
        RateLimiter(**kwargs)  # type: ignore[arg-type]


def test_every_page_names_the_taxonomy_in_its_footer(client) -> None:  # type: ignore[no-untyped-def]
    name = client.app.state.web.taxonomy.name
    assert name
    for path in ("/", "/documents?q=troops", "/analyze"):
        page = client.get(path).text
        footer = re.search(r'<span class="taxonomy-name">([^<]*)</span>', page)
        assert footer and html.unescape(footer.group(1)) == name, path
