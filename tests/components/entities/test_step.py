"""Entity framing applied to documents: the entities step, official mention files, the frame command."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
from typer.testing import CliRunner

from narrascope.documents import Analysis, Document
from narrascope.errors import InputError
from narrascope.components.entities.gazetteer import Gazetteer
from narrascope.components.entities.framer import EntityFramer
from narrascope.components.entities.step import EntitiesStep, frame_document, frame_mentions
from narrascope.semeval.tasks import read_mention_lines
from narrascope.semeval.io import MentionAnnotation, official_span

from .test_framer import _data
from narrascope.taxonomy import load_default_taxonomy

SEMEVAL = load_default_taxonomy()  # the labels of the SemEval fixtures


@pytest.fixture(scope="module")
def framer() -> EntityFramer:
    contexts, labels = _data()
    return EntityFramer(taxonomy=SEMEVAL).fit(contexts, labels)


@pytest.fixture(scope="module")
def framer_dir(framer, tmp_path_factory):
    path = tmp_path_factory.mktemp("framer")
    framer.save(path)
    return path


TEXT = "Dispatch\r\nReports say that Alpha3 bombed and invaded the small town again. Beta4 defended and protected the people.\r\n"


def test_frame_document_gives_entities_roles_and_the_evidence_sentence(framer) -> None:
    gazetteer = Gazetteer.build([SimpleNamespace(mention=n, main_role=None, fine_roles=[]) for n in ("Alpha3", "Beta4")] * 2)
    doc = Document("d1", TEXT, language="xx")
    entities = frame_document(doc, framer, ner=False, gazetteer=gazetteer)
    assert [(e.text, e.main_role) for e in entities] == [("Alpha3", "Antagonist"), ("Beta4", "Protagonist")]
    for e in entities:
        assert TEXT[e.start : e.end] == e.text and e.entity == e.text and e.fine_roles and 0 < e.score <= 1
        assert e.evidence is not None and e.text in e.evidence.text and TEXT[e.evidence.start : e.evidence.end] == e.evidence.text
    assert entities[0].evidence.text.startswith("Reports say") and entities[1].evidence.text.startswith("Beta4")
    assert all(e.salience is not None and 0 < e.salience < 1 for e in entities)  # the shipped salience model



def test_a_document_with_too_many_mentions_frames_those_of_its_most_salient_entities(framer) -> None:
    gazetteer = Gazetteer.build([SimpleNamespace(mention=n, main_role=None, fine_roles=[]) for n in ("Alpha3", "Beta4", "Gamma5")] * 2)
    text = "Alpha3 bombed and invaded the town.\n" * 6 + "Beta4 defended the town.\n" * 3 + "Later Gamma5 spoke."
    doc = Document("d1", text, language="xx")
    everything = frame_document(doc, framer, ner=False, gazetteer=gazetteer)
    assert len(everything) == 10
    salience = {e.entity: e.salience for e in everything}
    assert salience["Alpha3"] > salience["Beta4"] > salience["Gamma5"]  # 6, 3 and 1 mentions
    warnings: list[str] = []
    capped = frame_document(doc, framer, ner=False, gazetteer=gazetteer, max_mentions=7, warnings=warnings)
    # the first mentions of each entity, most salient first, at most ceil(7 / 4) = 2 per entity
    alphas, betas = ([i for i in range(len(text)) if text.startswith(name, i)] for name in ("Alpha3", "Beta4"))
    assert [e.start for e in capped] == alphas[:2] + betas[:2] + [text.index("Gamma5")]
    assert [(e.start, e.main_role) for e in capped] == [(e.start, e.main_role) for e in everything if e.start in {c.start for c in capped}]
    assert warnings == ["entities: 10 mentions found; 5 framed, those of the most salient entities (max_mentions=7, at most a quarter "
                        "of them per entity)"]
    warnings.clear()
    two = frame_document(doc, framer, ner=False, gazetteer=gazetteer, max_mentions=2, warnings=warnings)
    assert [e.entity for e in two] == ["Alpha3", "Beta4"]  # one each (ceil(2 / 4)), the two most salient
    warnings.clear()
    assert frame_document(doc, framer, ner=False, gazetteer=gazetteer, max_mentions=10, warnings=warnings) == everything
    assert warnings == []  # under the cap: no note


def test_frame_mentions_keeps_input_order_and_official_offsets(framer) -> None:
    doc = Document("d1", TEXT)
    spans = [(TEXT.index(n), TEXT.index(n) + len(n)) for n in ("Beta4", "Alpha3")]
    mentions = [MentionAnnotation("d1", TEXT[s:e], *official_span(TEXT, s, e)) for s, e in spans]
    out = frame_mentions({"d1": doc}, mentions, framer)
    assert [(m.mention, m.start, m.end) for m in out] == [(m.mention, m.start, m.end) for m in mentions]
    assert [m.main_role for m in out] == ["Protagonist", "Antagonist"]
    with pytest.raises(InputError, match="'d2'"):
        frame_mentions({"d1": doc}, [MentionAnnotation("d2", "x", 0, 0)], framer)


def test_read_mention_lines_keeps_interleaved_file_order(tmp_path) -> None:
    path = tmp_path / "m.txt"
    path.write_text("a.txt\tX\t0\t1\nb.txt\tY\t2\t3\n\na.txt\tZ\t4\t5\n", encoding="utf-8")
    assert [(m.id, m.mention) for m in read_mention_lines(path)] == [("a.txt", "X"), ("b.txt", "Y"), ("a.txt", "Z")]


def test_entities_step_fills_analyses(framer_dir) -> None:
    step = EntitiesStep(model=framer_dir, ner=False)
    doc = Document("d1", "Reports say that NATO bombed and invaded the small town again.", language="en")
    analysis = Analysis(document_id="d1")
    step([doc], [analysis])
    assert [e.entity for e in analysis.entities] == ["NATO"]  # found by the shipped gazetteer
    assert analysis.entities[0].main_role in ("Protagonist", "Antagonist", "Innocent")


def test_frame_command_writes_the_official_format_in_input_order(semeval_tiny, framer_dir, tmp_path) -> None:
    from narrascope.cli import app

    mentions = tmp_path / "subtask-1-entity-mentions.txt"
    gold = (semeval_tiny / "EN" / "subtask-1-annotations.txt").read_text(encoding="utf-8").splitlines()
    mentions.write_text("".join("\t".join(line.split("\t")[:4]) + "\n" for line in reversed(gold)), encoding="utf-8")
    out = tmp_path / "pred.txt"
    result = CliRunner().invoke(app, ["frame", str(mentions), "--docs", str(semeval_tiny / "EN"), "--out", str(out), "--model", str(framer_dir)])
    assert result.exit_code == 0, result.output
    rows = [line.split("\t") for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r[:4] for r in rows] == [line.split("\t")[:4] for line in reversed(gold)]
    assert all(r[4] in ("Protagonist", "Antagonist", "Innocent") and len(r) >= 6 for r in rows)
    bad = tmp_path / "bad.txt"
    bad.write_text("nope.txt\tX\t0\t1\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["frame", str(bad), "--docs", str(semeval_tiny / "EN"), "--model", str(framer_dir)])
    assert result.exit_code == 2 and "nope.txt" in result.output


@pytest.mark.slow
def test_shipped_model_frames_the_western_and_russian_actors_of_the_examples(capsys) -> None:
    from narrascope.io.readers import read_inputs
    from narrascope.components.entities.framer import summarize_roles
    from narrascope.pipeline import Pipeline

    examples = Path(__file__).resolve().parents[3] / "examples"
    docs = [d for d in read_inputs([examples]) if isinstance(d, Document)]
    analyses = Pipeline.from_names(["language", "entities"]).analyze_batch(docs)
    seen: dict[str, set[str]] = {}
    for analysis in analyses:
        assert analysis.error is None and analysis.entities
        for e in analysis.entities:
            assert e.main_role in ("Protagonist", "Antagonist", "Innocent") and e.fine_roles and e.evidence is not None
            seen.setdefault(e.entity or e.text, set()).add(e.main_role)
        with capsys.disabled():
            print(f"\n{analysis.document_id}: {summarize_roles(analysis)}")
    assert "NATO" in seen
    assert {"United States", "the West"} & set(seen)
    # the summary ranks by salience: an article's top entity is one it frames, not a passing name
    top = [a.to_dict()["entity_summary"][0] for a in analyses]
    assert all(row["salience"] is not None and row["salience"] >= 0.3 for row in top)
    assert {"Vladimir Putin", "Sergey Shoigu", "Sergei Shoigu", "Kremlin", "Russia"} & set(seen)
