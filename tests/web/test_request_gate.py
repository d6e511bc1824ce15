"""What the server decides before it reads a request body (token, size), what it trusts as the client's address,
and which answers must never be cached.

The audit sent 20 parallel 16 MB POSTs to /api/analyze without a token: they got 422 (the body was read and parsed
first) and the server's memory grew by 1 GB. ``benchmarks/oversized_bodies.py`` measures the server's memory under
that attack; these tests check the behaviour on a real server socket.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from narrascope.store import open_store
from narrascope.web import create_app

from .conftest import free_port, serving
from .corpus import TOKEN, make_pipeline

SIXTEEN_MB = 16 * 1024 * 1024


def _content_length(data: bytes) -> int:
    """The ``content-length`` of a response head received so far (0 until it is known)."""
    for line in data.partition(b"\r\n\r\n")[0].split(b"\r\n"):
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length" and value.strip().isdigit():
            return int(value)
    return 0


def _answer_before_body(base: str, path: str, headers: dict[str, str], timeout: float = 10.0) -> tuple[int, bytes]:
    """Send only the request head of a POST that declares ``Content-Length`` (or chunks) and read the answer: a
    server that waits for the body before deciding never answers (``socket.timeout``)."""
    host, port = base.removeprefix("http://").split(":")
    head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    with socket.create_connection((host, int(port)), timeout=timeout) as sock:
        sock.sendall(f"POST {path} HTTP/1.1\r\nHost: {host}\r\n{head}\r\n".encode("latin-1"))
        data = b""
        while b"\r\n\r\n" not in data or len(data.partition(b"\r\n\r\n")[2]) < _content_length(data):
            chunk = sock.recv(65536)  # the head, then the whole body it announces (they may come apart)
            if not chunk:
                break
            data += chunk
    status = int(data.split(b" ", 2)[1]) if data.startswith(b"HTTP/1.1 ") else 0
    return status, data


@pytest.fixture
def gated(web_db: Path):  # type: ignore[no-untyped-def]
    store = open_store(web_db)
    with serving(create_app(store, pipeline=make_pipeline(), token=TOKEN), warm_up="/api/health") as base:
        yield base
    store.close()


@pytest.mark.parametrize("path", ["/api/analyze", "/api/analyze/batch", "/api/review/articles", "/api/review/documents/a1"])
def test_api_writes_without_the_token_are_refused_before_the_body_is_read(gated: str, path: str) -> None:
    declared = {"Content-Type": "application/json", "Content-Length": str(SIXTEEN_MB)}
    status, answer = _answer_before_body(gated, path, declared)
    assert status == 401 and b"missing or wrong API token" in answer
    status, _ = _answer_before_body(gated, path, {**declared, "Authorization": "Bearer wrong"})
    assert status == 401
    status, _ = _answer_before_body(gated, path, {"Content-Type": "application/json", "Transfer-Encoding": "chunked"})
    assert status == 401


def test_api_writes_are_403_before_the_body_when_writes_are_disabled(web_db: Path) -> None:
    store = open_store(web_db)
    with serving(create_app(store, pipeline=make_pipeline()), warm_up="/api/health") as base:
        status, answer = _answer_before_body(base, "/api/analyze", {"Content-Length": str(SIXTEEN_MB)})
    store.close()
    assert status == 403 and b"write endpoints are disabled" in answer


def test_oversized_bodies_are_refused_on_their_declared_length(gated: str) -> None:
    status, answer = _answer_before_body(gated, "/analyze", {"Content-Type": "application/x-www-form-urlencoded",
                                                             "Content-Length": str(SIXTEEN_MB)})
    assert status == 413 and b"without the API token" in answer  # a form post without the token: 4 MB at most
    status, _ = _answer_before_body(gated, "/api/analyze", {"Authorization": f"Bearer {TOKEN}",
                                                            "Content-Length": str(SIXTEEN_MB + 1)})
    assert status == 413


def test_a_streamed_form_body_is_cut_off_at_the_anonymous_limit(client: TestClient) -> None:
    def chunks():  # type: ignore[no-untyped-def]
        yield b"text="
        for _ in range(5):
            yield b"x" * 1024 * 1024

    refused = client.post("/analyze", content=chunks(), headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert refused.status_code == 413
    ok = client.post("/api/analyze", json={"text": "NATO is at war."}, headers={"Authorization": f"Bearer {TOKEN}"})
    assert ok.status_code == 200  # the token's requests still get through the gate


def test_answers_that_echo_the_token_are_never_cached(client: TestClient) -> None:
    """The review page shows the token again in its form: it must not be stored by a cache or the browser."""
    review = client.post("/review/articles/a1", data={"token": TOKEN, "user": "ann"})
    assert review.headers["cache-control"] == "no-store"
    assert client.get("/review").headers["cache-control"] == "no-store"
    assert client.post("/analyze", data={"text": "NATO is at war.", "token": TOKEN}).headers["cache-control"] == "no-store"
    assert "cache-control" not in client.get("/api/documents").headers  # the corpus pages stay cacheable


PASTE = "Experts said NATO is at war. Then it rained."


def _serve(web_db: Path, *extra: str) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "narrascope.cli", "serve", "--db", str(web_db), "--port", str(port),
                             "--no-preload", *extra], env={**os.environ, "NARRASCOPE_API_TOKEN": TOKEN},
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 300
    while True:
        try:
            httpx.get(base + "/api/health", timeout=5)
            return proc, base
        except httpx.HTTPError:
            assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else "server exited"
            assert time.monotonic() < deadline, "server did not start in 300 s"
            time.sleep(0.2)


def _paste_at_once(base: str, n: int) -> list[int]:
    """Status codes of ``n`` anonymous pastes sent at the same time, each claiming another X-Forwarded-For address
    (at once: the allowance refills while analyses run one after another)."""
    from concurrent.futures import ThreadPoolExecutor

    def paste(i: int) -> int:
        return httpx.post(base + "/analyze", data={"text": PASTE}, headers={"X-Forwarded-For": f"198.51.100.{i}"},
                          timeout=120).status_code

    with ThreadPoolExecutor(n) as pool:
        return sorted(pool.map(paste, range(n)))


@pytest.mark.slow
def test_a_spoofed_forwarded_for_gets_no_fresh_paste_allowance(web_db: Path) -> None:
    """The paste limit is per client address; X-Forwarded-For from a client (even on loopback) is not trusted unless
    `serve --forwarded-allow-ips` names the proxy."""
    proc, base = _serve(web_db)
    try:
        codes = _paste_at_once(base, 6)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    assert codes == [200] * 5 + [429]  # a burst of 5, then refused whatever address the header claims
    proc, base = _serve(web_db, "--forwarded-allow-ips", "127.0.0.1")
    try:
        codes = _paste_at_once(base, 6)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    assert codes == [200] * 6  # behind a trusted proxy, each forwarded address has its own allowance


@pytest.mark.slow
def test_twenty_oversized_unauthenticated_posts_leave_the_server_memory_as_it_was() -> None:
    """The audit's attack (20 parallel 16 MB POSTs to /api/analyze, no token) against `narrascope serve`: every one
    is answered 401 and the server's resident memory stays within 100 MB of its start (it grew by 1 GB)."""
    import json

    script = Path(__file__).resolve().parents[2] / "benchmarks" / "oversized_bodies.py"
    result = subprocess.run([sys.executable, str(script), "--no-preload"], capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    assert figures["answers"] == {"401": 20}
    assert figures["peak_growth_mb"] < 100, figures
