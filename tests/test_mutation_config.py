"""The mutation-testing set-up stays consistent: scripts/mutation.py's groups are exactly [tool.mutmut]'s modules,
their tests exist and are in mutmut's test selection, and a group's generated configuration is valid and narrowed."""

from __future__ import annotations

import importlib.util
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _script():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("mutation_script", ROOT / "scripts" / "mutation.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_groups_cover_exactly_the_configured_modules_and_their_tests_are_selected() -> None:
    script = _script()
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["mutmut"]
    grouped = [f for group in script.GROUPS.values() for f in group.files]
    assert sorted(grouped) == sorted(config["only_mutate"]) and len(set(grouped)) == len(grouped)
    selected = config["pytest_add_cli_args_test_selection"]
    for group in script.GROUPS.values():
        for path in group.files + group.tests:
            assert (ROOT / path).exists(), path
        for test in group.tests:
            assert any(test == s or test.startswith(s.rstrip("/") + "/") for s in selected), test


def test_a_groups_configuration_is_valid_toml_narrowed_to_the_group() -> None:
    script = _script()
    text = script.group_pyproject(script.GROUPS["taxonomy"])
    data = tomllib.loads(text)
    whole = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    mutmut = data["tool"]["mutmut"]
    assert mutmut["only_mutate"] == list(script.GROUPS["taxonomy"].files)
    assert mutmut["pytest_add_cli_args_test_selection"] == list(script.GROUPS["taxonomy"].tests)
    for key in ("do_not_mutate_patterns", "timeout_multiplier", "source_paths", "pytest_add_cli_args"):
        assert mutmut[key] == whole["tool"]["mutmut"][key]
    assert data["project"] == whole["project"] and data["tool"]["pytest"] == whole["tool"]["pytest"]


def test_score_counts_timeouts_as_killed_and_leaves_out_mutants_without_tests() -> None:
    script = _script()
    counts = script.tally({"a": 1, "b": 3, "c": 0, "d": 33, "e": -24, "f": 5, "g": 36, "h": 37})
    assert counts == {"killed": 2, "survived": 1, "timeout": 2, "no tests": 2, "other": 1}


def test_every_hand_written_mutant_still_applies_to_the_source() -> None:
    """scripts/mutants.py's multi-line mutants name code by its text: a change to that code must update them."""
    import json

    mutants = json.loads((ROOT / "scripts" / "mutants.json").read_text(encoding="utf-8"))
    assert mutants
    for mutant in mutants:
        source = (ROOT / "src" / "narrascope" / mutant["file"]).read_text(encoding="utf-8")
        assert source.count(mutant["old"]) == 1 and mutant["old"] != mutant["new"], mutant["id"]
        assert all((ROOT / test.split("::")[0]).exists() for test in mutant["tests"]), mutant["id"]
