"""CI runs what the README promises: its test command, with the extra that installs every test's dependencies."""

from __future__ import annotations

import importlib.util
import re
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _readme_test_command() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"Run the whole test suite.*?```bash\n(.*?)\n```", readme, re.S)
    assert block, "the README lost its test command"
    return block.group(1).strip()


def test_ci_runs_exactly_the_readme_test_command_under_ci_true() -> None:
    command = _readme_test_command()
    script = [line.strip() for line in (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()]
    commands = [line for line in script if line and not line.startswith("#")]
    assert commands[-1] == command
    assert "export CI=true" in commands  # missing services fail the run instead of skipping
    update = commands.index(next(c for c in commands if "apt-get update" in c))
    install = commands.index(next(c for c in commands if "apt-get install" in c))
    assert update < install and all(p in commands[install].split() for p in ("postgresql", "chromium"))


def test_the_readme_installs_the_dev_extra_which_holds_the_test_tools_ray_torch_and_the_type_checker() -> None:
    assert "pip install -q -e '.[dev]'" in _readme_test_command()
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["optional-dependencies"]
    assert extras["dev"][0] == "narrascope[test,ray,train]"  # train: torch, for the encoder fine-tuning tests
    assert extras["train"] == ["torch==2.13.0"]  # pinned: an unpinned torch may pull a multi-GB CUDA build
    assert any(r.startswith("mypy") for r in extras["dev"]) and any(r.startswith("types-PyYAML") for r in extras["dev"])
    assert any(r.startswith("pytest") for r in extras["test"]) and any(r.startswith("ray[data]") for r in extras["ray"])


def _require_shared_data():  # the one helper that every test needing ../shared goes through (tests/conftest.py)
    spec = importlib.util.spec_from_file_location("narrascope_tests_conftest", ROOT / "tests" / "conftest.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.require_shared_data


@pytest.mark.parametrize("ci", [None, "false", "1", "TRUE"])
def test_missing_shared_data_skips_the_test_outside_ci(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                                       ci: str | None) -> None:
    if ci is None:
        monkeypatch.delenv("CI", raising=False)
    else:
        monkeypatch.setenv("CI", ci)
    with pytest.raises(pytest.skip.Exception, match="missing-release"):
        _require_shared_data()(tmp_path / "missing-release")


def test_missing_shared_data_fails_the_test_under_ci_true(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI=true and .*missing-release not found"):
        _require_shared_data()(tmp_path / "missing-release")


def test_present_shared_data_is_returned_under_ci_true(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("CI", "true")
    (tmp_path / "scorer.py").write_text("", encoding="utf-8")
    assert _require_shared_data()(tmp_path / "scorer.py") == tmp_path / "scorer.py"


def test_no_test_looks_for_shared_data_on_its_own() -> None:
    """Only tests/conftest.py names ../shared, so every test needing the data skips or fails by the same rule."""
    offenders = [str(p.relative_to(ROOT)) for p in (ROOT / "tests").rglob("*.py")
                 if p.name != "conftest.py" and re.search(r"""["']shared["']\s*/|\.\./shared/data""", p.read_text(encoding="utf-8"))]
    assert offenders == []
