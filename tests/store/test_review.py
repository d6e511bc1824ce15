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
    assert role.action == "change"  # another role than the model's: neither an accept nor an add
    current = {(r.kind, r.target): (r.status, r.value, r.user) for r in store.reviews("unsure")}
    assert current == {("narrative", DISCREDIT): ("accepted", None, "bo"), ("narrative", PRAISE): ("accepted", None, "analyst"),
                       ("entity", "NATO"): ("accepted", "Protagonist", "ana")}
    history = store.review_history("unsure")
    assert [h.action for h in history] == ["change", "add", "accept", "reject"]  # newest first, nothing overwritten
    assert store.review_history(limit=2) == history[:2]
    accept_narrative = store.review("sure", "narrative", BLAME, "accepted", value="Protagonist")
    assert accept_narrative.after == {"status": "accepted", "value": None}  # a label has no role


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


def test_reviewed_labels_win_in_analysis_counts_trends_and_filters(store: Store) -> None:
    from narrascope.store.base import DocumentQuery

    _corpus(store)
    store.add_documents([Document("dated", "Kyiv is a puppet.", published="2024-03-01")])
    store.add_analyses([Analysis("dated", narratives=[LabelScore(DISCREDIT, 0.7)], subnarratives=[LabelScore(PUPPET, 0.6)])])
    assert store.label_counts("narrative", DocumentQuery())[DISCREDIT] == 2
    marker = store.change_marker()
    store.review("dated", "narrative", DISCREDIT, "rejected", user="ana")
    assert store.change_marker() != marker  # caches see the decision at once
    reviewed = store.get_analysis("dated")
    assert reviewed is not None and reviewed.reviewed and reviewed.narrative_labels == ["Other"]
    assert reviewed.subnarrative_labels == ["Other"]  # the rejected narrative took its subnarrative along
    model = store.get_analysis("dated", reviewed=False)
    assert model is not None and not model.reviewed and model.narrative_labels == [DISCREDIT]
    assert store.label_counts("narrative", DocumentQuery())[DISCREDIT] == 1
    assert store.query_documents(DocumentQuery(narrative=DISCREDIT)).total == 1
    assert [r.key for r in store.trend_rows("narrative")] == ["Other"]
    store.review("dated", "subnarrative", WEST, "accepted")  # an added subnarrative brings its narrative
    again = store.get_analysis("dated")
    assert again is not None and again.narrative_labels == [BLAME] and again.subnarrative_labels == [WEST]
    assert again.narratives[0].score == 1.0 and [r.key for r in store.trend_rows("narrative")] == [BLAME]
    assert store.get_analysis("sure") is not None and not store.get_analysis("sure").reviewed  # type: ignore[union-attr]


def test_entity_decisions_change_the_roles_everywhere(store: Store) -> None:
    _corpus(store)
    store.review("unsure", "entity", "NATO", "accepted", value="Protagonist")
    store.review("unsure", "entity", "Ukraine", "rejected")
    analysis = store.get_analysis("unsure")
    assert analysis is not None and [(m.entity, m.main_role, m.fine_roles) for m in analysis.entities] == [
        ("NATO", "Protagonist", [])]
    assert [(r.entity, r.main_role) for r in store.entity_role_counts()] == [("NATO", "Protagonist")]


def test_a_new_analysis_keeps_the_reviewed_labels(store: Store) -> None:
    _corpus(store)
    store.review("unsure", "narrative", DISCREDIT, "rejected", user="ana")
    store.add_analyses([Analysis("unsure", narratives=[LabelScore(DISCREDIT, 0.8), LabelScore(PRAISE, 0.5)],
                                 subnarratives=[LabelScore(PUPPET, 0.7)], model="narratives:new@1")])
    analysis = store.get_analysis("unsure")
    assert analysis is not None and analysis.model == "narratives:new@1"
    assert analysis.narrative_labels == [PRAISE, BLAME]  # the new model's label, the one the reviewer left kept
    assert analysis.subnarrative_labels == [WEST]
    kept = [h for h in store.review_history("unsure") if h.action == "keep"]
    assert {(h.kind, h.target, h.user) for h in kept} == {("narrative", BLAME, "narrascope"), ("subnarrative", WEST, "narrascope"),
                                                          ("entity", "NATO", "narrascope"), ("entity", "Ukraine", "narrascope")}
    assert next(h for h in kept if h.target == BLAME).before == {"status": "predicted", "score": 0.6}


def test_the_first_model_fixes_the_taxonomy_of_the_store(store: Store) -> None:
    from narrascope.errors import ConfigError

    store.add_documents([Document("a", "one"), Document("b", "two")])
    assert store.taxonomy_name() is None
    store.add_analyses([Analysis("a", taxonomy="elections")])
    assert store.taxonomy_name() == "elections"
    with pytest.raises(ConfigError, match="labelled with the taxonomy 'elections'.*not 'SemEval"):
        store.add_analyses([Analysis("b", taxonomy="SemEval-2025 Task 10")])
    assert store.get_analysis("b") is None
    store.add_analyses([Analysis("b", taxonomy="elections")])
