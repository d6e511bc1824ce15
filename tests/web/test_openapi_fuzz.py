"""schemathesis against the OpenAPI spec: generated requests (valid and invalid) never get a 5xx.

Bounded: 10 examples per operation; the pipeline is a keyword step (the fuzzing is about the HTTP layer).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from narrascope.pipeline import Pipeline
from narrascope.store import open_store
from narrascope.web import create_app

from .corpus import TOKEN, KeywordStep, build_corpus

if os.environ.get("CI") == "true":  # part of the dev extra that CI installs: missing, it must fail the run
    import schemathesis
else:
    schemathesis = pytest.importorskip("schemathesis", reason="schemathesis is not installed (pip install -e '.[dev]')")
from schemathesis.checks import not_a_server_error  # noqa: E402

pytestmark = pytest.mark.slow


_DIR = Path(tempfile.mkdtemp(prefix="narrascope-fuzz-"))
_STORE = open_store(build_corpus(_DIR / "corpus.db"))
schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(_STORE, pipeline=Pipeline([KeywordStep()]), token=TOKEN))


@pytest.fixture(scope="module", autouse=True)
def _cleanup():  # type: ignore[no-untyped-def]
    """Close and delete the fuzzed corpus after the module."""
    yield
    _STORE.close()
    shutil.rmtree(_DIR, ignore_errors=True)


@schema.parametrize()
@settings(max_examples=10, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_server_errors(case) -> None:  # type: ignore[no-untyped-def]
    response = case.call(headers={"Authorization": f"Bearer {TOKEN}"}, timeout=120)  # storing loads the embedder once
    case.validate_response(response, checks=[not_a_server_error])
    assert response.status_code < 500
    if response.status_code >= 400:
        assert response.json()["error"]  # every error is the documented JSON shape
