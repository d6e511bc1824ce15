"""The dashboard answers an analyst's questions (issue 20): undated corpora, what is surging, who pushes a
narrative, the article list's filters, sorting and paging, exports, evidence display and storylines."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient

from narrascope.documents import Analysis, Document, LabelScore
from narrascope.store import open_store
from narrascope.web import create_app

from .corpus import BLAME, OUTLETS, PRAISE, TOKEN, WEST


@pytest.fixture
def undated(tmp_path: Path):  # type: ignore[no-untyped-def]
    """An app over 6 undated articles: 4 carry BLAME (and its subnarrative WEST), 2 Other."""
    store = open_store(tmp_path / "undated.db")
    docs = [Document(f"u{i}", f"Undated article {i} about the war.", title=f"Undated {i}", outlet="plain.example",
                     language="ru") for i in range(6)]
    with store.transaction():
        store.add_documents(docs)
        store.add_analyses([Analysis(d.id, narratives=[LabelScore(BLAME if i < 4 else "Other", 0.8)],
                                     subnarratives=[LabelScore(WEST, 0.6)] if i < 4 else [])
                            for i, d in enumerate(docs)])
    with TestClient(create_app(store)) as c:
        yield c
    store.close()


def test_undated_corpus_overview_counts_every_labelled_article(undated: TestClient) -> None:
    page = undated.get("/").text
    assert "No analysed articles" not in page and "none has a publication date" in page
    totals = page[page.index('class="totals"'):].split("</table>")[0]
    assert re.search(r">4</a></td>", totals) and "Other (no narrative of the taxonomy)" in totals
    languages = page[page.index("<h2>Languages</h2>"):].split("</section>")[0]
    assert "No data" not in languages and 'href="/documents?language=ru"' in languages
    assert "No dated articles in this period" in page


def test_undated_narrative_page_agrees_with_its_subnarratives(undated: TestClient) -> None:
    page = undated.get("/narratives/" + quote(BLAME, safe="")).text
    assert "· 4 articles" in page
    row = page[page.index(quote(WEST, safe="")):].split("</tr>")[0]
    assert '<td class="num">4</td>' in row
    assert undated.get("/narratives/" + quote(WEST, safe="")).text.count("· 4 articles") == 1


def test_overview_ranks_what_is_surging_and_marks_surges_on_the_chart(client: TestClient) -> None:
    page = client.get("/").text
    table = page[page.index('class="changes"'):].split("</table>")[0]
    rows = re.findall(r"<tr><td>(.*?)</tr>", table, re.S)
    assert PRAISE in rows[0] and "+6" in rows[0] and "+33 pt" in rows[0]
    assert "2024-04-04 – 2024-04-10" in page and "2024-03-28 – 2024-04-03" in page
    chart = re.search(r'id="trend-chart-data">(.*?)</script>', page).group(1)  # type: ignore[union-attr]
    assert '"marks": [{' in chart and "Surge since 2024-04-09: 6 articles" in chart
    legend = page[page.index('class="chart-legend"'):].split("</ul>")[0]
    assert "Praise of Russia" in legend and "▲ 1 surge" in legend  # readable without hovering the chart


def test_narrative_page_shows_outlets_by_share_of_their_output_with_links(client: TestClient) -> None:
    page = client.get("/narratives/" + quote(PRAISE, safe="")).text
    outlets = page[page.index('class="bars shares"'):].split("</ul>")[0]
    # 6 Praise articles on the last day, 2 per outlet; each outlet published ~29 articles
    assert re.search(r"7% <span class=\"muted small\">\(2/\d+\)</span>", outlets)
    href = f'/documents?narrative={quote(PRAISE, safe="").replace("%20", "+")}&amp;outlet={OUTLETS[0]}'
    assert href in outlets
    languages = page[page.index("<h2>Languages</h2>"):].split("</section>")[0]
    assert "&amp;language=en" in languages


def _titles(html: str) -> list[str]:
    return re.findall(r'<a class="doc-title" href="[^"]+">(.*?)</a>', html)


def test_article_list_filters_ignore_case_and_match_outlet_parts(client: TestClient) -> None:
    upper = client.get("/documents", params={"language": "BG"}).text
    assert "28 articles" in upper and upper.count('<span class="lang">bg</span>') == 20
    part = client.get("/documents", params={"outlet": "NACHRICHTEN"}).text
    assert "28 articles" in part


def test_article_list_sorts_and_clamps_the_page(client: TestClient) -> None:
    by_title = _titles(client.get("/documents", params={"sort": "title"}).text)
    assert by_title == sorted(by_title, key=str.lower)
    oldest = client.get("/documents", params={"sort": "oldest"}).text
    assert "Report 0:" in _titles(oldest)[0]
    assert 'href="/documents?sort=oldest&amp;page=2"' in oldest  # the pager keeps the order
    last = client.get("/documents", params={"page": 999}).text
    assert "page 5 of 5" in last and "page 999" not in last.lower() and _titles(last)
    # a corpus of 1.48M articles has 74,000 pages of 20: a page number past 50,000 is a page like any other
    deep = client.get("/documents", params={"page": 74_000})
    assert deep.status_code == 200 and "page 5 of 5" in deep.text
    assert client.get("/storylines", params={"page": 74_000}).status_code == 200
    assert client.get("/documents", params={"page": 10**9}).status_code == 422  # bounded all the same
    assert client.get("/documents", params={"sort": "nonsense"}).status_code == 422


def test_search_snippet_shows_the_matching_passage(client: TestClient) -> None:
    page = client.get("/documents", params={"q": "brigades"}).text
    snippet = re.search(r'<span class="snippet">(.*?)</span>', page, re.S).group(1)  # type: ignore[union-attr]
    assert '<mark class="hit">brigades</mark>' in snippet and "Who is fighting" not in snippet


def test_search_finds_other_forms_and_phrases_and_marks_what_it_found(client: TestClient) -> None:
    page = client.get("/documents", params={"q": "Brigade"}).text  # the article says "brigades"
    snippets = re.findall(r'<span class="snippet">(.*?)</span>', page, re.S)
    assert len(snippets) == 1 and '<mark class="hit">brigades</mark>' in snippets[0]
    assert page.count("stemmed by its language") == 2  # both search boxes explain the syntax
    phrase = client.get("/api/documents", params={"q": '"officer commands"'}).json()  # "officers command"
    assert [d["id"] for d in phrase["items"]] == ["star/article 1"]
    assert client.get("/api/documents", params={"q": '"command officers"'}).json()["total"] == 0
    for hostile in ('"unbalanced', "NEAR(a b)", "*", "a:b ^c", '""'):
        assert client.get("/documents", params={"q": hostile}).status_code == 200


def test_exports_of_filtered_articles_storylines_and_entities(client: TestClient) -> None:
    page = client.get("/documents", params={"narrative": PRAISE}).text
    link = re.search(r'href="(/api/export/documents\.csv\?[^"]+)"', page).group(1).replace("&amp;", "&")  # type: ignore[union-attr]
    csv = client.get(link)
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    lines = csv.text.strip().splitlines()
    assert lines[0] == ("id,title,outlet,published,language,url,narratives,subnarratives,scores,evidence,storyline,"
                        "storyline_title,copy_of,reviewed,review_decisions") and len(lines) == 7
    assert all(PRAISE in line for line in lines[1:])
    data = client.get("/api/export/documents.json", params={"language": "de"}).json()
    assert len(data) == 28 and {d["language"] for d in data} == {"de"}
    stories = client.get("/api/export/storylines.json").json()
    assert stories[0]["id"] == "s-front" and stories[0]["size"] == 3
    entities = client.get("/api/export/entities.csv").text.splitlines()
    assert entities[0].startswith("entity,group,documents") and any(line.startswith("Brussels,") for line in entities)
    assert client.get("/api/export/documents.xml").status_code == 422


def test_one_decision_rule_for_the_article_page_counts_exports_and_api(client: TestClient, web_db: Path) -> None:
    """A label the model decided with a low score (its tuned thresholds) is shown on the article page and counted
    everywhere; once a reviewer rejects it, it is gone everywhere at once (issue 26, item 2)."""
    from narrascope.documents import Evidence

    text = "Western capitals pushed Kyiv into this conflict. Moscow is admired far beyond its borders."
    store = open_store(web_db)
    with store.transaction():
        store.add_documents([Document("low", text, title="Low scores", published="2024-03-01")])
        store.add_analyses([Analysis("low", narratives=[LabelScore(BLAME, 0.8, [Evidence(0, 48, text[:48], 0.9)]),
                                                        LabelScore(PRAISE, 0.3, [Evidence(49, len(text), text[49:], 0.5)])])])
    store.close()

    def everywhere() -> list[bool]:
        page = client.get("/articles/low").text
        legend = page.split('class="legend"')[1].split("</section>")[0].split('class="small muted rejected"')[0]
        exported = client.get("/api/export/documents.csv", params={"narrative": PRAISE}).text
        listed = client.get("/api/documents", params={"narrative": PRAISE}).json()["items"]
        return ["Praise of Russia" in legend, "low," in exported, any(d["id"] == "low" for d in listed),
                PRAISE in [n["label"] for n in client.get("/api/documents/low").json()["analysis"]["narratives"]]]

    praise = client.get(f"/narratives/{quote(PRAISE, safe='')}").text
    count = int(re.search(r"</code> · (\d+) article", praise).group(1))  # type: ignore[union-attr]
    assert everywhere() == [True, True, True, True]
    page = client.get("/articles/low").text
    assert "below the decision threshold" not in page and "model's confidence" in page.replace("&#39;", "'")
    assert len(set(re.findall(r'<mark class="ev (c\d+)', page))) == 2  # one colour per label
    decision = {"decisions": [{"decision": "reject", "kind": "narrative", "target": PRAISE}]}
    assert client.post("/api/review/documents/low", json=decision, headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200
    assert everywhere() == [False, False, False, False]
    after = client.get(f"/narratives/{quote(PRAISE, safe='')}").text
    assert int(re.search(r"</code> · (\d+) article", after).group(1)) == count - 1  # type: ignore[union-attr]
    page = client.get("/articles/low").text
    assert 'data-reviewed="true"' in page and "<s>Praise of Russia</s>" in page
    assert client.get("/api/documents/low").json()["analysis"]["reviewed"] is True


def test_article_links_its_storyline_and_a_copy_its_original(client: TestClient) -> None:
    copy = client.get("/articles/star-copy").text
    assert "A syndicated copy (97% similar) of" in copy
    assert f'href="/articles/{quote("star/article 1", safe="")}">Who is fighting near the front</a>' in copy
    assert OUTLETS[0] in copy.split('class="copy-of"')[1].split("</p>")[0]
    assert 'href="/storylines/s-front">Officers near the front</a>' in copy


def test_storylines_list_filters_sorts_pages_and_says_undated(client: TestClient, web_db: Path) -> None:
    store = open_store(web_db)
    from narrascope.store.base import Storyline

    with store.transaction():
        store.save_storyline(Storyline("s-undated", "A quiet story", size=1, centroid=[0.0]))
        store.assign_storyline(["doc-001"], "s-undated")
    store.close()
    page = client.get("/storylines").text
    assert "? – ?" not in page and '<span class="muted">undated</span>' in page
    assert "2 storylines" in page and 'href="/api/export/storylines.csv?"' in page
    by_title = client.get("/storylines", params={"sort": "title"}).text
    assert by_title.index("A quiet story") < by_title.index("Officers near the front")
    found = client.get("/storylines", params={"q": "OFFICERS"}).text
    assert "1 storyline." in found and "A quiet story" not in found
    assert "A quiet story" in client.get("/storylines", params={"language": "DE"}).text  # doc-001 is German
    assert "No storyline matches" in client.get("/storylines", params={"narrative": PRAISE, "q": "quiet"}).text
    assert "2 storylines" in client.get("/storylines", params={"page": 50}).text
    assert "undated" in client.get("/storylines/s-undated").text


def test_small_screens_and_keyboards(client: TestClient) -> None:
    page = client.get("/").text
    assert '<a class="skip-link" href="#main">' in page and '<main id="main"' in page
    css = client.get("/static/style.css").text
    assert ".table-wrap{overflow-x:auto" in css and "svg,img,.chart,.uplot{max-width:100%}" in css
    assert ":focus-visible" in css and "@media (max-width:600px)" in css
    for path in ("/", "/documents", "/storylines", "/entities", "/narratives/" + quote(BLAME, safe=""),
                 "/articles/" + quote("star/article 1", safe="")):
        html = client.get(path).text
        tables = html.count("<table")
        assert tables == html.count('<div class="table-wrap"><table'), path  # every table can scroll sideways
    article = client.get("/articles/" + quote("star/article 1", safe="")).text
    assert 'class="tip" tabindex="0" data-tip="Probability that the article frames the entity"' in article
    assert "row.tabIndex = 0" in client.get("/static/charts.js").text  # chart series toggles by keyboard
