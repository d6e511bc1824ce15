"""The review loop on the dashboard (issue 26): the audit trail page with its filters and correct before/after
values, and re-analysing the stored corpus with the server's model from the browser's form."""

from __future__ import annotations

import time
from pathlib import Path

from fastapi.testclient import TestClient

from narrascope.documents import Analysis, Document, LabelScore
from narrascope.store import open_store
from narrascope.web import create_app
from narrascope.web.pages import article_url, narrative_url

from .corpus import BLAME, DISCREDIT, PRAISE, TOKEN

AUTH = {"Authorization": f"Bearer {TOKEN}"}
STAR = "star/article 1"


def test_audit_page_lists_decisions_with_filters_and_true_before_after(client: TestClient) -> None:
    form = {"token": TOKEN, "user": "ana", "role": "Antagonist"}  # the add-entity role select is always sent
    page = client.post(f"/review/articles/{STAR}", data={**form, "decision": f"accept|narrative|{BLAME}"})
    assert page.status_code == 200
    client.post(f"/review/articles/{STAR}", data={**form, "user": "bo", "decision": f"reject|narrative|{BLAME}"})
    client.post(f"/review/articles/{STAR}", data={**form, "decision": "add-entity", "entity": "Kyiv", "role": "Innocent"})
    client.post(f"/review/articles/{STAR}", data={**form, "decision": "role|Kyiv", "role:Kyiv": "Antagonist"})
    trail = client.get("/api/review/audit", params={"document_id": STAR}).json()
    assert [(c["action"], c["user"]) for c in trail] == [("change", "ana"), ("add", "ana"), ("reject", "bo"), ("accept", "ana")]
    accept = trail[-1]
    assert accept["after"] == {"status": "accepted", "value": None} and accept["before"]["status"] == "predicted"
    assert trail[0]["before"]["value"] == "Innocent" and trail[0]["after"] == {"status": "accepted", "value": "Antagonist"}
    assert [c["action"] for c in client.get("/api/review/audit", params={"user": "bo"}).json()] == ["reject"]
    review = client.get(f"/review/articles/{STAR}").text
    kyiv = review.split('data-entity="Kyiv"')[1].split("</tr>")[0]
    assert "<option selected>Antagonist</option>" in kyiv  # the drop-down shows the role decided last
    page = client.get("/review/audit", params={"action": "reject"}).text
    rows = page.split("<tbody>")[1].split("</tbody>")[0]
    assert rows.count("<tr ") == 1 and "bo" in rows and "accepted" in rows and "rejected" in rows
    everything = client.get("/review/audit").text
    assert everything.count('data-action="') == 4 and "accepted Protagonist" not in everything
    assert "predicted (0.9" in everything  # the model's score before the first decision
    assert client.get("/review/audit", params={"action": "nonsense"}).status_code == 422


MARK = 'class="reviewed-mark-row"'


def _rows_marked(page: str) -> list[str]:
    """The article links of the list rows of ``page`` that carry the "reviewed" mark."""
    rows = page.split("<li")[1:]
    return [row.split('href="')[1].split('"')[0] for row in rows if MARK in row.split("</li>")[0]]


def test_article_rows_carry_a_reviewed_mark_once_a_person_reviewed_the_article(client: TestClient) -> None:
    pages = ["/documents?q=brigades", narrative_url(BLAME), "/storylines/s-front", "/"]
    before = {path: client.get(path).text for path in pages}
    assert all(article_url(STAR) in page and MARK not in page for page in before.values())
    form = {"token": TOKEN, "user": "ana", "role": "Antagonist"}
    client.post(f"/review/articles/{STAR}", data={**form, "decision": f"accept|narrative|{BLAME}"})
    for path in pages:
        page = client.get(path).text
        assert _rows_marked(page) == [article_url(STAR)], path  # the reviewed article's row, and no other
    assert "✓ reviewed" in client.get("/documents?q=brigades").text


class RelabelStep:
    """A "narratives" step with a model id: every article is labelled PRAISE (a new model's labels)."""

    name = "narratives"
    model_id = "narratives:relabel@000000000001"

    def __init__(self) -> None:
        from narrascope.components.narratives.classifier import DEFAULT_MODEL_DIR
        from narrascope.taxonomy import load_taxonomy

        self.taxonomy = load_taxonomy(DEFAULT_MODEL_DIR)

    def __call__(self, documents: list[Document], analyses: list[Analysis]) -> None:
        for analysis in analyses:
            analysis.narratives = [LabelScore(PRAISE, 0.7)]
            analysis.model, analysis.taxonomy = self.model_id, self.taxonomy.name


def test_reanalyse_from_the_dashboard_shows_the_new_labels_and_keeps_reviewed_ones(web_db: Path) -> None:
    from narrascope.pipeline import Pipeline

    store = open_store(web_db)
    total = store.count_documents()
    store.review(STAR, "narrative", DISCREDIT, "accepted", user="ana")
    with TestClient(create_app(store, pipeline=Pipeline(steps=[RelabelStep()]), token=TOKEN)) as client:
        page = client.get("/review/reanalyze").text
        assert RelabelStep.model_id in page and "none recorded" in page  # the test corpus has no model ids
        assert client.post("/review/reanalyze", data={"token": "wrong"}).status_code == 403
        started = client.post("/review/reanalyze", data={"token": TOKEN})
        assert started.status_code == 200 and 'http-equiv="refresh"' in started.text
        deadline = time.monotonic() + 120
        while 'data-status="done"' not in (page := client.get("/review/reanalyze").text):
            assert 'data-status="failed"' not in page and time.monotonic() < deadline
            time.sleep(0.2)
        assert f"{total} of {total} articles" in page
        assert client.get("/api/documents", params={"narrative": PRAISE}).json()["total"] == store.count_documents(False)
        star = client.get(f"/api/documents/{STAR}").json()["analysis"]
        assert star["model"] == RelabelStep.model_id and star["reviewed"]
        assert {n["label"] for n in star["narratives"]} >= {DISCREDIT, PRAISE}  # reviewed labels kept, new one shown
        assert store.analysis_models() == {RelabelStep.model_id: total}
    store.close()
