"""The hand-written training supplement: valid labels, pairs, and kept apart from the stance test set."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from narrascope.errors import InputError
from narrascope.taxonomy import load_default_taxonomy
from narrascope.training.supplement import SUPPLEMENT, read_supplement

STANCE = Path(__file__).resolve().parents[1] / "data" / "stance" / "articles.jsonl"


def _rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_every_supplement_article_reads_with_taxonomy_labels_and_a_unique_id() -> None:
    taxonomy = load_default_taxonomy()
    docs, labels = read_supplement(taxonomy)
    assert len(docs) == len(_rows(SUPPLEMENT)) == 672
    assert len({d.id for d in docs}) == len(docs)
    assert all(d.id.startswith("supplement:sup_") and d.language for d in docs)
    for doc, annotation in zip(docs, labels):
        assert doc.id == annotation.id
        if annotation.narratives == ["Other"]:
            assert annotation.subnarratives == ["Other"], doc.id
            continue
        # every subnarrative belongs to one of the article's narratives, and every narrative has one
        for sub in annotation.subnarratives:
            assert any(sub.startswith(n + ": ") for n in annotation.narratives), (doc.id, sub)
        for narrative in annotation.narratives:
            assert any(sub.startswith(narrative + ": ") for sub in annotation.subnarratives), (doc.id, narrative)


def test_the_supplement_kind_matches_its_labels_and_pairs_cover_both_kinds_in_each_language() -> None:
    rows = _rows(SUPPLEMENT)
    for row in rows:
        assert (row["kind"] == "neutral") == (row["narratives"] == ["Other"]), row["id"]
        assert row["domain"] in ("URW", "CC")
        if row["kind"] == "narrative":
            assert all(label.startswith(row["domain"] + ":") for label in row["narratives"]), row["id"]
    kinds = Counter((row["language"], row["kind"]) for row in rows)
    for language in {row["language"] for row in rows}:
        assert kinds[language, "narrative"] >= 2 and kinds[language, "neutral"] >= 2, language


def test_the_supplement_shares_no_article_title_or_text_with_the_stance_test_set() -> None:
    supplement, stance = _rows(SUPPLEMENT), _rows(STANCE)
    titles = {row["text"].split("\n", 1)[0].strip().casefold() for row in stance}
    bodies = {row["text"].strip() for row in stance}
    for row in supplement:
        assert row["text"].split("\n", 1)[0].strip().casefold() not in titles, row["id"]
        assert row["text"].strip() not in bodies, row["id"]
    assert not {row["id"] for row in supplement} & {row["id"] for row in stance}


def test_a_label_outside_the_taxonomy_is_an_input_error_naming_the_file_and_line(tmp_path: Path) -> None:
    good = _rows(SUPPLEMENT)[0]
    bad = dict(good, id="sup_xx_001", narratives=["URW: Not a narrative"])
    path = tmp_path / "supplement.jsonl"
    path.write_text(json.dumps(good) + "\n\n" + json.dumps(bad) + "\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        read_supplement(load_default_taxonomy(), path)
    assert caught.value.path == str(path) and caught.value.line == 3
    assert "URW: Not a narrative" in str(caught.value)


def test_a_malformed_supplement_line_is_an_input_error_naming_its_line(tmp_path: Path) -> None:
    path = tmp_path / "supplement.jsonl"
    path.write_text(json.dumps(_rows(SUPPLEMENT)[0]) + "\n{not json\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        read_supplement(load_default_taxonomy(), path)
    assert caught.value.line == 2


def test_training_uses_the_supplement_only_with_a_taxonomy_that_has_all_its_labels() -> None:
    """``train --encoder`` with the SemEval taxonomy trains on the supplement; with a user's own taxonomy (whose labels
    the supplement does not use) it trains without it instead of failing on the supplement's labels."""
    from narrascope.taxonomy import load_taxonomy
    from narrascope.training.encoder_tuning import supplement_for

    docs, labels = supplement_for(load_default_taxonomy())
    assert len(docs) == len(labels) == 672
    demo = load_taxonomy(Path(__file__).resolve().parents[2] / "docs" / "examples" / "analyst-demo.yaml")
    assert supplement_for(demo) == ([], [])
