"""Shared pytest fixtures: paths to the hand-made test data and to the (optional) SemEval training release.

Keep this file to fixtures used by more than one test module; add new ones with a one-line docstring.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import Phase, settings

if "MUTANT_UNDER_TEST" in os.environ:  # under mutmut (scripts/mutation.py): a failing example needs no shrinking
    settings.register_profile("mutation", phases=[Phase.explicit, Phase.reuse, Phase.generate], database=None,
                              deadline=None)
    settings.load_profile("mutation")

REPO_ROOT = Path(__file__).resolve().parents[1]
TEST_DATA = REPO_ROOT / "tests" / "data"
SEMEVAL_DATA = REPO_ROOT.parent / "shared" / "data" / "semeval2025-task10"


@pytest.fixture(scope="session")
def test_data() -> Path:
    """``tests/data``: tiny hand-made fixtures."""
    return TEST_DATA


@pytest.fixture(scope="session")
def semeval_tiny() -> Path:
    """A hand-made release in the official SemEval layout (EN and PT, invented articles, one with CRLF)."""
    return TEST_DATA / "semeval_tiny"


def require_shared_data(path: Path) -> Path:
    """``path`` (a file or folder of ``../shared/data``) when it exists; else the test skips, or fails under ``CI=true``:
    CI provides the data, and a run that skipped these tests would prove less than it claims. Every test that needs
    ``../shared`` goes through here (the fixtures below)."""
    if not path.exists():
        reason = f"{path} not found (the SemEval-2025 Task 10 training release belongs in ../shared/data)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true and {reason}", pytrace=False)
        pytest.skip(reason)
    return path


@pytest.fixture(scope="session")
def semeval_data() -> Path:
    """The SemEval-2025 Task 10 training release in ``../shared`` (skips when absent; fails under ``CI=true``)."""
    require_shared_data(SEMEVAL_DATA / "EN" / "raw-documents")
    return SEMEVAL_DATA


@pytest.fixture(scope="session")
def subtask1_scorer() -> Path:
    """The organisers' subtask-1 scorer shipped with the release (skips when absent; fails under ``CI=true``)."""
    return require_shared_data(SEMEVAL_DATA / "scorers" / "subtask1_scorer.py")
