"""docs/custom-narratives.md says what the product does: every `$ narrascope ...` command in its console blocks runs
on the files it names (shipped in docs/examples/ or tests/data/), and prints what the page shows ("..." stands for
text left out). Two commands show an error on a file of the reader's own (``ILLUSTRATIVE``): only their file is
made up here, from the page's own description of it."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from typer.testing import CliRunner

from narrascope.cli import app

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "custom-narratives.md"
ILLUSTRATIVE = {  # a file of the reader's own, shown failing: its content as the page describes it
    "typo.yaml": "name: x\nnarratives:\n  - name: A\n    definiton: typo\n",
    "labels.csv": "id,text,labels\nr1,Postal ballots arrived late.,Election is rigged\nr2,Another,Election was rigged\n",
}


def _commands() -> list[tuple[list[str], str]]:
    """``(argv, expected output)`` of every ``$ narrascope`` line in the page's console blocks, in order."""
    found = []
    for block in re.findall(r"```console\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S):
        for chunk in re.split(r"^\$ ", block, flags=re.M)[1:]:
            command, _, output = chunk.partition("\n")
            argv = shlex.split(command)
            assert argv[0] == "narrascope", command
            found.append((argv[1:], output))
    return found


def _matches(expected: str, actual: str) -> bool:
    words = lambda text: " ".join(text.split())  # noqa: E731 - stderr lines are wrapped on a terminal
    pattern = ".*?".join(re.escape(part) for part in words(expected).split("..."))
    return re.search(pattern, words(actual)) is not None


def test_every_command_of_the_page_runs_and_prints_what_it_shows(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    for name in ("docs", "tests"):
        (tmp_path / name).symlink_to(ROOT / name)
    for name, content in ILLUSTRATIVE.items():
        (tmp_path / name).write_text(content, encoding="utf-8")
    (tmp_path / "election.yaml").symlink_to(ROOT / "docs" / "examples" / "election" / "election.yaml")
    commands = _commands()
    assert len(commands) >= 6
    runner = CliRunner()
    for argv, expected in commands:
        for arg in argv:
            if arg.endswith((".jsonl", ".yaml", ".csv")) and not arg.startswith("-"):
                assert Path(arg).exists(), f"docs/custom-narratives.md names {arg}, which does not exist"
        result = runner.invoke(app, argv)
        assert result.exit_code in (0, 2), (argv, result.output)
        assert _matches(expected, result.output), f"$ narrascope {' '.join(argv)}\nexpected:\n{expected}\ngot:\n{result.output}"
