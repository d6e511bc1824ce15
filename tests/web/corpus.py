"""An invented corpus for the web tests (documents, hand-made analyses with evidence offsets, entity roles, an
explanation, a storyline, a syndicated copy and a surge) and tiny real pipeline steps."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

from narrascope.documents import Analysis, Document, EntityMention, Evidence, Explanation, LabelScore
from narrascope.store import open_store
from narrascope.store.base import Duplicate, Storyline

TOKEN = "test-token-123"
BLAME = "URW: Blaming the war on others rather than the invader"
WEST = "URW: Blaming the war on others rather than the invader: The West are the aggressors"
DISCREDIT = "URW: Discrediting Ukraine"
PUPPET = "URW: Discrediting Ukraine: Ukraine is a puppet of the West"
PRAISE = "URW: Praise of Russia"
FIRST_DAY = date(2024, 3, 1)
DAYS = 40
OUTLETS = ["daily-courier.example", "morning-post.example", "nachrichten.example"]

CLAIMS = {
    BLAME: "Western capitals pushed Kyiv into this conflict and keep it burning.",
    DISCREDIT: "The government in Kyiv takes its orders from foreign embassies.",
    PRAISE: "Moscow's calm leadership is admired far beyond its borders.",
}
FILLER = ("The city council met on {day} to discuss road repairs. ", "Local farmers reported a late harvest. ")


def _article(i: int, label: str, day: str) -> tuple[Document, Analysis]:
    head = f"Dispatch {i}. " + FILLER[0].format(day=day)
    claim = CLAIMS[label]
    text = f"{head}{claim}\nOfficials in Brussels did not comment. {FILLER[1]}"
    start = text.index(claim)
    evidence = [Evidence(start, start + len(claim), claim, 0.9)]
    doc = Document(id=f"doc-{i:03d}", text=text, title=f"Report {i}: {claim[:40]}", outlet=OUTLETS[i % 3],
                   published=day, language=["en", "de", "bg"][i % 3], url=f"https://news.example/{i}")
    sub = {BLAME: WEST, DISCREDIT: PUPPET}.get(label)
    analysis = Analysis(document_id=doc.id, language=doc.language, title=doc.title,
                        narratives=[LabelScore(label, 0.8, evidence)],
                        subnarratives=[LabelScore(sub, 0.7, evidence)] if sub else [])
    brussels = text.index("Brussels")
    analysis.entities = [EntityMention("Brussels", brussels, brussels + 8, "Brussels", "Antagonist", ["Conspirator"], 0.6)]
    return doc, analysis


def build_corpus(path: Path) -> Path:
    """Write the invented corpus to ``path`` (SQLite) and return it."""
    docs: list[Document] = []
    analyses: list[Analysis] = []
    i = 0
    for d in range(DAYS):
        day = (FIRST_DAY + timedelta(days=d)).isoformat()
        labels = [BLAME, DISCREDIT] if d < DAYS - 1 else [PRAISE] * 6 + [BLAME]  # Praise of Russia surges last day
        for label in labels:
            doc, analysis = _article(i, label, day)
            docs.append(doc)
            analyses.append(analysis)
            i += 1
    star_text = ("NATO is directly fighting in Ukraine, a commentator claimed on Monday.\n\n"
                 "He said that Western officers command the brigades near the front. Washington denied it. "
                 "The Kremlin said it would respond calmly. Critics called Moscow the aggressor.")
    claim = "He said that Western officers command the brigades near the front."
    s = star_text.index(claim)
    ev = Evidence(s, s + len(claim), claim, 0.95)
    first = Evidence(0, star_text.index("\n"), star_text[: star_text.index("\n")], 0.8)
    star = Document(id="star/article 1", text=star_text, title="Who is fighting near the front", outlet=OUTLETS[0],
                    published="2024-04-10", language="en", url="https://news.example/star")
    washington = star_text.index("Washington")
    kremlin, it, moscow = star_text.index("The Kremlin"), star_text.index("it would"), star_text.index("Moscow")
    star_analysis = Analysis(
        document_id=star.id, language="en", title=star.title,
        narratives=[LabelScore(BLAME, 0.91, [ev, first]), LabelScore(DISCREDIT, 0.55, [ev])],
        subnarratives=[LabelScore(WEST, 0.88, [ev]), LabelScore(PUPPET, 0.51, [ev])],
        entities=[EntityMention("Washington", washington, washington + 10, "USA", "Antagonist", ["Instigator"], 0.7),
                  EntityMention("The Kremlin", kremlin, kremlin + 11, "Russia", "Protagonist", ["Guardian"], 0.8, salience=0.8),
                  EntityMention("it", it, it + 2, "Russia", "Protagonist", ["Peacemaker", "Guardian"], 0.6, salience=0.8),
                  EntityMention("Moscow", moscow, moscow + 6, "Russia", "Antagonist", ["Instigator"], 0.9, salience=0.8)],
        explanation=Explanation("The article claims Western officers command Ukrainian brigades, casting the West as a "
                                "party to the war.", BLAME, WEST, [ev], "extractive"),
    )
    copy = Document(id="star-copy", text=star_text + " (Reprinted.)", title=star.title, outlet=OUTLETS[1],
                    published="2024-04-09", language="en")
    store = open_store(path)
    with store.transaction():
        store.add_documents(docs + [star, copy])
        store.add_analyses(analyses + [star_analysis, Analysis(copy.id, "en", copy.title, narratives=[LabelScore(BLAME, 0.9, [ev])])])
        store.add_duplicates([Duplicate(copy.id, star.id, 0.97)])
        story = Storyline("s-front", "Officers near the front", size=3, first_seen="2024-04-09", last_seen="2024-04-10",
                          centroid=[0.1, 0.2])
        store.save_storyline(story)
        store.assign_storyline([star.id, copy.id, docs[-1].id], story.id)
    store.close()
    return path


class KeywordStep:
    """A tiny real pipeline step for tests: labels texts mentioning NATO with BLAME, evidence = that sentence."""

    name = "keywords"

    def __call__(self, documents: list[Document], analyses: list[Analysis]) -> None:
        for doc, analysis in zip(documents, analyses):
            at = doc.text.find("NATO")
            if at < 0:
                analysis.narratives = [LabelScore("Other", 1.0)]
                continue
            start = doc.text.rfind(".", 0, at) + 1
            while start < at and doc.text[start].isspace():
                start += 1
            end = doc.text.find(".", at)
            end = len(doc.text) if end < 0 else end + 1
            ev = Evidence(start, end, doc.text[start:end], 0.9)
            analysis.narratives = [LabelScore(BLAME, 0.9, [ev])]
            analysis.subnarratives = [LabelScore(WEST, 0.8, [ev])]


class NatoRolesStep:
    """Every "NATO" is a mention of NATO: Antagonist, except every third one, an Innocent."""

    name = "nato-roles"

    def __call__(self, documents: list[Document], analyses: list[Analysis]) -> None:
        for doc, analysis in zip(documents, analyses):
            starts = [m.start() for m in re.finditer("NATO", doc.text)]
            analysis.entities = [EntityMention("NATO", s, s + 4, "NATO", "Innocent" if k % 3 == 2 else "Antagonist",
                                               ["Victim"] if k % 3 == 2 else ["Instigator"], 0.5) for k, s in enumerate(starts)]


def make_pipeline():  # type: ignore[no-untyped-def]
    """The language step (real) plus ``KeywordStep``."""
    from narrascope.components.language.step import LanguageStep
    from narrascope.pipeline import Pipeline

    return Pipeline(steps=[LanguageStep(), KeywordStep()])
