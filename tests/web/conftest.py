"""Web fixtures: the invented corpus (``corpus.py``) in SQLite, the app over it, and a live server."""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from narrascope.store import open_store

from .corpus import TOKEN, build_corpus, make_pipeline


@pytest.fixture(scope="session")
def corpus_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite corpus built once per session (tests must not write to it: copy it first)."""
    return build_corpus(tmp_path_factory.mktemp("web") / "corpus.db")


@pytest.fixture
def web_db(corpus_db: Path, tmp_path: Path) -> Path:
    """A private copy of the corpus that a test may write to."""
    target = tmp_path / "corpus.db"
    target.write_bytes(corpus_db.read_bytes())
    return target


@pytest.fixture
def client(web_db: Path):  # type: ignore[no-untyped-def]
    """A TestClient over the app with a token configured and the test pipeline."""
    from fastapi.testclient import TestClient

    from narrascope.web import create_app

    store = open_store(web_db)
    with TestClient(create_app(store, pipeline=make_pipeline(), token=TOKEN)) as c:
        yield c
    store.close()


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@contextmanager
def serving(app: Any, warm_up: str | None = "/") -> Iterator[str]:
    """Base URL of a real uvicorn server running ``app`` in a thread (stopped on exit); ``warm_up`` is requested
    once first (imports, template compilation) so that a browser does not wait on it."""
    import uvicorn

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    base = f"http://127.0.0.1:{port}"
    if warm_up is not None:
        httpx.get(base + warm_up, timeout=120)
    try:
        yield base
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def browser_unavailable(reason: str) -> None:
    """Skip with ``reason``; under ``CI=true`` fail instead: CI installs Chromium and must run the browser tests."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI=true and the browser tests cannot run: {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """A headless Chromium; skips when Playwright or the Debian chromium package is missing (fails under CI=true)."""
    if not CHROMIUM.exists():
        browser_unavailable("no /usr/bin/chromium (apt-get install -y chromium)")
    try:
        from playwright import sync_api
    except ImportError:
        browser_unavailable("playwright is not installed (pip install -e '.[dev]')")
    with sync_api.sync_playwright() as p:
        launched = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Base URL of a uvicorn server (in a thread) over a private corpus copy, with the token configured."""
    from narrascope.web import create_app

    db = build_corpus(tmp_path_factory.mktemp("live") / "corpus.db")
    store = open_store(db)
    with serving(create_app(store, pipeline=make_pipeline(), token=TOKEN)) as base:
        yield base
    store.close()
