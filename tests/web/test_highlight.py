"""Evidence highlighting: segments, colours per narrative, overlaps, bad offsets, escaping, entity roles."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from narrascope.documents import Analysis, EntityMention, Evidence, LabelScore
from narrascope.taxonomy import load_default_taxonomy
from narrascope.web.highlight import highlight

from .corpus import BLAME, DISCREDIT, PUPPET, WEST

TAX = load_default_taxonomy()


def _ev(text: str, part: str) -> Evidence:
    start = text.index(part)
    return Evidence(start, start + len(part), part)


def _plain(html: str) -> str:
    from html import unescape

    return unescape(re.sub(r"<[^>]+>", "", html))


def test_marks_per_label_with_parent_colour_and_overlap() -> None:
    text = "One <b>claim</b> here. Second claim there. Nothing else."
    a = Analysis("d", narratives=[LabelScore(BLAME, 0.9, [_ev(text, "One <b>claim</b> here.")]),
                                  LabelScore(DISCREDIT, 0.6, [_ev(text, "Second claim there.")])],
                 subnarratives=[LabelScore(WEST, 0.8, [_ev(text, "One <b>claim</b> here.")]),
                                LabelScore(PUPPET, 0.5, [_ev(text, "claim there.")])])
    out = highlight(text, a, TAX)
    assert _plain(out.html) == text  # nothing lost, markup of the article escaped
    assert "&lt;b&gt;" in out.html and "<b>" not in out.html
    blame, discredit = out.legend
    assert (blame.label, discredit.label) == (BLAME, DISCREDIT) and blame.color != discredit.color
    assert blame.children[0].label == WEST and discredit.children[0].label == PUPPET
    colors = [blame.color, discredit.color, blame.children[0].color, discredit.children[0].color]
    assert len(set(colors)) == 4  # one distinct colour per label
    marks = re.findall(r'<mark class="ev c(\d)[^"]*" data-labels="([\d ]+)"', out.html)
    labels = [set(map(int, m[1].split())) for m in marks]
    assert {blame.index, blame.children[0].index} in labels  # the first sentence carries both BLAME labels
    assert {discredit.index, discredit.children[0].index} in labels  # "claim there." is in both DISCREDIT spans
    assert {discredit.index} in labels  # "Second " only in the narrative's evidence
    assert blame.evidence == 1 and discredit.children[0].evidence == 1


def test_misplaced_evidence_is_counted_not_shown() -> None:
    text = "Short text."
    a = Analysis("d", narratives=[LabelScore(BLAME, 0.9, [Evidence(5, 500, "x"), Evidence(3, 3, "")])])
    out = highlight(text, a, TAX)
    assert out.misplaced == 2 and "<mark" not in out.html and _plain(out.html) == text


def test_other_and_unknown_labels() -> None:
    text = "Nothing to see."
    out = highlight(text, Analysis("d", narratives=[LabelScore("Other", 1.0)], subnarratives=[LabelScore("Other", 1.0)]), TAX)
    assert out.legend == [] and "<mark" not in out.html
    orphan = highlight(text, Analysis("d", subnarratives=[LabelScore(WEST, 0.7, [Evidence(0, 7, "Nothing")])]), TAX)
    assert orphan.legend[0].label == BLAME and orphan.legend[0].index == -1  # parent shown, not clickable
    assert orphan.legend[0].children[0].label == WEST and "<mark" in orphan.html


def test_entities_underlined_with_their_own_role() -> None:
    text = "Washington and Washington again, said Kyiv."
    mentions = [EntityMention("Washington", 0, 10, "USA", "Antagonist", ["Instigator"], 0.7),
                EntityMention("Washington", 15, 25, "USA", "Antagonist", ["Conspirator"], 0.8),
                EntityMention("Kyiv", 38, 42, "Kyiv", "Protagonist", [], 0.5)]
    a = Analysis("d", entities=mentions)
    out = highlight(text, a, TAX)
    assert out.html.count('class="ent role-antagonist"') == 2 and 'class="ent role-protagonist"' in out.html
    assert 'title="USA: Antagonist (Conspirator)"' in out.html


@settings(deadline=None)  # a slow CI machine must not turn a GC pause into a failure
@given(st.text(max_size=60), st.lists(st.tuples(st.integers(-5, 70), st.integers(-5, 70)), max_size=6))
def test_text_always_survives(text: str, spans: list[tuple[int, int]]) -> None:
    evidence = [Evidence(s, e, text[s:e] if 0 <= s < e else "") for s, e in spans]
    a = Analysis("d", narratives=[LabelScore(BLAME, 0.5, evidence)],
                 entities=[EntityMention("x", s, e) for s, e in spans])
    out = highlight(text, a, TAX)
    assert _plain(out.html) == text
