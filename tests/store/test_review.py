"""The review loop's tables on every store (SQLite and PostgreSQL): decisions, the append-only audit trail, the
review queue and the reviewed set."""

from __future__ import annotations

import pytest

from narrascope.documents import Analysis, Document, EntityMention, LabelScore
from narrascope.errors import InputError
from narrascope.store import Store

BLAME = "URW: Blaming the war on others rather than the invader"
WEST = "URW: Blaming the war on others rather than the invader: The West are the aggressors"
DISCREDIT = "URW: Discrediting Ukraine"
PUPPET = "URW: Discrediting Ukraine: Ukraine is a puppet of the West"
PRAISE = "URW: Praise of Russia"


def _corpus(store: Store) -> None:
    store.add_documents([
        Document("sure", "NATO pushed Kyiv into the war.", title="Sure", language="en"),
        Document("unsure", "Kyiv obeys its Western handlers, NATO says nothing.", title="Unsure", language="en"),
        Document("plain", "The council met to discuss road repairs.", title="Plain", language="en"),
        Document("raw", "Not analysed yet."),
    ])
    store.add_analyses([
        Analysis("sure", narratives=[LabelScore(BLAME, 0.95)], subnarratives=[LabelScore(WEST, 0.9)]),
        Analysis("unsure", narratives=[LabelScore(BLAME, 0.6), LabelScore(DISCREDIT, 0.42)],
                 subnarratives=[LabelScore(WEST, 0.5), LabelScore(PUPPET, 0.3)],
                 entities=[EntityMention("NATO", 35, 39, "NATO", "Antagonist", ["Instigator"], 0.6),
                           EntityMention("Kyiv", 0, 4, "Ukraine", "Innocent", ["Victim"], 0.5)]),
        Analysis("plain", narratives=[LabelScore("Other", 0.9)]),
    ])


def test_review_records_decision_and_audit_with_before_and_after(store: Store) -> None:
    _corpus(store)
    change = store.review("unsure", "narrative", DISCREDIT, "rejected", user="ana")
    assert change.action == "reject" and change.user == "ana" and change.created_at
    assert change.before == {"status": "predicted", "score": 0.42} and change.after == {"status": "rejected", "value": None}
    again = store.review("unsure", "narrative", DISCREDIT, "accepted", user="bo")
    assert again.before is not None and again.before["status"] == "rejected" and again.before["user"] == "ana"
    assert again.action == "accept" and again.id > change.id
    added = store.review("unsure", "narrative", PRAISE, "accepted")
    assert added.action == "add" and added.before is None and added.user == "analyst"
    role = store.review("unsure", "entity", "NATO", "accepted", value="Protagonist", user="ana")
    assert role.before == {"status": "predicted", "value": "Antagonist"} and role.after["value"] == "Protagonist"
    assert role.action == "add"
    current = {(r.kind, r.target): (r.status, r.value, r.user) for r in store.reviews("unsure")}
    assert current == {("narrative", DISCREDIT): ("accepted", None, "bo"), ("narrative", PRAISE): ("accepted", None, "analyst"),
                       ("entity", "NATO"): ("accepted", "Protagonist", "ana")}
    history = store.review_history("unsure")
    assert [h.action for h in history] == ["add", "add", "accept", "reject"]  # newest first, nothing overwritten
    assert store.review_history(limit=2) == history[:2]


def test_review_audit_is_append_only(store: Store) -> None:
    _corpus(store)
    store.review("sure", "narrative", BLAME, "accepted")
    for statement in ("UPDATE review_audit SET user_name = 'mallory'", "DELETE FROM review_audit"):
        with pytest.raises(Exception, match="append-only"):
            with store.transaction():
                store._execute(statement)  # type: ignore[attr-defined]
    assert [h.user for h in store.review_history()] == ["analyst"]


def test_review_rejects_unknown_document_kind_and_status(store: Store) -> None:
    _corpus(store)
    with pytest.raises(InputError, match="no such document"):
        store.review("missing", "narrative", BLAME, "accepted")
    with pytest.raises(InputError, match="kind"):
        store.review("sure", "label", BLAME, "accepted")
    with pytest.raises(InputError, match="status"):
        store.review("sure", "narrative", BLAME, "maybe")
    assert store.review_history() == []


def test_review_queue_puts_unreviewed_and_uncertain_first(store: Store) -> None:
    _corpus(store)
    page = store.review_queue()
    assert [i.document_id for i in page.items] == ["unsure", "plain", "sure"]  # "raw" has no analysis
    assert page.total == 3
    first = page.items[0]
    assert first.label == DISCREDIT and first.score == pytest.approx(0.42) and first.margin == pytest.approx(0.02)
    assert not first.reviewed
    store.review("unsure", "narrative", DISCREDIT, "accepted")
    after = store.review_queue()
    assert [i.document_id for i in after.items] == ["plain", "sure", "unsure"] and after.items[-1].reviewed
    assert [i.document_id for i in store.review_queue(limit=1, offset=1).items] == ["sure"]


def test_reviewed_examples_apply_decisions_to_the_model_labels(store: Store) -> None:
    _corpus(store)
    assert store.reviewed_examples() == []
    store.review("unsure", "narrative", DISCREDIT, "rejected")  # takes its subnarrative PUPPET with it
    store.review("unsure", "subnarrative", WEST, "accepted")
    store.review("unsure", "narrative", PRAISE, "accepted")
    store.review("unsure", "entity", "Ukraine", "rejected")
    store.review("plain", "narrative", "Other", "accepted")
    examples = {e.id: e for e in store.reviewed_examples()}
    assert set(examples) == {"unsure", "plain"}
    unsure = examples["unsure"]
    assert unsure.narratives == [BLAME, PRAISE] and unsure.subnarratives == [WEST]
    assert unsure.roles == {"NATO": "Antagonist"} and unsure.language == "en" and unsure.text.startswith("Kyiv")
    assert examples["plain"].labels == "Other" and examples["plain"].narratives == []
