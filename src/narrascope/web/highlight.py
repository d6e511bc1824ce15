"""Evidence highlighting: an article's text as HTML with the evidence of each label marked, and its legend.

Each label (narrative or subnarrative) gets its own colour (``c0``…``c11``, repeating after twelve). Every label of
the analysis is shown: the model decided them with its own (tuned) thresholds, and a reviewed analysis holds the
reviewed labels (``narrascope.store.review.apply_decisions``), so the page agrees with every count. The text is cut at every evidence and
entity-mention boundary into segments; a segment inside evidence becomes ``<mark class="ev cK"
data-labels="i j">`` (``i``, ``j`` index the legend), a segment inside an entity mention a ``<span class="ent">``.
Evidence whose offsets do not fit the text is left out and counted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html import escape

from markupsafe import Markup

from narrascope.documents import Analysis, EntityMention, LabelScore
from narrascope.store.search import matching_spans
from narrascope.taxonomy import OTHER, Taxonomy

PALETTE_SIZE = 12


@dataclass
class LegendEntry:
    """One label of the analysis: ``index`` is what ``data-labels`` refers to, ``color`` the palette class."""

    index: int
    label: str
    name: str
    level: str
    score: float
    color: int
    evidence: int = 0
    children: list[LegendEntry] = field(default_factory=list)


@dataclass
class Highlighted:
    html: Markup
    legend: list[LegendEntry]
    misplaced: int = 0


def _short(label: str) -> str:
    """The last level of a label: ``URW: A: B`` → ``B``."""
    return label.rsplit(": ", 1)[-1]


def build_legend(analysis: Analysis, taxonomy: Taxonomy) -> tuple[list[LegendEntry], dict[int, LabelScore]]:
    """Narratives (each with its subnarratives as children) and a map legend index → label."""
    legend: list[LegendEntry] = []
    by_label: dict[str, LegendEntry] = {}
    labels: dict[int, LabelScore] = {}
    counter = 0
    colors = iter(range(10**6))
    for score in analysis.narratives:
        if score.label == OTHER:
            continue
        entry = LegendEntry(counter, score.label, _short(score.label), "narrative", score.score,
                            next(colors) % PALETTE_SIZE)
        legend.append(entry)
        by_label[score.label] = entry
        labels[counter] = score
        counter += 1
    for score in analysis.subnarratives:
        if score.label == OTHER:
            continue
        try:
            parent_label = taxonomy.parent(score.label)
        except KeyError:
            parent_label = score.label.rsplit(": ", 1)[0]
        parent = by_label.get(parent_label)
        if parent is None:  # a subnarrative whose narrative was not predicted: show it at the top level
            parent = LegendEntry(-1, parent_label, _short(parent_label), "narrative", 0.0, next(colors) % PALETTE_SIZE)
            legend.append(parent)
            by_label[parent_label] = parent
        entry = LegendEntry(counter, score.label, _short(score.label), "subnarrative", score.score,
                            next(colors) % PALETTE_SIZE)
        parent.children.append(entry)
        labels[counter] = score
        counter += 1
    return legend, labels


def _entries(legend: list[LegendEntry]) -> dict[int, LegendEntry]:
    flat: dict[int, LegendEntry] = {}
    for entry in legend:
        if entry.index >= 0:
            flat[entry.index] = entry
        for child in entry.children:
            flat[child.index] = child
    return flat


def highlight(text: str, analysis: Analysis, taxonomy: Taxonomy) -> Highlighted:
    """``text`` as HTML with evidence marked per label and entity mentions underlined, plus the legend."""
    legend, labels = build_legend(analysis, taxonomy)
    entries = _entries(legend)
    spans: list[tuple[int, int, int]] = []  # (start, end, legend index)
    misplaced = 0
    for index, score in labels.items():
        for ev in score.evidence:
            if 0 <= ev.start < ev.end <= len(text):
                spans.append((ev.start, ev.end, index))
                entries[index].evidence += 1
            else:
                misplaced += 1
    mentions = [m for m in analysis.entities if 0 <= m.start < m.end <= len(text)]
    cuts = {0, len(text)}
    for start, end, _ in spans:
        cuts.update((start, end))
    for m in mentions:
        cuts.update((m.start, m.end))
    bounds = sorted(cuts)
    parts: list[str] = []
    for a, b in zip(bounds, bounds[1:]):
        piece = escape(text[a:b])
        inside = sorted({i for s, e, i in spans if s <= a and b <= e})
        mention = next((m for m in mentions if m.start <= a and b <= m.end), None)
        if mention is not None:
            piece = _entity(piece, mention)
        if inside:
            colors = {entries[i].color for i in inside}
            first = entries[inside[-1]]  # the finest label (subnarratives come after narratives)
            tip = "\n".join(f"{entries[i].label} ({entries[i].score:.2f})" for i in inside)
            multi = " multi" if len(colors) > 1 else ""
            piece = (f'<mark class="ev c{first.color}{multi}" data-labels="{" ".join(map(str, inside))}" '
                     f'title="{escape(tip)}">{piece}</mark>')
        parts.append(piece)
    return Highlighted(Markup("".join(parts)), legend, misplaced)


def _entity(piece: str, mention: EntityMention) -> str:
    role = mention.main_role or "Unknown"
    fine = ", ".join(mention.fine_roles)
    tip = f"{mention.entity or mention.text}: {role}" + (f" ({fine})" if fine else "")
    return f'<span class="ent role-{escape(role.lower())}" title="{escape(tip)}">{piece}</span>'



def passage(text: str, query: str | None, title: str | None = None, language: str | None = None,
            width: int = 220) -> Markup:
    """About ``width`` characters of ``text`` around the first word that ``query`` finds in it (after the title, when
    the text repeats it), the words it finds marked (any form: a search for "javelins" marks "javelin", as the search
    found it); the text's opening when nothing matches."""
    body = text
    if title and body.startswith(title):
        body = body[len(title):].lstrip(" .:\n")
    hits = matching_spans(body, query or "", language)
    start = 0
    if hits:
        first = hits[0][0]
        start = max(0, first - width // 3)
        space = body.rfind(" ", 0, start)
        start = space + 1 if start and space >= 0 and first - space < width // 2 else start
    end = start + width
    out, at = [], start
    for s, e in hits:
        if s >= start and e <= end:
            out += [escape(body[at:s]), '<mark class="hit">', escape(body[s:e]), "</mark>"]
            at = e
    out.append(escape(body[at:end]))
    prefix = "…" if start > 0 else ""
    suffix = "…" if end < len(body) else ""
    return Markup(prefix + "".join(out) + suffix)
