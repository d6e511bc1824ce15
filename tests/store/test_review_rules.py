"""The review decision rule (``apply_decisions``) on hand-made cases, and the audit trail's stored values on every
store: what a reviewer sees, what an auditor reading the table with SQL finds."""

from __future__ import annotations

import pytest

from narrascope.documents import Analysis, EntityMention, Explanation, LabelScore
from narrascope.errors import InputError
from narrascope.store import Store
from narrascope.store.review import apply_decisions, parent_label

from test_review import BLAME, DISCREDIT, PRAISE, PUPPET, WEST, _corpus

BLAME_OTHER = f"{BLAME}: Other"


def model_analysis() -> Analysis:
    return Analysis("d", narratives=[LabelScore(BLAME, 0.9), LabelScore(DISCREDIT, 0.5)],
                    subnarratives=[LabelScore(WEST, 0.8), LabelScore(PUPPET, 0.4)],
                    entities=[EntityMention("NATO", 0, 4, "NATO", "Antagonist", ["Instigator"], 0.6),
                              EntityMention("Kyiv", 10, 14, "Ukraine", "Innocent", ["Victim"], 0.5)],
                    explanation=Explanation("NATO pushed.", BLAME, WEST))


def labels(analysis: Analysis) -> tuple[list[str], list[str]]:
    return [n.label for n in analysis.narratives], [s.label for s in analysis.subnarratives]


def test_without_decisions_the_models_analysis_is_returned_as_it_is() -> None:
    analysis = model_analysis()
    assert apply_decisions(analysis, []) is analysis


def test_rejecting_a_narrative_drops_it_and_its_subnarratives_not_accepted() -> None:
    result = apply_decisions(model_analysis(), [("narrative", DISCREDIT, "rejected", None)])
    assert labels(result) == ([BLAME], [WEST]) and result.reviewed
    result = apply_decisions(model_analysis(), [("narrative", DISCREDIT, "rejected", None),
                                                ("subnarrative", PUPPET, "accepted", None)])
    assert labels(result) == ([BLAME], [WEST, PUPPET])  # the accepted child stays, its rejected parent does not
    assert [s.score for s in result.subnarratives] == [0.8, 0.4]  # the model's score kept for a label it gave


def test_an_entity_decision_never_touches_a_label_of_the_same_name() -> None:
    analysis = Analysis("d", narratives=[LabelScore(BLAME, 0.9)], subnarratives=[LabelScore(BLAME_OTHER, 0.9)],
                        entities=[EntityMention(BLAME, 0, 4, BLAME, "Antagonist", [], 0.6)])
    rejected = apply_decisions(analysis, [("entity", BLAME, "rejected", None)])
    assert labels(rejected) == ([BLAME], [BLAME_OTHER]) and rejected.entities == []
    accepted = apply_decisions(Analysis("d", narratives=[LabelScore("Other", 0.9)]),
                               [("entity", PRAISE, "accepted", "Protagonist")])
    assert labels(accepted) == (["Other"], ["Other"])  # no narrative added by an entity named like one


def test_added_labels_come_with_score_one_and_a_subnarrative_brings_its_narrative() -> None:
    result = apply_decisions(model_analysis(), [("subnarrative", f"{PRAISE}: Praise of Russian military might",
                                                 "accepted", None)])
    assert [(n.label, n.score) for n in result.narratives] == [(BLAME, 0.9), (DISCREDIT, 0.5), (PRAISE, 1.0)]
    assert result.subnarratives[-1] == LabelScore(f"{PRAISE}: Praise of Russian military might", 1.0)
    result = apply_decisions(model_analysis(), [("narrative", PRAISE, "rejected", None),
                                                ("subnarrative", f"{PRAISE}: Praise of Russian military might",
                                                 "accepted", None)])
    assert labels(result)[0] == [BLAME, DISCREDIT]  # a rejected narrative is not brought back by its child


def test_other_goes_with_the_first_real_narrative_and_comes_back_when_none_is_left() -> None:
    other = Analysis("d", narratives=[LabelScore("Other", 0.7)], subnarratives=[LabelScore("Other", 0.7)])
    assert labels(apply_decisions(other, [("narrative", PRAISE, "accepted", None)])) == ([PRAISE], [])
    emptied = apply_decisions(model_analysis(), [("narrative", BLAME, "rejected", None),
                                                 ("narrative", DISCREDIT, "rejected", None)])
    assert [(n.label, n.score) for n in emptied.narratives] == [("Other", 1.0)]
    assert [(s.label, s.score) for s in emptied.subnarratives] == [("Other", 1.0)]


def test_entity_roles_follow_the_decision_of_their_entity() -> None:
    result = apply_decisions(model_analysis(), [("entity", "NATO", "accepted", "Protagonist"),
                                                ("entity", "Ukraine", "rejected", None)])
    assert [(e.text, e.main_role, e.fine_roles) for e in result.entities] == [("NATO", "Protagonist", [])]
    same = apply_decisions(model_analysis(), [("entity", "NATO", "accepted", "Antagonist")])
    assert [(e.main_role, e.fine_roles) for e in same.entities] == [("Antagonist", ["Instigator"]), ("Innocent", ["Victim"])]


