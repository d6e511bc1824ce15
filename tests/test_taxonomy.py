"""The shipped taxonomy matches the official SemEval class lists; user taxonomies load, round-trip and fail clearly
(file and line)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from narrascope.errors import ConfigError
from narrascope.semeval.metrics import official_class_lists
from narrascope.taxonomy import OTHER, Taxonomy, load_default_taxonomy, load_taxonomy


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


MINIMAL = Path(__file__).resolve().parents[1] / "docs" / "examples" / "analyst-demo.yaml"  # the minimal file


def test_minimal_file_without_domains(tmp_path: Path) -> None:
    tax = Taxonomy.from_file(MINIMAL)
    assert tax.name == "analyst-demo"
    assert tax.domains == []
    assert tax.coarse_labels == ["War blame shifted", "Climate change downplayed", OTHER]
    assert tax.fine_labels == ["War blame shifted: Other", "Climate change downplayed: Climate cycles are natural",
                               "Climate change downplayed: Other", OTHER]
    assert tax.parent("Climate change downplayed: Climate cycles are natural") == "Climate change downplayed"
    assert tax.domain_of("War blame shifted") == ""
    assert tax.is_fine("War blame shifted: Other") and not tax.is_fine("War blame shifted")
    assert "natural cycle" in tax.describe("Climate change downplayed: Climate cycles are natural")


def test_taxonomy_round_trips_through_its_file(tmp_path: Path, taxonomy: Taxonomy) -> None:
    for original in (taxonomy, Taxonomy.from_file(MINIMAL)):
        original.save(tmp_path / "copy.yaml")
        copy = load_taxonomy(tmp_path / "copy.yaml")
        assert copy.name == original.name
        assert copy.fine_labels == original.fine_labels and copy.coarse_labels == original.coarse_labels
        assert copy.roles == original.roles
        assert [copy.describe(l) for l in copy.fine_labels] == [original.describe(l) for l in original.fine_labels]


def test_default_labels_unchanged(taxonomy: Taxonomy) -> None:
    assert "URW: Blaming the war on others rather than the invader" in taxonomy.coarse_labels
    assert "URW: Blaming the war on others rather than the invader: The West are the aggressors" in taxonomy.fine_labels
    assert taxonomy.domain_of("CC: Downplaying climate change") == "CC"


@pytest.mark.parametrize(
    ("body", "fragment", "line"),
    [
        ("domain: EN\nnarratives:\n- name: Good\n- definition: no name here\n", "narrative #2: missing or empty 'name'", 4),
        ("domain: EN\nnarratives:\n- name: Good\n  subnarratives:\n  - name: 'A: B'\n", "subnarrative #1: name 'A: B' must not contain ':'", 5),
        ("domain: EN\nnarratives:\n- name: 'Good:Bad'\n", "narrative #1: name 'Good:Bad' must not contain ':'", 3),
        ("domain: EN\nnarratives:\n- name: Good\n  subnarratives:\n  - name: Other\n", "'Other' is implicit", 5),
        ("domain: EN\nnarratives:\n- name: Twice\n- name: Twice\n", "narrative #2 ('Twice'): duplicate", 4),
        ("name: x\n", "missing 'narratives'", 1),
        ("narratives:\n- name: Good\n  defintion: typo\n", "unknown key 'defintion'", 3),
        ("narratives:\n- name: Good\n  subnarratives: a text\n", "must be a list", 3),
        ("narratives: []\n", "'narratives' is empty", 1),
        ("narratives:\n- name: Good\n  subnarratives:\n  - name: S\n    scored: maybe\n", "'scored' must be true or false", 5),
        ("domains:\n- name: A\n  narratives:\n  - name: N\nnarratives:\n- name: M\n", "either 'domains'", 2),
        ("domain: EN\nnarratives: [unclosed\n", "not valid YAML", 3),
        ("narratives:\n- name: Good\n   definition: bad indent\n", "not valid YAML", 3),
    ],
)
def test_malformed_taxonomy_names_file_and_line(tmp_path: Path, body: str, fragment: str, line: int) -> None:
    path = write(tmp_path / "bad.yaml", body)
    with pytest.raises(ConfigError) as info:
        Taxonomy.from_file(path)
    assert f"{path}:{line}: " in str(info.value)
    assert fragment in str(info.value)


def test_example_alias_and_scored_flag_load_and_survive_a_round_trip(tmp_path: Path) -> None:
    path = write(
        tmp_path / "grid.yaml",
        "narratives:\n- name: Grid is failing\n  example: The lights went out\n  subnarratives:\n"
        "  - name: Blackouts are imminent\n  - name: Prices explode\n    examples:\n    - one\n    - two\n    scored: false\n",
    )
    tax = Taxonomy.from_file(path)
    (narrative,) = tax.narratives
    assert narrative.example == "The lights went out"  # `example` is accepted for `examples`
    subs = [(s.name, s.scored, s.examples) for s in narrative.subnarratives]
    assert subs == [("Blackouts are imminent", True, ""), ("Prices explode", False, "one two")]  # scored by default
    tax.save(tmp_path / "copy.yaml")
    (copied,) = load_taxonomy(tmp_path / "copy.yaml").narratives
    assert copied.example == narrative.example
    assert [(s.name, s.scored, s.examples) for s in copied.subnarratives] == subs


ALIAS_BOMB = "\n".join(["a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]"]
                       + [f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},"
                          f"*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)}]" for i in range(8)])


@pytest.mark.parametrize(
    ("body", "fragment", "line"),
    [
        # the audit's hostile files: each was a hang, a traceback without file and line, or a silent change
        (ALIAS_BOMB, "YAML aliases (*a) are not allowed", 2),
        ("narratives:\n- name: Good\n  examples: &r [x, *r]\n", "YAML aliases (*r) are not allowed", 3),
        ("narratives:\n- name: Good\n  definition: " + "[" * 5000 + "]" * 5000 + "\n", "nested deeper than 20 levels", 3),
        ("narratives:\n- name: Good\n  definition: !!python/name:os.system\n", "YAML tag 'tag:yaml.org,2002:python/name:os.system' is not allowed", 3),
        ("narratives:\n- name: Good\n  definition: !!binary '%%%'\n", "YAML tag 'tag:yaml.org,2002:binary' is not allowed", 3),
        ("narratives:\n- name: Good\n  definition: !custom x\n", "YAML tag '!custom' is not allowed", 3),
        ("narratives:\n- name: 12:30\n", "name '12:30' is read as a YAML int, not text; put it in quotes", 2),
        ("narratives:\n- name: Good\n  subnarratives:\n  - name: yes\n", "name 'yes' is read as a YAML bool", 4),
        ("narratives:\n- name: 1.5\n", "name '1.5' is read as a YAML float", 2),
    ],
)
def test_hostile_taxonomy_files_are_refused_with_file_and_line(tmp_path: Path, body: str, fragment: str, line: int) -> None:
    path = write(tmp_path / "bad.yaml", body)
    with pytest.raises(ConfigError) as info:
        Taxonomy.from_file(path)
    assert f"{path}:{line}: " in str(info.value) and fragment in str(info.value)


@pytest.mark.parametrize("body", [ALIAS_BOMB, "narratives:\n- name: Good\n  definition: " + "[" * 5000 + "]" * 5000])
def test_taxonomy_files_that_used_to_hang_are_refused_within_seconds(tmp_path: Path, body: str) -> None:
    path = write(tmp_path / "bad.yaml", body)
    started = time.perf_counter()
    with pytest.raises(ConfigError):
        Taxonomy.from_file(path)
    assert time.perf_counter() - started < 5  # a wall-clock bound: deselected under mutmut ([tool.mutmut])


def test_texts_keep_their_characters_and_quoted_names_load(tmp_path: Path) -> None:
    path = write(tmp_path / "ok.yaml", "narratives:\n- name: '750 rule'\n  definition: 12:30\n- name: '2024'\n"
                                       "  definition: yes\n  examples: [1.50, no]\n")
    taxonomy = Taxonomy.from_file(path)
    assert [n.name for n in taxonomy.narratives] == ["750 rule", "2024"]
    assert [n.definition for n in taxonomy.narratives] == ["12:30", "yes"]  # not 750, not True


def test_an_oversized_taxonomy_file_is_refused_before_it_is_parsed(tmp_path: Path) -> None:
    from narrascope.taxonomy.files import MAX_BYTES

    path = tmp_path / "huge.yaml"
    path.write_bytes(b"narratives:\n- name: Good\n  definition: " + b"x" * MAX_BYTES + b"\n")
    with pytest.raises(ConfigError, match=r"huge\.yaml: over 5 MB"):
        Taxonomy.from_file(path)


def test_a_model_with_an_alias_bomb_taxonomy_fails_on_load_naming_the_file(tmp_path: Path) -> None:
    import shutil

    from narrascope.components.narratives.classifier import DEFAULT_MODEL_DIR, NarrativeStep

    model = tmp_path / "model"
    shutil.copytree(DEFAULT_MODEL_DIR, model)
    (model / "taxonomy.yaml").write_text(ALIAS_BOMB + "\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"model.taxonomy\.yaml:2: YAML aliases"):
        NarrativeStep(model).taxonomy
