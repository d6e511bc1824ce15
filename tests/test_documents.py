"""The data model round-trips through JSON without losing anything."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from narrascope.documents import Analysis, Document, EntityMention, Evidence, Explanation, FailedInput, LabelScore, entity_summary

TEXT = st.text(max_size=30)
OPT_TEXT = st.none() | TEXT
SCORE = st.floats(0, 1, allow_nan=False)
EVIDENCE = st.builds(Evidence, start=st.integers(0, 10**6), end=st.integers(0, 10**6), text=TEXT, score=SCORE)
DOCUMENT = st.builds(
    Document, id=TEXT, text=TEXT, title=OPT_TEXT, url=OPT_TEXT, outlet=OPT_TEXT, published=OPT_TEXT, language=OPT_TEXT, source=OPT_TEXT
)
LABEL = st.builds(LabelScore, label=TEXT, score=SCORE, evidence=st.lists(EVIDENCE, max_size=3))
MENTION = st.builds(
    EntityMention,
    text=TEXT,
    start=st.integers(0, 10**6),
    end=st.integers(0, 10**6),
    entity=OPT_TEXT,
    main_role=OPT_TEXT,
    fine_roles=st.lists(TEXT, max_size=3),
    score=SCORE,
    evidence=st.none() | EVIDENCE,
)
EXPLANATION = st.builds(
    Explanation, text=TEXT, narrative=TEXT, subnarrative=OPT_TEXT, sources=st.lists(EVIDENCE, max_size=3), explainer=OPT_TEXT
)
ANALYSIS = st.builds(
    Analysis,
    document_id=TEXT,
    language=OPT_TEXT,
    title=OPT_TEXT,
    source=OPT_TEXT,
    narratives=st.lists(LABEL, max_size=3),
    subnarratives=st.lists(LABEL, max_size=3),
    entities=st.lists(MENTION, max_size=3),
    explanation=st.none() | EXPLANATION,
    warnings=st.lists(TEXT, max_size=2),
    error=OPT_TEXT,
    model=OPT_TEXT,
    taxonomy=OPT_TEXT,
)


def through_json(data: dict) -> dict:
    return json.loads(json.dumps(data, ensure_ascii=False))


@settings(max_examples=40, deadline=None)
@given(DOCUMENT)
def test_document_json_round_trip(doc: Document) -> None:
    assert Document.from_dict(through_json(doc.to_dict())) == doc


@settings(max_examples=40, deadline=None)
@given(ANALYSIS)
def test_analysis_json_round_trip(analysis: Analysis) -> None:
    assert Analysis.from_dict(through_json(analysis.to_dict())) == analysis


def test_from_dict_ignores_unknown_keys_and_fills_defaults() -> None:
    doc = Document.from_dict({"id": "a", "text": "b", "added_by_a_newer_version": 1})
    assert doc == Document(id="a", text="b")
    assert Analysis.from_dict({"document_id": "a"}) == Analysis(document_id="a")


def test_content_hash_depends_on_text_only() -> None:
    assert Document("a", "same text").content_hash == Document("b", "same text", title="t").content_hash
    assert Document("a", "same text").content_hash != Document("a", "same text\r\n").content_hash


def test_failed_input_becomes_failed_analysis() -> None:
    failure = FailedInput(source="feed.jsonl", reason="no text", line=3, id="x1")
    analysis = Analysis.failed(failure)
    assert (analysis.document_id, analysis.source, analysis.error) == ("x1", "feed.jsonl", "no text")
    assert Analysis.failed(FailedInput(source="f.txt", reason="empty")).document_id == "f.txt"
    assert FailedInput.from_dict(through_json(failure.to_dict())) == failure


def test_entity_summary_says_who_is_cast_as_what():
    mentions = [
        EntityMention("NATO", 0, 4, "NATO", "Antagonist", ["Instigator"], 0.9),
        EntityMention("NATO", 10, 14, "NATO", "Antagonist", ["Conspirator", "Instigator"], 0.8),
        EntityMention("the alliance", 20, 32, "NATO", "Protagonist", ["Guardian"], 0.6),
        EntityMention("Kyiv", 40, 44, "Ukraine", "Innocent", ["Victim"], 0.7),
    ]
    rows = entity_summary(mentions)
    assert [r["entity"] for r in rows] == ["NATO", "Ukraine"]
    assert rows[0] == {"entity": "NATO", "main_role": "Antagonist", "fine_roles": ["Instigator", "Conspirator"],
                       "mentions": 3, "share": 0.6667, "salience": None, "framed": None}
    assert rows[1]["main_role"] == "Innocent" and rows[1]["share"] == 1.0
    analysis = Analysis("d1", entities=mentions)
    assert analysis.to_dict()["entity_summary"] == rows
    assert Analysis.from_dict(analysis.to_dict()).to_dict() == analysis.to_dict()  # derived, round-trips


def test_an_entity_below_the_salience_threshold_is_not_framed():
    """Salience under ``FRAMED_SALIENCE`` makes an entity "not framed" (its role only the framer's guess); at the
    threshold it is framed; the entity's salience is that of its most salient mention."""
    from narrascope.documents import FRAMED_SALIENCE

    mentions = [
        EntityMention("port", 0, 4, "Odesa", "Antagonist", ["Foreign Adversary"], 0.7, salience=FRAMED_SALIENCE - 0.01),
        EntityMention("Kyiv", 10, 14, "Ukraine", "Innocent", ["Victim"], 0.7, salience=FRAMED_SALIENCE),
        EntityMention("Ukraine", 20, 27, "Ukraine", "Innocent", ["Victim"], 0.7, salience=0.1),
    ]
    rows = {r["entity"]: r for r in entity_summary(mentions)}
    assert rows["Odesa"]["framed"] is False and rows["Odesa"]["main_role"] == "Antagonist"  # the guess is kept
    assert rows["Ukraine"]["framed"] is True and rows["Ukraine"]["salience"] == FRAMED_SALIENCE
    assert Analysis("d2").to_dict()["entity_summary"] == []


def test_entity_summary_puts_the_most_salient_entity_first_and_salience_round_trips():
    mentions = [
        EntityMention("Reuters", 0, 7, "Reuters", "Protagonist", ["Virtuous"], 0.5, salience=0.05),
        EntityMention("Reuters", 9, 16, "Reuters", "Protagonist", ["Virtuous"], 0.5, salience=0.05),
        EntityMention("Putin", 20, 25, "Vladimir Putin", "Antagonist", ["Tyrant"], 0.9, salience=0.81),
    ]
    rows = entity_summary(mentions)
    assert [(r["entity"], r["salience"]) for r in rows] == [("Vladimir Putin", 0.81), ("Reuters", 0.05)]  # not by mentions
    assert EntityMention.from_dict(mentions[2].to_dict()) == mentions[2]
    assert EntityMention.from_dict({"text": "X", "start": 0, "end": 1}).salience is None  # stored before salience
