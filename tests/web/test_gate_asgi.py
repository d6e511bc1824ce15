"""``RequestGate`` driven directly as ASGI (no server): which requests reach the app, with which body, and what the
others are answered, for every kind of wrong credential and every way of sending too many bytes."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from narrascope.web.app import FORM_MAX_BYTES, MAX_BODY_BYTES, SECURITY_HEADERS, RequestGate, _bearer_ok
from narrascope.web.state import WebState

TOKEN = "s3cret-Token_42"
LIMIT, FORM_LIMIT = 100, 40
DISABLED = ("write endpoints are disabled: start the server with --token or set NARRASCOPE_API_TOKEN to enable "
            "them")
UNAUTHORISED = "missing or wrong API token: send 'Authorization: Bearer <token>'"


def run(coroutine: Coroutine[Any, Any, None]) -> None:
    """``asyncio.run`` in a thread of its own: the browser tests' Playwright keeps an event loop running in the main
    thread for the rest of the session, where ``asyncio.run`` refuses to start."""
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, coroutine).result()


def call(method: str, path: str, chunks: list[bytes] | None = None, headers: dict[bytes, bytes] | None = None,
         token: str | None = TOKEN, scope_type: str = "http", disconnect: bool = False) -> dict[str, Any]:
    """Send one request through a gate (limit 100 bytes, forms 40) in front of an app that records what it read."""
    chunks = [b""] if chunks is None else chunks
    reached: dict[str, Any] = {"app": False, "body": None, "reads": 0}

    async def app(scope: Any, receive: Any, send: Any) -> None:
        reached["app"] = True
        if scope["type"] == "http":
            message = await receive()
            reached["body"] = message.get("body")

    queue = [{"type": "http.request", "body": c, "more_body": n < len(chunks) - 1} for n, c in enumerate(chunks)]
    if disconnect:
        queue = queue[:1] + [{"type": "http.disconnect"}]
        queue[0]["more_body"] = True

    async def receive() -> dict[str, Any]:
        reached["reads"] += 1
        return queue.pop(0)

    sent: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {"type": scope_type, "method": method, "path": path, "headers": list((headers or {}).items()),
             "app": SimpleNamespace(state=SimpleNamespace(web=WebState(store=None, token=token)))}  # type: ignore[arg-type]
    run(RequestGate(app, limit=LIMIT, form_limit=FORM_LIMIT)(scope, receive, send))
    start = next((m for m in sent if m["type"] == "http.response.start"), None)
    if start:
        reached["status"] = start["status"]
        reached["headers"] = {k.decode(): v.decode() for k, v in start["headers"]}
        reached["json"] = json.loads(b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body"))
    return reached


def bearer(token: str = TOKEN) -> dict[bytes, bytes]:
    return {b"authorization": f"Bearer {token}".encode()}


def test_the_defaults_are_16_mb_with_the_token_and_4_mb_for_forms() -> None:
    assert (MAX_BODY_BYTES, FORM_MAX_BYTES) == (16 * 1024 * 1024, 4 * 1024 * 1024)
    gate = RequestGate(None)  # type: ignore[arg-type]
    assert (gate.limit, gate.form_limit) == (MAX_BODY_BYTES, FORM_MAX_BYTES)


@pytest.mark.parametrize("method", ["GET", "HEAD", "OPTIONS"])
def test_reads_pass_untouched_whatever_their_size_and_credentials(method: str) -> None:
    reached = call(method, "/api/documents", [b"x" * 500], token=None)
    assert reached["app"] and reached["reads"] == 1 and reached["body"] == b"x" * 500 and "status" not in reached


def test_other_connections_pass_untouched() -> None:
    for kind in ("websocket", "lifespan"):
        assert call("POST", "/api/analyze", token=None, scope_type=kind)["app"]


WRONG = [
    {}, {b"authorization": b""}, {b"authorization": b"Bearer"}, {b"authorization": b"Bearer "},
    {b"authorization": TOKEN.encode()}, {b"authorization": f"Basic {TOKEN}".encode()},
    {b"authorization": f"Token {TOKEN}".encode()}, {b"authorization": f"Bearer{TOKEN}".encode()},
    {b"authorization": f"Bearer {TOKEN.upper()}".encode()}, {b"authorization": f"Bearer {TOKEN[:-1]}".encode()},
    {b"authorization": f"Bearer {TOKEN}x".encode()}, {b"authorization": f"Bearer x{TOKEN}".encode()},
    {b"authorization": f"Bearer {TOKEN} {TOKEN}".encode()}, {b"x-api-token": TOKEN.encode()},
]


@pytest.mark.parametrize("headers", WRONG)
@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_api_writes_without_the_right_bearer_token_are_401_before_the_body_is_read(
        headers: dict[bytes, bytes], method: str) -> None:
    reached = call(method, "/api/analyze", [b'{"text": "x"}'], headers)
    assert not reached["app"] and reached["reads"] == 0
    assert reached["status"] == 401 and reached["json"] == {"error": UNAUTHORISED, "status": 401, "details": []}
    assert reached["headers"]["www-authenticate"] == "Bearer" and reached["headers"]["connection"] == "close"
    for name, value in SECURITY_HEADERS.items():
        assert reached["headers"][name] == value


@pytest.mark.parametrize("token", [None, ""])
@pytest.mark.parametrize("headers", [{}, bearer(), bearer(""), bearer("None")])
def test_api_writes_are_403_when_no_token_is_configured(token: str | None, headers: dict[bytes, bytes]) -> None:
    reached = call("POST", "/api/analyze/batch", [b"{}"], headers, token=token)
    assert not reached["app"] and reached["reads"] == 0
    assert reached["status"] == 403 and reached["json"] == {"error": DISABLED, "status": 403, "details": []}
    assert "www-authenticate" not in reached["headers"]


@pytest.mark.parametrize("header", [f"Bearer {TOKEN}", f"bearer {TOKEN}", f"BEARER {TOKEN}", f"Bearer  {TOKEN} ",
                                    f"Bearer {TOKEN}\t"])
def test_the_right_token_passes_with_its_body(header: str) -> None:
    reached = call("POST", "/api/analyze", [b'{"text":', b' "x"}'], {b"authorization": header.encode()})
    assert reached["app"] and reached["body"] == b'{"text": "x"}' and "status" not in reached


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=60))
def test_only_a_bearer_header_with_the_exact_token_is_authorised(header: bytes) -> None:
    state = WebState(store=None, token=TOKEN)  # type: ignore[arg-type]
    scheme, _, credentials = header.decode("latin-1").partition(" ")
    expected = scheme.lower() == "bearer" and credentials.strip() == TOKEN
    assert _bearer_ok(state, header) is expected
    assert _bearer_ok(state, b"Bearer " + TOKEN.encode()) and not _bearer_ok(state, None)


def test_forms_outside_the_api_pass_without_the_token_within_the_form_limit() -> None:
    reached = call("POST", "/analyze", [b"text=" + b"a" * 35], token=None)  # 40 bytes: the form limit exactly
    assert reached["app"] and reached["body"] == b"text=" + b"a" * 35


def too_large(limit: int, hint: str) -> dict[str, Any]:
    return {"error": f"request body over {limit:,} bytes{hint}; send at most {limit / 1_048_576:g} MB per request",
            "status": 413, "details": []}


ANONYMOUS = " without the API token in the Authorization header"


@pytest.mark.parametrize("declared", [b"41", b"1000", b"-1", b"40.0", b"4e1", b" 40", b"0x10", b""])
def test_a_form_declaring_more_than_the_form_limit_or_no_number_is_413_before_reading(declared: bytes) -> None:
    reached = call("POST", "/analyze", [b"text=x"], {b"content-length": declared}, token=None)
    assert not reached["app"] and reached["reads"] == 0 and reached["status"] == 413
    assert reached["json"] == too_large(FORM_LIMIT, ANONYMOUS)
    assert reached["json"]["error"] == ("request body over 40 bytes without the API token in the Authorization header; "
                                        "send at most 3.8147e-05 MB per request")


def test_the_token_lifts_the_form_limit_to_the_full_limit() -> None:
    assert call("POST", "/analyze", [b"x" * 100], {**bearer(), b"content-length": b"100"})["body"] == b"x" * 100
    reached = call("POST", "/analyze", [b"x"], {**bearer(), b"content-length": b"101"})
    assert reached["status"] == 413 and reached["json"] == too_large(LIMIT, "") and reached["reads"] == 0
    reached = call("POST", "/api/analyze", [b"x" * 60, b"x" * 41], bearer())  # streamed: 101 bytes
    assert not reached["app"] and reached["status"] == 413 and reached["json"] == too_large(LIMIT, "")
    assert call("POST", "/api/analyze", [b"x" * 60, b"x" * 40], bearer())["body"] == b"x" * 100


def test_a_gate_whose_form_limit_is_above_its_limit_keeps_the_lower_one() -> None:
    async def app(scope: Any, receive: Any, send: Any) -> None:
        raise AssertionError("reached the app")

    sent: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"x" * 31, "more_body": False}

    scope = {"type": "http", "method": "POST", "path": "/analyze", "headers": [],
             "app": SimpleNamespace(state=SimpleNamespace(web=WebState(store=None)))}  # type: ignore[arg-type]
    run(RequestGate(app, limit=30, form_limit=1000)(scope, receive, send))
    assert sent[0]["status"] == 413
    assert json.loads(sent[1]["body"])["error"].startswith("request body over 30 bytes;")  # the full limit: no hint


def test_a_streamed_form_is_cut_off_as_soon_as_it_passes_the_form_limit() -> None:
    reached = call("POST", "/analyze", [b"x" * 30, b"x" * 11, b"x" * 500], token=None)
    assert not reached["app"] and reached["reads"] == 2 and reached["status"] == 413
    assert reached["json"] == too_large(FORM_LIMIT, ANONYMOUS)
    reached = call("POST", "/analyze", [b"x" * 30, b"x" * 10, b""], token=None)
    assert reached["app"] and reached["body"] == b"x" * 40 and reached["reads"] == 3


def test_a_client_that_disconnects_mid_body_reaches_nothing() -> None:
    reached = call("POST", "/api/analyze", [b"x" * 10], bearer(), disconnect=True)
    assert not reached["app"] and "status" not in reached and reached["reads"] == 2


def test_the_app_reads_the_replayed_body_once_then_the_connection() -> None:
    seen: list[dict[str, Any]] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        seen.append(await receive())
        seen.append(await receive())

    queue = [{"type": "http.request", "body": b"ab", "more_body": True},
             {"type": "http.request", "body": b"cd", "more_body": False}, {"type": "http.disconnect"}]

    async def receive() -> dict[str, Any]:
        return queue.pop(0)

    async def send(message: dict[str, Any]) -> None:
        raise AssertionError(message)

    scope = {"type": "http", "method": "POST", "path": "/api/analyze", "headers": list(bearer().items()),
             "app": SimpleNamespace(state=SimpleNamespace(web=WebState(store=None, token=TOKEN)))}  # type: ignore[arg-type]
    run(RequestGate(app, limit=LIMIT)(scope, receive, send))
    assert seen == [{"type": "http.request", "body": b"abcd", "more_body": False}, {"type": "http.disconnect"}]


def test_a_request_message_without_a_body_key_is_an_empty_body() -> None:
    seen: list[Any] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        seen.append(await receive())

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        raise AssertionError(message)

    scope = {"type": "http", "method": "POST", "path": "/analyze", "headers": [],
             "app": SimpleNamespace(state=SimpleNamespace(web=WebState(store=None)))}  # type: ignore[arg-type]
    run(RequestGate(app, limit=LIMIT)(scope, receive, send))
    assert seen == [{"type": "http.request", "body": b"", "more_body": False}]


@pytest.mark.parametrize("query, kept", [
    (b"since=&entity=&q=nato", b"q=nato"),
    (b"q==&x=", b"q=="),             # a value that is '=' is a value
    (b"a=b=c&d=", b"a=b=c"),
    (b"q=nato&page=2", b"q=nato&page=2"),
    (b"", b""),
])
def test_empty_query_parameters_are_dropped_and_the_others_kept_byte_for_byte(query: bytes, kept: bytes) -> None:
    from narrascope.web.app import DropEmptyQuery

    seen: list[bytes] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        seen.append(scope.get("query_string", b""))

    run(DropEmptyQuery(app)({"type": "http", "query_string": query}, None, None))  # type: ignore[arg-type]
    assert seen == [kept]
