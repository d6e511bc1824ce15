"""The shipped taxonomy matches the official SemEval class lists; user taxonomies fail clearly."""

from __future__ import annotations

from pathlib import Path

import pytest

from narrascope.errors import ConfigError
from narrascope.semeval.metrics import official_class_lists
from narrascope.taxonomy import OTHER, Taxonomy, load_default_taxonomy


@pytest.fixture(scope="module")
def taxonomy() -> Taxonomy:
    return load_default_taxonomy()


def test_coarse_labels_are_the_official_22(taxonomy: Taxonomy) -> None:
    official_coarse, _ = official_class_lists()
    assert len(taxonomy.coarse_labels) == 22
    assert set(taxonomy.coarse_labels) == set(official_coarse)
    assert OTHER in taxonomy.coarse_labels
    assert taxonomy.domains == ["CC", "URW"]


def test_fine_labels_cover_the_official_list(taxonomy: Taxonomy) -> None:
    _, official_fine = official_class_lists()
    assert set(official_fine) <= set(taxonomy.fine_labels)
    assert len(set(taxonomy.fine_labels)) == len(taxonomy.fine_labels)
    # the extra labels are unscored subnarratives or a narrative's "<Narrative>: Other"
    for label in set(taxonomy.fine_labels) - set(official_fine):
        sub = taxonomy.subnarrative(label)
        assert sub is None or not sub.scored, label


def test_parent_of_every_fine_label(taxonomy: Taxonomy) -> None:
    for label in taxonomy.fine_labels:
        parent = taxonomy.parent(label)
        assert parent in taxonomy.coarse_labels
        assert label == OTHER or label.startswith(parent + ": ")
    assert taxonomy.parent(OTHER) == OTHER
    assert taxonomy.parent("URW: Discrediting Ukraine: Discrediting Ukrainian military") == "URW: Discrediting Ukraine"
    assert taxonomy.parent("CC: Criticism of climate policies: Other") == "CC: Criticism of climate policies"
    with pytest.raises(KeyError):
        taxonomy.parent("URW: No such narrative: Sub")


def test_roles(taxonomy: Taxonomy) -> None:
    assert len(taxonomy.fine_roles) == 22
    assert set(taxonomy.main_roles) == {"Protagonist", "Antagonist", "Innocent"}
    assert taxonomy.role_main("Deceiver") == "Antagonist"
    assert taxonomy.role_main("Victim") == "Innocent"


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_user_taxonomy_loads(tmp_path: Path) -> None:
    path = write(
        tmp_path / "energy.yaml",
        "domain: EN\nnarratives:\n- name: Grid is failing\n  subnarratives:\n  - name: Blackouts are imminent\n    definition: d\n",
    )
    tax = Taxonomy.from_files([path])
    assert tax.coarse_labels == ["EN: Grid is failing", OTHER]
    assert tax.fine_labels == ["EN: Grid is failing: Blackouts are imminent", "EN: Grid is failing: Other", OTHER]


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ("domain: EN\nnarratives:\n- name: Good\n- definition: no name here\n", "narrative #2: missing or empty 'name'"),
        ("domain: EN\nnarratives:\n- name: Good\n  subnarratives:\n  - name: 'A: B'\n", "subnarrative #1: name 'A: B' must not contain ':'"),
        ("domain: EN\nnarratives:\n- name: Good\n  subnarratives:\n  - name: Other\n", "'Other' is implicit"),
        ("domain: EN\nnarratives:\n- name: Twice\n- name: Twice\n", "narrative #2 ('Twice'): duplicate"),
        ("narratives:\n- name: Good\n", "top-level 'domain'"),
        ("domain: EN\nnarratives: [unclosed\n", "not valid YAML"),
    ],
)
def test_malformed_user_taxonomy_names_file_and_entry(tmp_path: Path, body: str, fragment: str) -> None:
    path = write(tmp_path / "bad.yaml", body)
    with pytest.raises(ConfigError) as info:
        Taxonomy.from_files([path])
    assert str(path) in str(info.value)
    assert fragment in str(info.value)
