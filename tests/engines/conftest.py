"""Fixtures for the engine tests: small document streams and a spec using the test-only steps."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from narrascope.documents import Analysis, Document, FailedInput

from . import engine_steps


def make_items(n: int = 40) -> list[Document | FailedInput]:
    """``n`` invented documents with two failed inputs and one document the test step rejects."""
    items: list[Document | FailedInput] = [
        Document(id=f"d{i:03d}", text=" ".join(["word"] * (i % 11 + 1)) + f" number {i}", language="en") for i in range(n)
    ]
    items.insert(5, FailedInput(source="in.jsonl", reason="line 6: invalid JSON", line=6))
    items.insert(17, FailedInput(source="in.jsonl", reason="line 18: no text", line=18, id="x18"))
    items.insert(23, Document(id="boom", text="this BOOM document breaks the step", language="en"))
    return items


def dumps(analyses: list[Analysis]) -> list[str]:
    """The byte-level form the engines must agree on."""
    return [json.dumps(a.to_dict(), sort_keys=True) for a in analyses]


@pytest.fixture()
def fresh_items() -> Callable[[], list[Document | FailedInput]]:
    """Makes a fresh stream of invented documents (the pipeline mutates documents, so never share one)."""
    return make_items


@pytest.fixture(scope="session")
def steps_module() -> str:
    """The importable name of the test-only steps module, for ``PipelineSpec.imports``."""
    return engine_steps.__name__
