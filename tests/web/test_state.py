"""What the routes share (``web/state.py``): the cache that lives until the corpus changes, the pipeline built once,
the anonymous paste's refusal messages with their exact figures, the footer naming the taxonomy."""

from __future__ import annotations

import html
import re

import pytest

from narrascope.corpus import dedup
from narrascope.documents import Analysis, Document, LabelScore
from narrascope.store import open_store

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
    state = WebState(store=None, token="t0ken", anonymous_max_bytes=1_500)  # type: ignore[arg-type]
    status, message, wait = state.paste_refusal("1.2.3.4", "é" * 1_750, None)  # 3,500 bytes of UTF-8: 3.5 kB
    assert (status, wait) == (413, 0.0)
    assert message == ("The text is 4 kB, over the 2 kB limit of an anonymous paste: shorten it, or give the API "
                       "token (up to 1 MB).")  # 3.5 and 1.5 kB, rounded half to even
    assert state.paste_refusal("1.2.3.4", "é" * 1_750, "t0ken") is None  # with the token only the API's limits
    assert state.paste_refusal("1.2.3.4", "é" * 750, None) is None     # 1,500 bytes: at the limit, allowed


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
    for path in ("/", "/documents?q=troops", "/analyze", "/no-such-page", "/documents/no-such-article"):
        page = client.get(path).text
        footer = re.search(r'<span class="taxonomy-name">([^<]*)</span>', page)
        assert footer and html.unescape(footer.group(1)) == name, path


def test_saving_records_a_web_api_run_and_reloads_the_corpus_state_only_after_another_writer(
        tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    loads: list[int] = []
    original = dedup.DuplicateDetector.load

    def counted(self, store):  # type: ignore[no-untyped-def]
        loads.append(1)
        return original(self, store)

    monkeypatch.setattr(dedup.DuplicateDetector, "load", counted)
    store = open_store(tmp_path / "corpus.db")
    state = WebState(store=store)

    def pair(n: int) -> tuple[Document, Analysis]:
        doc = Document(f"p{n}", f"Pasted article number {n} about the harbour strike in Rotterdam.",
                       published="2024-05-01")
        return doc, Analysis(doc.id, narratives=[LabelScore("Other", 0.9)])

    first, second, third = pair(1), pair(2), pair(3)
    assert state.save([first]) == {id(first[0])}
    assert [(r.command, r.sources) for r in store.runs()] == [("ingest", ["web api"])]
    state.save([second])
    assert len(loads) == 1  # nothing else wrote: the detector and storylines of the last save are reused
    store.add_documents([Document("other", "Written by another process.")])
    state.save([third])
    assert len(loads) == 2  # another writer: loaded afresh
    assert store.count_documents() == 4
    store.close()


def test_the_cache_starts_afresh_once_it_holds_its_limit() -> None:
    from narrascope.web.state import CACHE_ENTRIES

    state = WebState(store=Marked())  # type: ignore[arg-type]
    calls: list[int] = []
    for key in range(CACHE_ENTRIES):
        state.cached(key, lambda: calls.append(1))
    state.cached(0, lambda: calls.append(1))
    assert len(calls) == CACHE_ENTRIES  # all held
    state.cached(CACHE_ENTRIES, lambda: calls.append(1))  # one more: the cache is emptied first
    state.cached(0, lambda: calls.append(1))
    assert len(calls) == CACHE_ENTRIES + 2


def test_error_pages_show_status_message_and_details(client) -> None:  # type: ignore[no-untyped-def]
    from narrascope import __version__

    page = client.get("/articles/no-such-article")
    assert page.status_code == 404 and "<h1>Not found</h1>" in page.text
    assert "<title>Error 404" in page.text and f"narrascope {__version__}" in page.text
    bad = client.get("/documents?since=yesterday")
    assert bad.status_code == 422 and "<h1>Bad request</h1>" in bad.text
    assert re.search(r'<ul class="errors"><li>[^<]*since[^<]*</li>', bad.text)
    api = client.get("/api/documents?since=yesterday")
    assert api.status_code == 422 and api.json()["details"] and "since" in api.json()["details"][0]


def test_the_openapi_document_and_static_files_are_served(client) -> None:  # type: ignore[no-untyped-def]
    info = client.get("/openapi.json").json()["info"]
    assert info["title"] == "narrascope" and "Authorization: Bearer <token>" in info["description"]
    assert info["description"].startswith("Propaganda narratives in multilingual news")
    assert client.get("/static/style.css").status_code == 200


@pytest.mark.parametrize(("weeks", "linked"), [(4, False), (6, True)])
def test_articles_saved_through_the_api_are_linked_to_copies_within_the_served_window(
        tmp_path, weeks: int, linked: bool) -> None:  # type: ignore[no-untyped-def]
    store = open_store(tmp_path / "corpus.db")
    state = WebState(store=store, dedup_weeks=weeks)
    text = ("The parliament approved a new budget for military aid on Tuesday after a long debate. Opposition members "
            "said the money would be better spent on hospitals and schools, and the minister promised no new taxes.")
    for doc in (Document("agency", text, published="2024-05-01"),
                Document("copy", text + " (Agency)", published="2024-06-12")):  # six weeks later
        state.save([(doc, Analysis(doc.id, narratives=[LabelScore("Other", 0.9)]))])
    assert [(d.document_id, d.origin_id) for d in store.duplicates()] == ([("copy", "agency")] if linked else [])
    store.close()


def test_serve_gives_its_dedup_window_to_the_app(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    import uvicorn
    from typer.testing import CliRunner

    from narrascope import cli

    served: list = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kwargs: served.append(app))
    db = str(tmp_path / "c.db")
    result = CliRunner().invoke(cli.app, ["serve", "--db", db, "--no-preload", "--dedup-weeks", "6"])
    assert result.exit_code == 0, result.output
    assert served[0].state.web.dedup_weeks == 6
    result = CliRunner().invoke(cli.app, ["serve", "--db", db, "--no-preload"])
    assert served[1].state.web.dedup_weeks == 4
    assert CliRunner().invoke(cli.app, ["serve", "--db", db, "--no-preload", "--dedup-weeks", "-1"]).exit_code != 0
