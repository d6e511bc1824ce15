"""Dashboard pages rendered by the server (no browser): content, links, forms, errors and security headers."""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import quote

from fastapi.testclient import TestClient

from narrascope.documents import Analysis, Document, EntityMention
from narrascope.pipeline import Pipeline
from narrascope.store import open_store
from narrascope.web import create_app

from .corpus import BLAME, PRAISE, PUPPET, TOKEN, NatoRolesStep, make_pipeline


def _entity_rows(html: str) -> list[tuple[str, ...]]:
    """The cells of the page's entity table as text (a line break becomes a space)."""
    section = re.search(r'<section class="entities">(.*?)</section>', html, re.S)
    assert section is not None
    rows = re.findall(r"<tr><td>(.*?)</td></tr>", section.group(1), re.S)
    return [tuple(unescape(re.sub(r"<[^>]+>", "", cell.replace("<br>", " "))) for cell in re.split(r"</td><td[^>]*>", row))
            for row in rows]


def test_overview(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200
    assert "87</strong> articles (86 once syndicated copies" in page.text
    surges = page.text[page.text.index('class="surges"'):]
    assert f'href="/narratives/{quote(PRAISE, safe="")}"' in surges.split("</table>")[0]
    chart = re.search(r'<script type="application/json" id="trend-chart-data">(.*?)</script>', page.text)
    assert chart and BLAME in chart.group(1) and "<" not in chart.group(1)
    assert "default-src 'self'" in page.headers["content-security-policy"]
    assert "cdn" not in page.text.lower()  # every asset is served locally
    assert client.get("/static/uPlot.iife.min.js").status_code == 200


def test_period_filter_and_bad_dates(client: TestClient) -> None:
    page = client.get("/", params={"since": "2024-04-09", "until": "2024-04-09"})
    assert "8</strong> articles (7 once" in page.text and "2024-04-09 – 2024-04-09" in page.text
    bad = client.get("/", params={"since": "2024-04-10", "until": "2024-04-01"})
    assert bad.status_code == 400 and "text/html" in bad.headers["content-type"] and "after until" in bad.text


def test_article_highlights_evidence_with_legend(client: TestClient) -> None:
    page = client.get("/articles/" + quote("star/article 1", safe=""))
    assert page.status_code == 200
    marks = re.findall(r'<mark class="ev c\d[^"]*" data-labels="([\d ]+)"[^>]*>(.*?)</mark>', page.text, re.S)
    assert any("Western officers command the brigades" in text for _, text in marks)
    buttons = re.findall(r'data-label="(\d+)"', page.text)
    assert len(buttons) == 4 and {i for ids, _ in marks for i in ids.split()} <= set(buttons)
    assert "Instigator" in page.text and "casting the West as a" in page.text
    assert "star-copy" in page.text  # its syndicated copy is listed


def test_article_entity_table_is_the_per_entity_summary(client: TestClient, web_db) -> None:  # type: ignore[no-untyped-def]
    page = client.get("/articles/" + quote("star/article 1", safe=""))
    rows = _entity_rows(page.text)
    # Russia: two mentions cast as Protagonist, one as Antagonist -> one row: majority role, its share, its fine roles
    # most salient first (Russia 80%), then entities framed without a salience score
    assert rows == [("Russia", "Protagonist Guardian, Peacemaker", "2/3", "80%"), ("USA", "Antagonist Instigator", "1/1", "–")]
    assert 'title="2 of 3 mentions cast as Protagonist"' in page.text
    store = open_store(web_db)
    analysis = store.get_analysis("star/article 1")
    store.close()
    assert analysis is not None
    summary = analysis.to_dict()["entity_summary"]  # what the JSON output says
    assert [(r["entity"], r["main_role"], ", ".join(r["fine_roles"]), r["mentions"]) for r in summary] == \
        [("Russia", "Protagonist", "Guardian, Peacemaker", 3), ("USA", "Antagonist", "Instigator", 1)]
    # the text still marks each mention with its own role
    assert re.search(r'<span class="ent role-antagonist" title="Russia: Antagonist \(Instigator\)">Moscow</span>', page.text)
    assert page.text.count('class="ent role-protagonist"') == 2 and page.text.count('class="ent role-antagonist"') == 2


def test_paste_form_shows_the_per_entity_summary(web_db) -> None:  # type: ignore[no-untyped-def]
    text = "Experts said NATO is at war. NATO denied it. NATO troops left. NATO again."
    with TestClient(create_app(open_store(web_db), pipeline=Pipeline(steps=[NatoRolesStep()]))) as c:
        page = c.post("/analyze", data={"text": text})
        nobody = c.post("/analyze", data={"text": "Nobody is named here."})
    assert page.status_code == 200 and "Not saved" in page.text
    assert _entity_rows(page.text) == [("NATO", "Antagonist Instigator", "3/4", "–")]
    assert page.text.count('class="ent role-antagonist"') == 3 and page.text.count('class="ent role-innocent"') == 1
    assert _entity_rows(nobody.text) == [] and "No entity roles in this analysis." in nobody.text


class _UnframedPortStep:
    """NATO framed (salience 0.9) as Antagonist; the port of Odesa with a role but a salience of 0.1."""

    name = "roles-with-salience"

    def __call__(self, documents: list[Document], analyses: list[Analysis]) -> None:
        for doc, analysis in zip(documents, analyses):
            nato, port = doc.text.index("NATO"), doc.text.index("Odesa")
            analysis.entities = [
                EntityMention("NATO", nato, nato + 4, "NATO", "Antagonist", ["Instigator"], 0.8, salience=0.9),
                EntityMention("Odesa", port, port + 5, "Odesa", "Antagonist", ["Foreign Adversary"], 0.6, salience=0.1),
            ]


def test_an_entity_the_article_most_likely_does_not_frame_shows_as_not_framed(web_db) -> None:  # type: ignore[no-untyped-def]
    with TestClient(create_app(open_store(web_db), pipeline=Pipeline(steps=[_UnframedPortStep()]))) as c:
        page = c.post("/analyze", data={"text": "NATO ships were seen near Odesa on Monday."})
    assert _entity_rows(page.text) == [("NATO", "Antagonist Instigator", "1/1", "90%"),
                                       ("Odesa", "not framed the framer's guess: Antagonist", "1/1", "10%")]
    assert "below 30% salience" in page.text


def test_article_404_is_a_page(client: TestClient) -> None:
    page = client.get("/articles/missing")
    assert page.status_code == 404 and "<html" in page.text and "missing" in page.text


def test_narrative_page(client: TestClient) -> None:
    page = client.get("/narratives/" + quote("URW: Discrediting Ukraine", safe=""))
    assert page.status_code == 200
    assert "Statements that undermine the legitimacy" in page.text  # the taxonomy definition
    assert "Ukraine is a puppet of the West" in page.text and "<blockquote>" in page.text
    assert "nachrichten.example" in page.text  # top outlets
    sub = client.get("/narratives/" + quote(PUPPET, safe=""))
    assert sub.status_code == 200 and "Discrediting Ukraine</a>" in sub.text
    assert client.get("/narratives/" + quote("URW: Made up", safe="")).status_code == 404


def test_documents_search_page(client: TestClient) -> None:
    page = client.get("/documents", params={"q": "embassies", "outlet": "daily-courier.example"})
    assert "13 articles." in page.text and "page 1 of" not in page.text
    page = client.get("/documents", params={"q": "embassies"})
    assert page.status_code == 200
    ids = re.findall(r'href="/articles/([^"]+)"', page.text)
    assert len(ids) == 20 and "39 articles, page 1 of 2" in page.text
    older = client.get("/documents", params={"q": "embassies", "page": 2})
    assert set(re.findall(r'href="/articles/([^"]+)"', older.text)).isdisjoint(ids)



def test_filter_forms_submitted_with_blank_fields_mean_no_filter(client: TestClient) -> None:
    # a browser sends every field of the form, the blank ones as "name=": they are dropped, not rejected (was a 422)
    blank = client.get("/documents?q=embassies&narrative=&entity=&outlet=&language=&since=&until=")
    assert blank.status_code == 200 and "39 articles" in blank.text
    assert client.get("/entities?entity=&by=&since=&until=").status_code == 200
    assert client.get("/documents?since=not-a-date").status_code == 422  # a real bad value still is


def test_entities_page_shows_how_the_corpus_casts_each_entity(client: TestClient, web_db) -> None:  # type: ignore[no-untyped-def]
    from narrascope.corpus.entities import entity_framing

    page = client.get("/entities")
    assert page.status_code == 200 and 'aria-current="page">Entities' in page.text
    store = open_store(web_db)
    expected = entity_framing(store, limit=50)
    store.close()
    table = re.search(r'<table class="entities-table">(.*?)</table>', page.text, re.S)
    assert table is not None
    rows = re.findall(r'<tr><td><a href="/documents\?entity=([^"]+)">([^<]+)</a></td>', table.group(1))
    assert [name for _, name in rows] == [r.entity for r in expected] and "Brussels" in [n for _, n in rows]
    russia = client.get("/entities", params={"entity": "Moscow"}).text  # a mention of Russia in the star article
    assert "Russia" in russia and "Protagonist</span> 1" in russia and "100%" in russia
    per_outlet = client.get("/entities", params={"by": "outlet", "entity": "Brussels"}).text
    assert "<th>Outlet</th>" in per_outlet and "daily-courier.example" in per_outlet
    assert "No framed entities named “Nobody”" in client.get("/entities", params={"entity": "Nobody"}).text
    assert client.get("/entities", params={"since": "2024-05-01", "until": "2024-04-01"}).status_code == 400  # as the API


def test_storyline_pages(client: TestClient) -> None:
    listing = client.get("/storylines")
    assert "Officers near the front" in listing.text
    page = client.get("/storylines/s-front")
    assert page.status_code == 200 and page.text.count("<circle") >= 3 and "morning-post.example" in page.text
    assert client.get("/storylines/none").status_code == 404


def test_paste_form_analyses_without_storing(client: TestClient) -> None:
    assert 'name="token"' in client.get("/analyze").text
    result = client.post("/analyze", data={"text": "Experts said NATO is at war. Then it rained.", "title": "Pasted"})
    assert result.status_code == 200 and "Not saved" in result.text
    assert re.search(r"<mark[^>]*>Experts said NATO is at war\.</mark>", result.text)
    assert client.get("/api/documents", params={"q": "Experts"}).json()["total"] == 0


def test_paste_form_saving_needs_the_token(client: TestClient, web_db) -> None:  # type: ignore[no-untyped-def]
    form = {"text": "Experts said NATO is at war.", "save": "1"}
    refused = client.post("/analyze", data={**form, "token": "wrong"})
    assert refused.status_code == 403 and "token" in refused.text
    assert client.get("/api/documents", params={"q": "Experts"}).json()["total"] == 0
    saved = client.post("/analyze", data={**form, "token": TOKEN})
    assert "Saved to the corpus" in saved.text
    assert client.get("/api/documents", params={"q": "Experts"}).json()["total"] == 1
    with TestClient(create_app(open_store(web_db), pipeline=make_pipeline())) as closed:
        assert 'name="token"' not in closed.get("/analyze").text
        assert closed.post("/analyze", data={**form, "token": TOKEN}).status_code == 403


def test_paste_form_errors_are_shown(client: TestClient) -> None:
    page = client.post("/analyze", data={"text": "  ", "published": "soon"})
    assert page.status_code == 422 and "Please fix" in page.text and "blank" in page.text and "soon" in page.text


def test_empty_store(tmp_path) -> None:  # type: ignore[no-untyped-def]
    with TestClient(create_app(open_store(tmp_path / "empty.db"), pipeline=make_pipeline())) as c:
        assert "No articles yet" in c.get("/").text
        assert c.get("/storylines").status_code == 200 and c.get("/documents").status_code == 200
        assert "No framed entities" in c.get("/entities").text


def test_entities_page_says_how_many_entities_and_articles_and_pages_through_them(client: TestClient, web_db) -> None:  # type: ignore[no-untyped-def]
    from narrascope.corpus.entities import entity_table

    store = open_store(web_db)
    table = entity_table(store, limit=50)
    store.close()
    assert table.entities >= 2 and table.documents >= 1
    page = client.get("/entities").text
    count = re.search(r'<p class="muted" id="entities-count">(.*?)</p>', page, re.S)
    assert count is not None
    assert f"of {table.entities} entit" in count.group(1) and f"{table.documents} article" in count.group(1)
    first = client.get("/entities", params={"limit": 1}).text
    assert f"Showing 1–1 of {table.entities}" in first and 'href="/entities?limit=1&amp;offset=1" rel="next"' in first
    assert f'href="/entities?limit={table.entities}">Show all {table.entities}</a>' in first
    second = client.get("/entities", params={"limit": 1, "offset": 1}).text
    names = [re.findall(r'<tr><td><a href="/documents\?entity=[^"]+">([^<]+)</a>', p) for p in (first, second)]
    assert names == [[table.rows[0].entity], [table.rows[1].entity]] and 'rel="prev"' in second
    assert client.get("/entities", params={"limit": 0}).status_code == 422


def test_article_entity_names_link_to_the_entities_page(client: TestClient) -> None:
    page = client.get("/articles/" + quote("star/article 1", safe="")).text
    section = re.search(r'<section class="entities">(.*?)</section>', page, re.S)
    assert section is not None and '<a href="/entities?entity=Russia"' in section.group(1)
    assert "Russia" in client.get("/entities", params={"entity": "Russia"}).text
