"""``narrascope serve``: starts the app over a store, reads the token from NARRASCOPE_API_TOKEN."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from .conftest import free_port
from .corpus import BLAME, TOKEN

pytestmark = pytest.mark.slow


def test_serve_answers_and_protects_writes(web_db: Path) -> None:
    port = free_port()
    env = {**os.environ, "NARRASCOPE_API_TOKEN": TOKEN}
    proc = subprocess.Popen([sys.executable, "-m", "narrascope.cli", "serve", "--db", str(web_db), "--port", str(port)],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 300  # the models load before the server listens
        while True:
            try:
                health = httpx.get(base + "/api/health", timeout=5)
                break
            except httpx.HTTPError:
                assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else "server exited"
                assert time.monotonic() < deadline, "server did not start in 300 s"
                time.sleep(0.2)
        assert health.json() == {"status": "ok", "documents": 87, "writes_enabled": True}
        assert httpx.get(base + "/api/documents", params={"narrative": BLAME, "limit": 1}).json()["total"] > 0
        assert httpx.post(base + "/api/analyze", json={"text": "x"}, timeout=60).status_code == 401
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_serve_rejects_a_bad_port() -> None:
    result = subprocess.run([sys.executable, "-m", "narrascope.cli", "serve", "--port", "0"], capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 2 and "port" in result.stderr.lower()


def test_warm_up_analyses_one_document_before_serving() -> None:
    from narrascope.web.app import warm_up

    seen: list[list] = []

    class Recorder:
        def analyze_batch(self, documents: list) -> list:
            seen.append(list(documents))
            return []

    warm_up(Recorder())
    assert len(seen) == 1 and len(seen[0]) == 1 and "NATO" in seen[0][0].text
    warm_up(None)  # no pipeline: only the taxonomy is loaded
