"""The type checker passes: mypy on ``src/narrascope`` with pyproject's ``[tool.mypy]`` finds no errors.

CI installs mypy (the ``dev`` extra), so there a missing mypy fails the test instead of skipping it.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_mypy_finds_no_errors_in_the_package(monkeypatch: pytest.MonkeyPatch) -> None:
    try:
        from mypy import api
    except ImportError:
        reason = "mypy is not installed (pip install -e '.[dev]')"
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true and the type check cannot run: {reason}", pytrace=False)
        pytest.skip(reason)
    monkeypatch.chdir(ROOT)  # [tool.mypy]'s files are relative to the repository root
    stdout, stderr, status = api.run(["--config-file", "pyproject.toml", "--no-error-summary"])
    errors = [line for line in stdout.splitlines() if ": error:" in line]
    assert status == 0 and not errors, f"mypy found {len(errors)} error(s):\n{stdout}{stderr}"
