"""Taxonomy files, exactly: every field a file can set lands in the Taxonomy, the file written back is the same
dictionary, and every malformed file is refused with its own message, file and line."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from narrascope.errors import ConfigError
from narrascope.taxonomy import Narrative, Role, Subnarrative, Taxonomy
from narrascope.taxonomy.files import read_taxonomy_file, taxonomy_to_dict

FULL = """\
name: Energy
description: '  Narratives about energy  '
domains:
- name: EN
  title: Energy policy
  narratives:
  - name: Grid is failing
    definition: The grid cannot cope.
    examples: [Lights out, Blackouts]
    instructions: Look for outages
    subnarratives:
    - name: Blackouts are imminent
      definition: Soon dark.
      example: Tonight it goes dark
      instruction: Dates of outages
    - name: Prices explode
      scored: false
  - name: Renewables fail
- name: GAS
  narratives:
  - name: Pipelines
    instruction: x
roles:
- name: Protagonist
  definition: The hero.
  fine_roles:
  - name: Guardian
    definition: Guards.
    example: the army
  - name: Virtuous
- name: Antagonist
"""


def _write(tmp_path: Path, body: str, name: str = "t.yaml") -> Path:
    path = tmp_path / name
    path.write_text(body, encoding="utf-8")
    return path


def test_every_field_of_a_full_file_lands_in_the_taxonomy(tmp_path: Path) -> None:
    tax = read_taxonomy_file(_write(tmp_path, FULL))
    grid = "EN: Grid is failing"
    assert tax.narratives == [
        Narrative(domain="EN", name="Grid is failing", label=grid, definition="The grid cannot cope.",
                  example="Lights out Blackouts", instruction="Look for outages", subnarratives=(
                      Subnarrative(name="Blackouts are imminent", label=f"{grid}: Blackouts are imminent",
                                   definition="Soon dark.", examples="Tonight it goes dark",
                                   instruction="Dates of outages", scored=True),
                      Subnarrative(name="Prices explode", label=f"{grid}: Prices explode", scored=False))),
        Narrative(domain="EN", name="Renewables fail", label="EN: Renewables fail"),
        Narrative(domain="GAS", name="Pipelines", label="GAS: Pipelines", instruction="x"),
    ]
    assert tax.main_roles == {"Protagonist": "The hero.", "Antagonist": ""}
    assert tax.roles == [Role("Guardian", "Protagonist", "Guards.", "the army"), Role("Virtuous", "Protagonist")]
    assert (tax.name, tax.description) == ("Energy", "Narratives about energy")
    assert tax.domain_titles == {"EN": "Energy policy", "GAS": ""}


def test_the_file_written_back_is_the_same_dictionary(tmp_path: Path) -> None:
    tax = read_taxonomy_file(_write(tmp_path, FULL))
    assert taxonomy_to_dict(tax) == {
        "name": "Energy",
        "description": "Narratives about energy",
        "domains": [
            {"name": "EN", "title": "Energy policy", "narratives": [
                {"name": "Grid is failing", "definition": "The grid cannot cope.", "examples": "Lights out Blackouts",
                 "instruction": "Look for outages", "subnarratives": [
                     {"name": "Blackouts are imminent", "definition": "Soon dark.", "examples": "Tonight it goes dark",
                      "instruction": "Dates of outages"},
                     {"name": "Prices explode", "scored": False}]},
                {"name": "Renewables fail"}]},
            {"name": "GAS", "narratives": [{"name": "Pipelines", "instruction": "x"}]},
        ],
        "roles": [
            {"name": "Protagonist", "definition": "The hero.", "fine_roles": [
                {"name": "Guardian", "definition": "Guards.", "examples": "the army"}, {"name": "Virtuous"}]},
            {"name": "Antagonist", "fine_roles": []},
        ],
    }
    again = _write(tmp_path, yaml.safe_dump(taxonomy_to_dict(tax), sort_keys=False), "again.yaml")
    assert read_taxonomy_file(again) == tax


def test_a_file_without_domains_or_name(tmp_path: Path) -> None:
    path = _write(tmp_path, "narratives:\n- name: Solo\n  subnarratives:\n", "my-narratives.yaml")
    tax = read_taxonomy_file(path)
    assert tax.narratives == [Narrative(domain="", name="Solo", label="Solo")]
    assert (tax.name, tax.description, tax.domain_titles, tax.main_roles, tax.roles) == ("my-narratives", "", {}, {}, [])
    assert taxonomy_to_dict(tax) == {"name": "my-narratives", "narratives": [{"name": "Solo"}]}
    short = read_taxonomy_file(_write(tmp_path, "domain: CC\ntitle: Climate\nnarratives:\n- name: Hoax\n"))
    assert short.narratives == [Narrative(domain="CC", name="Hoax", label="CC: Hoax")]
    assert short.domain_titles == {"CC": "Climate"}


@pytest.mark.parametrize(("body", "line", "message"), [
    ("- a\n- b\n", 1, "the top level must be a mapping (key: value lines)"),
    ("? [a]\n: b\nnarratives: []\n", 1, "the top level: keys must be plain words"),
    ("name: a\nname: b\n", 2, "the top level: 'name' appears twice"),
    ("titel: x\n", 1, "the top level: unknown key 'titel'; allowed: description, domain, domains, name, narratives, "
                      "roles, source, title"),
    ("domains: []\n", 1, "'domains' is empty"),
    ("domains:\n- name: A\n  narratives: [{name: N}]\n- name: A\n  narratives: [{name: M}]\n", 4,
     "domain #2 ('A'): duplicate domain name"),
    ("domains:\n- name: A\n", 2, "domain 'A': missing 'narratives'"),
    ("domains:\n- title: T\n  narratives: [{name: N}]\n", 2, "domain #1: missing or empty 'name'"),
    ("domain: 'A: B'\nnarratives: [{name: N}]\n", 1, "'domain' must be a short name such as URW or CC"),
    ("domain: ''\nnarratives: [{name: N}]\n", 1, "'domain' must be a short name such as URW or CC"),
    ("domain: A\ndomains: []\n", 2, "use either 'domains' (each with its narratives) or top-level 'narratives', not both"),
    ("narratives:\n- name: Other\n", 2, "narrative #1 ('Other'): 'Other' is reserved for documents with no narrative"),
    ("narratives:\n- name: N\n  subnarratives:\n  - name: S\n  - name: S\n", 5,
     "narrative #1 ('N'), subnarrative #2: duplicate subnarrative name 'S'"),
    ("narratives:\n- name: N\n  definition: {a: b}\n", 3, "narrative #1 ('N'): 'definition' must be text"),
    ("narratives:\n- name: '   '\n", 2, "narrative #1: missing or empty 'name'"),
    ("narratives:\n- N\n", 2, "narrative #1 must be a mapping (key: value lines)"),
    ("narratives: a text\n", 1, "'narratives' must be a list (lines starting with '- ')"),
    ("narratives: [{name: N}]\nroles:\n- name: R\n  fine_roles:\n  - definition: d\n", 5,
     "role 'R', fine role #1: missing or empty 'name'"),
    ("narratives: [{name: N}]\nroles:\n- name: R\n  colour: red\n", 4,
     "role #1: unknown key 'colour'; allowed: definition, fine_roles, name"),
    ("narratives: [{name: N, subnarratives: [{name: S, scored: 1}]}]\n", 1,
     "narrative #1 ('N'), subnarrative #1: 'scored' must be true or false"),
])
def test_each_malformed_file_is_refused_with_its_message_and_line(tmp_path: Path, body: str, line: int,
                                                                  message: str) -> None:
    path = _write(tmp_path, body)
    with pytest.raises(ConfigError) as info:
        read_taxonomy_file(path)
    assert str(info.value) == f"{path}:{line}: {message}"


def test_unreadable_empty_and_non_utf8_files(tmp_path: Path) -> None:
    empty = _write(tmp_path, "", "empty.yaml")
    with pytest.raises(ConfigError) as info:
        read_taxonomy_file(empty)
    assert str(info.value) == f"{empty}: empty taxonomy file; it needs at least 'narratives'"
    latin = tmp_path / "latin.yaml"
    latin.write_bytes(b"narratives:\n- name: Caf\xe9\n")
    with pytest.raises(ConfigError) as info:
        read_taxonomy_file(latin)
    assert str(info.value) == f"{latin}: not UTF-8 at byte 23; save the file as UTF-8"  # 12 + len("- name: Caf")
    missing = tmp_path / "missing.yaml"
    with pytest.raises(ConfigError) as info:
        read_taxonomy_file(missing)
    assert str(info.value) == f"{missing}: cannot read taxonomy file (No such file or directory)"
    unclosed = _write(tmp_path, "narratives: [unclosed\n", "bad.yaml")
    with pytest.raises(ConfigError, match=r"bad\.yaml:2: not valid YAML \("):
        read_taxonomy_file(unclosed)


def test_null_and_numeric_texts(tmp_path: Path) -> None:
    tax = read_taxonomy_file(_write(tmp_path, "narratives:\n- name: '2024'\n  definition:\n  examples: [1, 2.50]\n"))
    assert tax.narratives == [Narrative(domain="", name="2024", label="2024", definition="", example="1 2.50")]
    with pytest.raises(ConfigError, match=r"t\.yaml:2: narrative #1: name '2024' is read as a YAML int, not text"):
        read_taxonomy_file(_write(tmp_path, "narratives:\n- name: 2024\n"))  # names must be text (issue 27, item 9)


def test_taxonomy_from_file_is_the_file_reader(tmp_path: Path) -> None:
    path = _write(tmp_path, FULL)
    assert Taxonomy.from_file(path) == read_taxonomy_file(path)


def test_several_files_merge_in_order_with_roles_from_the_last_file_that_has_them(tmp_path: Path) -> None:
    a = _write(tmp_path, "name: a\ndomain: A\ntitle: Alpha\nnarratives: [{name: N1}]\n"
                         "roles: [{name: Protagonist, fine_roles: [{name: Guardian}]}]\n", "a.yaml")
    b = _write(tmp_path, "name: b\ndomain: B\nnarratives: [{name: N2}]\n"
                         "roles: [{name: Antagonist, definition: bad, fine_roles: [{name: Spy}]}]\n", "b.yaml")
    c = _write(tmp_path, "name: c\ndomain: C\nnarratives: [{name: N3}]\n", "c.yaml")
    merged = Taxonomy.from_files([a, b, c])
    assert [n.label for n in merged.narratives] == ["A: N1", "B: N2", "C: N3"]
    assert (merged.main_roles, merged.roles) == ({"Antagonist": "bad"}, [Role("Spy", "Antagonist")])
    assert (merged.name, merged.domain_titles) == ("a+b+c", {"A": "Alpha", "B": "", "C": ""})
    with_roles = Taxonomy.from_files([c], roles_file=a)
    assert [n.label for n in with_roles.narratives] == ["C: N3", "A: N1"]
    assert (with_roles.main_roles, with_roles.roles) == ({"Protagonist": ""}, [Role("Guardian", "Protagonist")])
    single = Taxonomy.from_files([c])
    assert (single.name, single.main_roles, single.roles) == ("c", {}, [])
    assert single.is_known("C: N3") and single.is_known("C: N3: Other") and single.is_known("Other")
    assert not single.is_known("N3") and not single.is_known("C: N4")
    with pytest.raises(KeyError, match="Guardian"):
        single.role_main("Guardian")
    assert with_roles.role_main("Guardian") == "Protagonist"


def test_instructions_and_example_are_read_for_instruction_and_examples(tmp_path: Path) -> None:
    path = tmp_path / "t.yaml"
    path.write_text("narratives:\n- name: Power\n  definition: d\n  example: the lights\n  instructions: look\n"
                    "  subnarratives:\n  - name: Blackouts\n    instructions: [count, them]\n    example: dark\n",
                    encoding="utf-8")
    taxonomy = Taxonomy.from_file(path)
    (narrative,) = taxonomy.narratives
    assert (narrative.example, narrative.instruction) == ("the lights", "look")
    assert [(s.instruction, s.examples) for s in narrative.subnarratives] == [("count them", "dark")]
    assert taxonomy.describe("Other") == "No narrative of the taxonomy applies."
    assert taxonomy.describe("Power") == "Power. d the lights"


@pytest.mark.parametrize(("body", "message"), [
    ("narratives:\n- name: Power\n  examples: {a: b}\n", "narrative #1 ('Power'): 'examples' must be text"),
    ("narratives:\n- name: {a: b}\n", "narrative #1: 'name' must be text, not a YAML map"),
    ("narratives:\n- name: [a, b]\n", "narrative #1: 'name' must be text, not a YAML seq"),
    ("domain: URW\ntitle: {a: b}\nnarratives:\n- name: Power\n", "the top level: 'title' must be text"),
    ("narratives:\n- name: P\n  subnarratives:\n  - name: S\n    definition: [x, {a: b}]\n",
     "narrative #1 ('P'), subnarrative #1: definition: 'item' must be text"),
])
def test_a_value_of_the_wrong_shape_is_named_with_where_it_is(tmp_path: Path, body: str, message: str) -> None:
    path = tmp_path / "t.yaml"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(ConfigError) as error:
        Taxonomy.from_file(path)
    assert message in str(error.value) and str(error.value).startswith(f"{path}:")
