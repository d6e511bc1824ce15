"""The review loop over HTTP: the JSON API (token required for writes), the pages, and the whole loop — review three
labels in the page, export, retrain, see the change — through the TestClient with a real (tiny) training run."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from narrascope.cli import app as cli
from narrascope.store import open_store
from narrascope.web import create_app

from . import review_flow as flow
from .corpus import BLAME, DISCREDIT, PUPPET, TOKEN, WEST

STAR = "star/article 1"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
REJECT = {"decisions": [{"decision": "reject", "kind": "narrative", "target": DISCREDIT}]}


def test_writes_need_the_token(client: TestClient, web_db: Path) -> None:
    url = f"/api/review/documents/{STAR}"
    assert client.post(url, json=REJECT).status_code == 401
    assert client.post(url, json=REJECT, headers={"Authorization": "Bearer wrong"}).status_code == 401
    new = {"document": {"text": "A new article."}, "labels": [BLAME]}
    assert client.post("/api/review/articles", json=new).status_code == 401
    with TestClient(create_app(open_store(web_db), token=None)) as closed:
        assert closed.post(url, json=REJECT, headers=AUTH).status_code == 403
        assert closed.post("/api/review/articles", json=new, headers=AUTH).status_code == 403
        page = closed.post("/review/articles/star%2Farticle%201", data={"token": TOKEN, "decision": f"reject|narrative|{DISCREDIT}"})
        assert page.status_code == 403 and "disabled" in page.text
    assert client.get("/api/review/audit").json() == []  # nothing was recorded


def test_decisions_are_recorded_with_user_before_and_after(client: TestClient) -> None:
    body = {"decisions": [
        {"decision": "reject", "kind": "narrative", "target": DISCREDIT},
        {"decision": "accept", "kind": "subnarrative", "target": WEST},
        {"decision": "add", "kind": "entity", "target": "NATO", "role": "Antagonist"},
        {"decision": "reject", "kind": "entity", "target": "Russia"},
    ]}
    r = client.post(f"/api/review/documents/{STAR}", json=body, headers={**AUTH, "X-Narrascope-User": "ana"})
    assert r.status_code == 200, r.text
    state = r.json()
    assert state["narratives"] == [BLAME] and state["subnarratives"] == [WEST]  # PUPPET left with its narrative
    assert state["roles"] == {"USA": "Antagonist", "NATO": "Antagonist"}
    history = state["history"]
    assert [h["action"] for h in history] == ["reject", "add", "accept", "reject"]
    assert {h["user"] for h in history} == {"ana"}
    assert history[-1]["before"] == {"status": "predicted", "score": 0.55} and history[-1]["after"]["status"] == "rejected"
    again = client.post(f"/api/review/documents/{STAR}", headers=AUTH,
                        json={"decisions": [{"decision": "accept", "kind": "narrative", "target": DISCREDIT}]}).json()
    assert again["history"][0]["user"] == "analyst" and again["history"][0]["before"]["status"] == "rejected"
    assert len(client.get("/api/review/audit", params={"document_id": STAR}).json()) == 5  # appended, not replaced
    assert client.get(f"/api/review/documents/{STAR}").json() == again


def test_bad_decisions_are_refused_and_nothing_is_kept(client: TestClient) -> None:
    url = f"/api/review/documents/{STAR}"
    bad_label = {"decisions": [REJECT["decisions"][0], {"decision": "add", "kind": "narrative", "target": "URW: Nope"}]}
    r = client.post(url, json=bad_label, headers=AUTH)
    assert r.status_code == 422 and "URW: Nope" in r.json()["error"]
    wrong_level = {"decisions": [{"decision": "add", "kind": "narrative", "target": PUPPET}]}
    assert client.post(url, json=wrong_level, headers=AUTH).status_code == 422
    no_role = {"decisions": [{"decision": "add", "kind": "entity", "target": "NATO"}]}
    assert client.post(url, json=no_role, headers=AUTH).status_code == 422
    assert client.post(url, json=REJECT, headers={**AUTH, "X-Narrascope-User": "a\x01b"}).status_code == 422
    assert client.post("/api/review/documents/missing", json=REJECT, headers=AUTH).status_code == 404
    assert client.get("/api/review/documents/missing").status_code == 404
    assert client.get("/api/review/audit").json() == []  # the first, valid decision was rolled back too


def test_queue_puts_uncertain_unreviewed_first(client: TestClient) -> None:
    items = client.get("/api/review/queue", params={"limit": 3}).json()["items"]
    assert items[0]["document_id"] == STAR and items[0]["label"] == DISCREDIT and not items[0]["reviewed"]
    client.post(f"/api/review/documents/{STAR}", json=REJECT, headers=AUTH)
    after = client.get("/api/review/queue", params={"limit": 200}).json()
    assert after["items"][0]["document_id"] != STAR
    assert [i["document_id"] for i in after["items"] if i["reviewed"]] == [STAR]
    page = client.get("/review")
    first = after["items"][0]["document_id"]
    assert page.status_code == 200 and "Review first" in page.text and f'href="/review/articles/{first}"' in page.text


def test_label_a_new_article_and_export(client: TestClient) -> None:
    new = {"document": {"text": "Brand new text about embassies giving orders.", "language": "en"},
           "labels": [PUPPET], "roles": {"Kyiv": "Antagonist"}}
    r = client.post("/api/review/articles", json=new, headers={**AUTH, "X-Narrascope-User": "bo"})
    assert r.status_code == 201, r.text
    doc_id = r.json()["document"]["id"]
    assert doc_id.startswith("review-") and {c["action"] for c in r.json()["changes"]} == {"label"}
    assert client.post("/api/review/articles", json=new, headers=AUTH).status_code == 409
    rows = list(csv.DictReader(io.StringIO(client.get("/api/review/export", params={"format": "csv"}).text)))
    # the subnarrative brings its narrative, as everywhere (store.review.apply_decisions)
    assert rows == [{"id": doc_id, "text": new["document"]["text"], "language": "en", "labels": f"{DISCREDIT};{PUPPET}"}]
    jsonl = [json.loads(line) for line in client.get("/api/review/export", params={"format": "jsonl"}).text.splitlines()]
    assert jsonl[0]["roles"] == {"Kyiv": "Antagonist"}
    semeval = client.get("/api/review/export", params={"format": "semeval"}).text
    assert semeval == f"{doc_id}\t{DISCREDIT}\t{PUPPET}\n"
    form = client.post("/review/new", data={"token": TOKEN, "user": "cy", "text": "Another one, hand labelled.",
                                            "labels": [BLAME, WEST]})
    assert form.status_code == 200 and "Saved" in form.text
    refused = client.post("/review/new", data={"token": "wrong", "text": "Not saved.", "labels": [BLAME]})
    assert refused.status_code == 403 and "Not saved." in refused.text
    assert len(client.get("/api/review/export").text.splitlines()) == 3


def test_review_page_records_a_decision(client: TestClient) -> None:
    url = "/review/articles/star%2Farticle%201"
    page = client.get(url)
    assert page.status_code == 200 and f'value="reject|narrative|{DISCREDIT}"' in page.text
    done = client.post(url, data={"token": TOKEN, "user": "dee", "decision": "role|USA", "role:USA": "Innocent"})
    assert done.status_code == 200 and "Recorded" in done.text and 'value="dee"' in done.text
    assert client.get(f"/api/review/documents/{STAR}").json()["roles"]["USA"] == "Innocent"
    wrong = client.post(url, data={"token": "wrong", "decision": f"reject|narrative|{DISCREDIT}"})
    assert wrong.status_code == 403 and "nothing was recorded" in wrong.text


@pytest.mark.slow
def test_review_export_retrain_sees_the_change(tmp_path: Path) -> None:
    """Review three labels in the pages, export, retrain with the reviewed set, and the model has learnt the fix."""
    db, base = flow.build(tmp_path)
    flow.train(tmp_path / "before", str(base))
    assert flow.BLAME in flow.narratives_of(tmp_path / "before", flow.TRAP)  # the base labels' mistake, learnt
    store = open_store(db)
    with TestClient(create_app(store, token=TOKEN)) as client:
        assert client.get("/api/review/queue").json()["items"][0]["document_id"] == flow.TRAP  # least certain first
        form = {"token": TOKEN, "user": "ana"}
        for decision in (f"reject|narrative|{flow.BLAME}", "add-label"):
            r = client.post(f"/review/articles/{flow.TRAP}", data={**form, "decision": decision, "add_label": flow.DISCREDIT})
            assert r.status_code == 200 and "Recorded" in r.text
        r = client.post("/review/articles/d4", data={**form, "decision": f"accept|narrative|{flow.DISCREDIT}"})
        assert r.status_code == 200
        assert [h["user"] for h in client.get("/api/review/audit").json()] == ["ana"] * 3
    store.close()
    exported = CliRunner().invoke(cli, ["export-labels", "--db", str(db), "--format", "csv"])
    assert exported.exit_code == 0, exported.output
    rows = {r["id"]: r["labels"] for r in csv.DictReader(io.StringIO(exported.stdout))}
    assert rows == {flow.TRAP: flow.DISCREDIT, "d4": flow.DISCREDIT}
    flow.train(tmp_path / "after", str(base), "--db", str(db))  # the reviewed rows win over base.csv's
    after = flow.narratives_of(tmp_path / "after", flow.TRAP)
    assert flow.DISCREDIT in after and flow.BLAME not in after


@pytest.mark.parametrize("name", ["", " ", "\t\n"])
def test_a_blank_entity_name_is_refused_and_stores_nothing(client: TestClient, name: str) -> None:
    new = {"document": {"text": f"Another new text about embassies {len(name)}.", "language": "en"},
           "labels": [PUPPET], "roles": {name: "Antagonist"}}
    r = client.post("/api/review/articles", json=new, headers=AUTH)
    assert r.status_code == 422 and "blank" in r.json()["error"]
    new["roles"] = {}
    assert client.post("/api/review/articles", json=new, headers=AUTH).status_code == 201  # nothing was stored
