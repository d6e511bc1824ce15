"""The JSON API on an invented SQLite corpus: filters, documents, storylines, trends, auth, limits and errors."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from narrascope.documents import Document, entity_summary
from narrascope.io.writers import analysis_record, analyze_items
from narrascope.pipeline import Pipeline
from narrascope.store import open_store
from narrascope.web import create_app
from .corpus import BLAME, DISCREDIT, PRAISE, PUPPET, TOKEN, WEST, NatoRolesStep, make_pipeline

AUTH = {"Authorization": f"Bearer {TOKEN}"}


def test_filters_combine_and_page(client: TestClient) -> None:
    everything = client.get("/api/documents", params={"limit": 200}).json()
    assert everything["total"] == 86  # the syndicated copy is left out by default
    assert client.get("/api/documents", params={"include_duplicates": True}).json()["total"] == 87
    praise = client.get("/api/documents", params={"narrative": PRAISE}).json()
    assert praise["total"] == 6
    sub = client.get("/api/documents", params={"subnarrative": PUPPET, "language": "de"}).json()
    assert sub["total"] > 0 and all(d["language"] == "de" for d in sub["items"])
    period = client.get("/api/documents", params={"since": "2024-03-05", "until": "2024-03-06"}).json()
    assert period["total"] == 4 and {d["published"] for d in period["items"]} == {"2024-03-05", "2024-03-06"}
    words = client.get("/api/documents", params={"q": "embassies", "outlet": "nachrichten.example"}).json()
    assert words["total"] > 0 and all(d["outlet"] == "nachrichten.example" for d in words["items"])
    assert all("embassies" in d["snippet"] for d in words["items"])
    entity = client.get("/api/documents", params={"entity": "usa"}).json()
    assert [d["id"] for d in entity["items"]] == ["star/article 1"]
    first, second = (client.get("/api/documents", params={"limit": 5, "offset": o}).json() for o in (0, 5))
    assert len(first["items"]) == 5 and not {d["id"] for d in first["items"]} & {d["id"] for d in second["items"]}


def test_document_with_analysis_and_missing(client: TestClient) -> None:
    data = client.get("/api/documents/star%2Farticle%201").json()
    text = data["document"]["text"]
    for label in data["analysis"]["narratives"]:
        for ev in label["evidence"]:
            assert text[ev["start"]:ev["end"]] == ev["text"]
    assert {n["label"] for n in data["analysis"]["narratives"]} == {BLAME, DISCREDIT}
    missing = client.get("/api/documents/no-such-doc")
    assert missing.status_code == 404 and "no-such-doc" in missing.json()["error"]


def test_document_entity_summary_is_the_json_outputs(client: TestClient, web_db) -> None:  # type: ignore[no-untyped-def]
    analysis = client.get("/api/documents/star%2Farticle%201").json()["analysis"]
    # Russia: two mentions cast as Protagonist, one as Antagonist -> its majority role and that role's share
    assert analysis["entity_summary"] == [
        {"entity": "Russia", "main_role": "Protagonist", "fine_roles": ["Guardian", "Peacemaker"], "mentions": 3,
         "share": 0.6667, "salience": 0.8, "framed": True},
        {"entity": "USA", "main_role": "Antagonist", "fine_roles": ["Instigator"], "mentions": 1, "share": 1.0, "salience": None,
         "framed": None},
    ]
    store = open_store(web_db)
    stored = store.get_analysis("star/article 1")
    store.close()
    assert stored is not None
    assert analysis["entity_summary"] == entity_summary(stored.entities)
    assert analysis == stored.to_dict()  # every field of the JSON output's analysis, nothing else
    copy = client.get("/api/documents/star-copy").json()["analysis"]
    assert copy["entities"] == [] and copy["entity_summary"] == []  # no mentions, no rows


def test_analyze_returns_the_entity_summary_of_the_cli_json(web_db) -> None:  # type: ignore[no-untyped-def]
    text = "Experts said NATO is at war. NATO denied it. NATO troops left. NATO again."
    nato = {"entity": "NATO", "main_role": "Antagonist", "fine_roles": ["Instigator"], "mentions": 4, "share": 0.75, "salience": None,
            "framed": None}
    pipeline = Pipeline(steps=[NatoRolesStep()])
    (cli, info), = analyze_items(pipeline, [Document(id="nato-1", text=text)])
    assert analysis_record(cli, info)["entity_summary"] == [nato]  # what `narrascope analyze` writes
    store = open_store(web_db)
    with TestClient(create_app(store, pipeline=pipeline, token=TOKEN)) as c:
        one = c.post("/api/analyze", json={"id": "nato-1", "text": text}, headers=AUTH).json()
        assert one["analysis"]["entity_summary"] == [nato]
        assert c.get("/api/documents/nato-1").json()["analysis"]["entity_summary"] == [nato]  # stored and read back
        batch = c.post("/api/analyze/batch", params={"store": False}, headers=AUTH,
                       json={"documents": [{"id": "nato-2", "text": text}, {"id": "none", "text": "Nobody here."}]}).json()
    store.close()
    assert [r["analysis"]["entity_summary"] for r in batch["results"]] == [[nato], []]


def test_storylines_and_trends(client: TestClient) -> None:
    stories = client.get("/api/storylines").json()
    assert stories["total"] == 1 and stories["items"][0]["outlets"]
    story = client.get("/api/storylines/s-front").json()
    days = [d["published"] for d in story["documents"]]
    assert len(days) == 3 and days == sorted(days)
    assert client.get("/api/storylines/nope").status_code == 404
    trends = client.get("/api/trends").json()
    assert [s["key"] for s in trends["surges"]] == [PRAISE]
    by_language = client.get("/api/trends", params={"by": "language", "since": "2024-04-01"}).json()
    assert {r["key"] for r in by_language["rows"]} == {"en", "de", "bg"}
    assert min(r["day"] for r in by_language["rows"]) >= "2024-04-01"


def test_analyze_stores_once_and_is_searchable(client: TestClient) -> None:
    doc = {"text": "An analyst said NATO troops are fighting in Ukraine. The weather was mild.", "outlet": "x.example",
           "published": "2024-04-10", "url": "https://x.example/1"}
    first = client.post("/api/analyze", json=doc, headers=AUTH)
    assert first.status_code == 200, first.text
    body = first.json()
    assert body["stored"] is True and body["document"]["language"] == "en"
    assert [n["label"] for n in body["analysis"]["narratives"]] == [BLAME]
    assert client.get(f"/api/documents/{body['document']['id']}").json()["analysis"]["subnarratives"][0]["label"] == WEST
    again = client.post("/api/analyze", json=doc, headers=AUTH).json()
    assert again["stored"] is False and "already in the corpus" in again["note"]
    dry = client.post("/api/analyze", params={"store": False}, json={"text": "NATO again, not stored."}, headers=AUTH)
    assert dry.json()["stored"] is False and client.get(f"/api/documents/{dry.json()['document']['id']}").status_code == 404
    hits = client.get("/api/documents", params={"q": "analyst", "narrative": BLAME}).json()
    assert [d["id"] for d in hits["items"]] == [body["document"]["id"]]


def test_batch(client: TestClient) -> None:
    docs = [{"id": f"b{i}", "text": f"Item {i}: NATO {'is' if i % 2 else 'is not'} mentioned here."} for i in range(3)]
    result = client.post("/api/analyze/batch", json={"documents": docs}, headers=AUTH).json()
    assert result["stored"] == 3 and result["skipped"] == 0
    assert [r["document"]["id"] for r in result["results"]] == ["b0", "b1", "b2"]
    clash = client.post("/api/analyze/batch", json={"documents": [{"id": "z", "text": "one"}, {"id": "z", "text": "two"}]},
                        headers=AUTH)
    assert clash.status_code == 422 and "used twice" in clash.json()["error"]
    too_many = client.post("/api/analyze/batch", json={"documents": [{"text": "x"}] * 101}, headers=AUTH)
    assert too_many.status_code == 422 and too_many.json()["details"]


def test_write_endpoints_need_the_token(client: TestClient, web_db) -> None:  # type: ignore[no-untyped-def]
    doc = {"text": "NATO text"}
    assert client.post("/api/analyze", json=doc).status_code == 401
    wrong = client.post("/api/analyze", json=doc, headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401 and wrong.headers["www-authenticate"] == "Bearer"
    with TestClient(create_app(open_store(web_db), pipeline=make_pipeline())) as closed:
        refused = closed.post("/api/analyze/batch", json={"documents": [doc]}, headers=AUTH)
        assert refused.status_code == 403 and "NARRASCOPE_API_TOKEN" in refused.json()["error"]
        assert closed.get("/api/health").json()["writes_enabled"] is False


@pytest.mark.parametrize(("payload", "status", "fragment"), [
    (b"{not json", 422, "JSON"),
    (b'{"text": ""}', 422, "text"),
    (b'{"text": "   "}', 422, "blank"),
    (b'{"text": "ok", "published": "yesterday"}', 422, "ISO-8601"),
    (b'{"text": "ok", "colour": "red"}', 422, "colour"),
    (b'{"text": "a\\u0000b"}', 422, "NUL"),
    (b'{"text": "\\ud800"}', 422, "unicode"),
    (b'[1, 2]', 422, "body"),
])
def test_malformed_input_is_a_clear_4xx(client: TestClient, payload: bytes, status: int, fragment: str) -> None:
    response = client.post("/api/analyze", content=payload, headers={**AUTH, "content-type": "application/json"})
    assert response.status_code == status
    error = response.json()
    assert error["status"] == status and fragment.lower() in (error["error"] + " ".join(error["details"])).lower()


def test_size_limits(client: TestClient, web_db) -> None:  # type: ignore[no-untyped-def]
    big = client.post("/api/analyze", json={"text": "é" * 600_000}, headers=AUTH)  # 1.2 MB of UTF-8
    assert big.status_code == 422 and "1,000,000 bytes" in big.json()["error"]
    with TestClient(create_app(open_store(web_db), pipeline=make_pipeline(), token=TOKEN, max_body_bytes=1000)) as small:
        refused = small.post("/api/analyze", json={"text": "x" * 2000}, headers=AUTH)
        assert refused.status_code == 413 and "1,000 bytes" in refused.json()["error"]


def test_an_offset_past_a_million_is_answered(client: TestClient) -> None:
    page = client.get("/api/documents", params={"offset": 1_200_000})  # within a 1.48M-article corpus
    assert page.status_code == 200 and page.json()["items"] == [] and page.json()["total"] > 0
    assert client.get("/api/storylines", params={"offset": 1_200_000}).json()["items"] == []


@pytest.mark.parametrize("query", [
    {"limit": 0}, {"limit": 1000}, {"offset": -1}, {"offset": 10**10}, {"since": "2024-13-01"}, {"since": "2024-05-01", "until": "2024-04-01"},
    {"since": "0001-01-01"}, {"q": "x" * 501}, {"q": "a\x00b"},
])
def test_bad_query_parameters(client: TestClient, query: dict) -> None:
    response = client.get("/api/documents", params=query)
    assert 400 <= response.status_code < 500 and response.json()["error"]


@pytest.mark.parametrize("q", ['"', "AND OR NOT", "a*", "(x", "NEAR(a b)", "^", "col:val"])
def test_full_text_syntax_is_never_an_error(client: TestClient, q: str) -> None:
    assert client.get("/api/documents", params={"q": q}).status_code == 200


def test_openapi_documents_every_route_and_the_token(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert {"/api/analyze", "/api/analyze/batch", "/api/documents", "/api/documents/{document_id}", "/api/storylines",
            "/api/storylines/{storyline_id}", "/api/trends"} <= set(spec["paths"])
    assert spec["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
    assert spec["paths"]["/api/analyze"]["post"]["security"] and "security" not in spec["paths"]["/api/trends"]["get"]
    assert not any(p.startswith("/articles") for p in spec["paths"])  # pages stay out of the API spec
    schemas = spec["components"]["schemas"]
    summary = schemas["AnalysisOut"]["properties"]["entity_summary"]
    assert summary["items"] == {"$ref": "#/components/schemas/EntitySummaryOut"} and "per entity" in summary["description"]
    row = schemas["EntitySummaryOut"]
    assert list(row["properties"]) == ["entity", "main_role", "fine_roles", "mentions", "share", "salience",
                                       "framed"]  # the JSON output's keys
    assert set(row["required"]) == {"entity", "main_role", "mentions", "share"}
    assert all(prop["description"] for prop in row["properties"].values())
    assert row["properties"]["share"]["maximum"] == 1 and row["properties"]["main_role"]["type"] == "string"


def test_entities_endpoint_reports_how_the_corpus_frames_an_entity(client: TestClient, web_db) -> None:  # type: ignore[no-untyped-def]
    from narrascope.corpus.entities import entity_framing

    russia = client.get("/api/entities", params={"entity": "the kremlin"}).json()  # a mention's text finds it
    # the star article: two mentions cast Russia as Protagonist, one as Antagonist -> one Protagonist document
    assert russia == {"by": None, "rows": [{"entity": "Russia", "group": None, "documents": 1, "roles": {"Protagonist": 1},
                                            "main_role": "Protagonist", "share": 1.0, "mentions": 3}]}
    top = client.get("/api/entities", params={"limit": 1, "by": "outlet"}).json()
    store = open_store(web_db)
    expected = [r.to_dict() for r in entity_framing(store, by="outlet", limit=1)]
    store.close()
    assert top["by"] == "outlet" and top["rows"] == expected and {r["entity"] for r in expected} == {"Brussels"}
    assert sum(r["documents"] for r in expected) > 1 and len({r["group"] for r in expected}) > 1
    assert client.get("/api/entities", params={"by": "day"}).status_code == 422
    assert client.get("/api/entities", params={"since": "2024-05-01", "until": "2024-04-01"}).status_code == 400
