"""Shared pytest fixtures: paths to the hand-made test data and to the (optional) SemEval training release.

Keep this file to fixtures used by more than one test module; add new ones with a one-line docstring.
"""

from __future__ import annotations

from pathlib import Path

import pytest

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


@pytest.fixture(scope="session")
def semeval_data() -> Path:
    """The SemEval-2025 Task 10 training release in ``../shared``; skips the test when it is absent."""
    if not (SEMEVAL_DATA / "EN" / "raw-documents").is_dir():
        pytest.skip(f"SemEval training data not found at {SEMEVAL_DATA}")
    return SEMEVAL_DATA