@pytest.mark.parametrize("decision, kept", [
    (("narrative", DISCREDIT, "rejected", None), True),    # another narrative
    (("subnarrative", PUPPET, "rejected", None), True),    # another subnarrative
    (("narrative", BLAME, "rejected", None), False),       # the narrative it explains
    (("subnarrative", WEST, "rejected", None), False),     # the subnarrative it explains
    (("entity", "NATO", "rejected", None), True),
])
def test_the_explanation_stays_only_while_its_labels_do(decision: tuple, kept: bool) -> None:
    result = apply_decisions(model_analysis(), [decision])
    assert (result.explanation is not None) is kept
    narrative_only = Analysis("d", narratives=[LabelScore(BLAME, 0.9), LabelScore(DISCREDIT, 0.5)],
                              explanation=Explanation("NATO pushed.", DISCREDIT, None))
    assert apply_decisions(narrative_only, [("narrative", BLAME, "rejected", None)]).explanation is not None
    assert apply_decisions(narrative_only, [("narrative", DISCREDIT, "rejected", None)]).explanation is None


def test_the_parent_of_a_subnarrative_is_everything_before_its_last_part() -> None:
    assert parent_label(WEST) == BLAME and parent_label(BLAME_OTHER) == BLAME


def test_the_audit_stores_json_as_written_and_null_when_nothing_came_before(store: Store) -> None:
    _corpus(store)
    store.review("unsure", "entity", "NATO", "accepted", value="Protagonistë", user="zoë")
    store.review("unsure", "narrative", PRAISE, "accepted")
    rows = store._all("SELECT target, before_state, after_state, user_name FROM review_audit ORDER BY id")  # type: ignore[attr-defined]
    assert rows[0][1] == '{"status": "predicted", "value": "Antagonist"}'
    assert rows[0][2] == '{"status": "accepted", "value": "Protagonistë"}' and rows[0][3] == "zoë"
    assert rows[1][0] == PRAISE and rows[1][1] is None  # an added label: no state before, SQL NULL
    assert rows[1][2] == '{"status": "accepted", "value": null}'


def test_a_second_decision_records_the_first_as_its_before(store: Store) -> None:
    _corpus(store)
    first = store.review("unsure", "subnarrative", PUPPET, "rejected", user="ana")
    assert first.before == {"status": "predicted", "score": 0.3}  # the subnarrative's score, not a narrative's
    second = store.review("unsure", "subnarrative", PUPPET, "accepted", user="bo")
    assert second.before == {"status": "rejected", "value": None, "user": "ana", "at": first.created_at}
    assert [(r.status, r.user) for r in store.reviews("unsure")] == [("accepted", "bo")]


def test_the_history_filters_by_document_user_action_and_kind(store: Store) -> None:
    _corpus(store)
    store.review("unsure", "narrative", DISCREDIT, "rejected", user="ana")
    store.review("unsure", "entity", "NATO", "accepted", value="Protagonist", user="bo")
    store.review("sure", "narrative", PRAISE, "accepted", user="ana")
    assert [h.target for h in store.review_history(user="ana")] == [PRAISE, DISCREDIT]
    assert [h.target for h in store.review_history(action="reject")] == [DISCREDIT]
    assert [h.target for h in store.review_history(kind="entity")] == ["NATO"]
    assert [h.target for h in store.review_history("sure")] == [PRAISE]
    assert [h.target for h in store.review_history(user="ana", action="add")] == [PRAISE]
    assert [h.target for h in store.review_history(limit=1, offset=1)] == ["NATO"]


@pytest.mark.parametrize("kind, status, message", [
    ("label", "accepted", "unknown review kind 'label'; use one of narrative, subnarrative, entity"),
    ("narrative", "maybe", "unknown review status 'maybe'; use accepted or rejected"),
])
def test_a_wrong_kind_or_status_names_the_choices_and_the_document(store: Store, kind: str, status: str,
                                                                   message: str) -> None:
    _corpus(store)
    with pytest.raises(InputError) as error:
        store.review("unsure", kind, BLAME, status)
    assert (error.value.path, error.value.reason, str(error.value)) == ("unsure", message, f"unsure: {message}")
    with pytest.raises(InputError, match="a review needs a label or an entity"):
        store.review("unsure", "narrative", "  ", "accepted")
    assert store.review_history() == []


def test_reanalysing_an_unreviewed_article_pins_nothing(store: Store) -> None:
    _corpus(store)
    store.add_analyses([Analysis("sure", narratives=[LabelScore(PRAISE, 0.8)], model="narratives:new@1")])
    assert store.review_history() == [] and store.reviews("sure") == []
    assert store.get_analysis("sure").narrative_labels == [PRAISE]  # type: ignore[union-attr]


def test_the_queue_shows_each_articles_title_and_language(store: Store) -> None:
    _corpus(store)
    page = store.review_queue()
    assert {(i.document_id, i.title, i.language) for i in page.items} == {
        ("sure", "Sure", "en"), ("unsure", "Unsure", "en"), ("plain", "Plain", "en")}
