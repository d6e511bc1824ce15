"""EntityFramer on invented data: contract, role constraints, save/load, summary."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from narrascope.documents import EntityMention
from narrascope.models.entities import EntityFramer, MentionContext, document_folds, summarize_roles


def _example(name: str, verb: str) -> MentionContext:
    text = f"Reports say that {name} {verb} the small town again.\r\nOfficials spoke later."
    start = text.index(name)
    return MentionContext(text, start, start + len(name))


def _data() -> tuple[list[MentionContext], list[tuple[str, list[str]]]]:
    contexts, labels = [], []
    for i in range(12):
        for name, verb, label in (
            (f"Alpha{i}", "bombed and invaded", ("Antagonist", ["Instigator"])),
            (f"Beta{i}", "defended and protected", ("Protagonist", ["Guardian"])),
            (f"Gamma{i}", "suffered and starved in", ("Innocent", ["Victim"])),
        ):
            contexts.append(_example(name, verb))
            labels.append(label)
    return contexts, labels


def test_framer_learns_roles_from_context_and_respects_main_role(tmp_path) -> None:
    contexts, labels = _data()
    framer = EntityFramer().fit(contexts, labels)
    preds = framer.predict([_example("Delta", "bombed and invaded"), _example("Omega", "suffered and starved in")])
    assert [p.main_role for p in preds] == ["Antagonist", "Innocent"]
    role_main = framer.role_main_
    for p in preds:
        assert p.fine_roles and all(role_main[r] == p.main_role for r in p.fine_roles)
    framer.save(tmp_path / "framer")
    again = EntityFramer.load(tmp_path / "framer")
    assert [p.fine_roles for p in again.predict(contexts[:3])] == [p.fine_roles for p in framer.predict(contexts[:3])]


def test_crlf_offsets_select_the_mention() -> None:
    ctx = _example("Alpha1", "bombed")
    assert ctx.mention == "Alpha1"


def test_document_folds_keep_a_document_together() -> None:
    ids = ["a", "a", "b", "c", "c", "d", "e", "f"]
    folds = document_folds(ids, n_folds=3)
    assert folds[0] == folds[1] and folds[3] == folds[4]
    assert len(set(folds)) == 3


def test_unfitted_framer_raises() -> None:
    from narrascope.errors import ModelError

    with pytest.raises(ModelError):
        EntityFramer().predict([_example("X", "bombed")])


def test_summarize_roles_groups_entities_by_main_role() -> None:
    analysis = SimpleNamespace(
        entities=[
            EntityMention("NATO", 0, 4, entity="nato", main_role="Antagonist", score=0.9),
            EntityMention("NATO", 10, 14, entity="nato", main_role="Antagonist", score=0.8),
            EntityMention("Kyiv", 20, 24, entity="kyiv", main_role="Innocent", score=0.6),
        ]
    )
    assert summarize_roles(analysis) == {"Antagonist": ["nato"], "Innocent": ["kyiv"]}
