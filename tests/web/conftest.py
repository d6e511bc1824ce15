"""Web fixtures: the invented corpus (``corpus.py``) in SQLite, the app over it, and a live server."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

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


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Base URL of a uvicorn server (in a thread) over a private corpus copy, with the token configured."""
    import uvicorn

    from narrascope.web import create_app

    db = build_corpus(tmp_path_factory.mktemp("live") / "corpus.db")
    store = open_store(db)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(store, pipeline=make_pipeline(), token=TOKEN),
                                           host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    base = f"http://127.0.0.1:{port}"
    httpx.get(base + "/", timeout=120)  # warm up (imports, template compilation) before a browser waits on it
    yield base
    server.should_exit = True
    thread.join(timeout=10)
    store.close()
