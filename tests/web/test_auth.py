"""The API token guards every write, with every kind of wrong credential; the anonymous paste limits, exactly.

Security properties are stated over all wrong inputs (hypothesis) and the wrong shapes a client really sends (other
schemes, case, whitespace, prefixes), not over one or two wrong values.
"""

from __future__ import annotations

import string

import pytest
from fastapi import Depends, FastAPI
from fastapi.testclient import TestClient
from hypothesis import given, settings
from hypothesis import strategies as st

from narrascope.web.ratelimit import RateLimiter
from narrascope.web.state import ANONYMOUS_MAX_BYTES, WebState, require_token

TOKEN = "s3cret-Token_42"


def _state(token: str | None = TOKEN, **kwargs: object) -> WebState:
    return WebState(store=None, token=token, **kwargs)  # type: ignore[arg-type]  # the token check needs no store


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=40), st.text(alphabet=string.printable, max_size=20).map(lambda s: TOKEN + s),
                 st.integers(0, len(TOKEN)).map(lambda n: TOKEN[:n])))
def test_only_the_exact_token_is_accepted(presented: str) -> None:
    assert _state().token_ok(presented) is (presented == TOKEN)


@pytest.mark.parametrize("presented", [
    TOKEN.upper(), TOKEN.lower(), " " + TOKEN, TOKEN + " ", TOKEN + "\n", TOKEN[:-1], TOKEN[1:], TOKEN + TOKEN,
    f"Bearer {TOKEN}", "", None,
])
def test_near_misses_are_refused(presented: str | None) -> None:
    assert _state().token_ok(presented) is False


@pytest.mark.parametrize("configured", [None, ""])
@pytest.mark.parametrize("presented", [None, "", "None", "anything", TOKEN])
def test_without_a_configured_token_nothing_is_accepted(configured: str | None, presented: str | None) -> None:
    assert _state(configured).token_ok(presented) is False


def _client(token: str | None) -> TestClient:
    app = FastAPI()
    app.state.web = _state(token)

    @app.post("/write", dependencies=[Depends(require_token)])
    def write() -> dict[str, bool]:
        return {"written": True}

    return TestClient(app)


UNAUTHORISED = "missing or wrong API token: send 'Authorization: Bearer <token>'"


@pytest.mark.parametrize("headers", [
    {},
    {"Authorization": ""},
    {"Authorization": "Bearer"},
    {"Authorization": "Bearer "},
    {"Authorization": "Bearer wrong"},
    {"Authorization": f"Bearer {TOKEN.upper()}"},
    {"Authorization": f"Bearer {TOKEN[:-1]}"},
    {"Authorization": f"Bearer {TOKEN}x"},
    {"Authorization": f"Basic {TOKEN}"},
    {"Authorization": f"Token {TOKEN}"},
    {"Authorization": TOKEN},
    {"X-Api-Token": TOKEN},
])
def test_a_write_without_the_right_bearer_token_is_401(headers: dict[str, str]) -> None:
    with _client(TOKEN) as client:
        response = client.post("/write", headers=headers)
    assert response.status_code == 401
    assert response.json() == {"detail": UNAUTHORISED}
    assert response.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize("scheme", ["Bearer", "bearer", "BEARER"])
def test_the_right_token_is_accepted_under_any_case_of_the_scheme(scheme: str) -> None:
    with _client(TOKEN) as client:
        response = client.post("/write", headers={"Authorization": f"{scheme} {TOKEN}"})
    assert (response.status_code, response.json()) == (200, {"written": True})


@pytest.mark.parametrize("configured", [None, ""])
@pytest.mark.parametrize("headers", [{}, {"Authorization": f"Bearer {TOKEN}"}, {"Authorization": "Bearer "}])
def test_writes_are_disabled_without_a_configured_token(configured: str | None, headers: dict[str, str]) -> None:
    with _client(configured) as client:
        response = client.post("/write", headers=headers)
    assert response.status_code == 403
    assert response.json() == {"detail": "write endpoints are disabled: start the server with --token or set "
                                         "NARRASCOPE_API_TOKEN to enable them"}


class Clock:
    def __init__(self) -> None:
        self.now = 50.0

    def __call__(self) -> float:
        return self.now


def test_paste_refusal_size_limit_is_exact_and_lifted_by_the_token_only() -> None:
    state = _state(anonymous_max_bytes=1000, paste_limiter=RateLimiter(per_minute=60, burst=100, clock=Clock()))
    assert state.paste_refusal("a", "x" * 1000, None) is None               # exactly the limit is allowed
    assert state.paste_refusal("a", "é" * 500, None) is None                 # 1000 bytes of UTF-8
    refused = state.paste_refusal("a", "é" * 501, "wrong")                   # 1002 bytes
    assert refused == (413, "The text is 1 kB, over the 1 kB limit of an anonymous paste: shorten it, or give the API "
                            "token (up to 1 MB).", 0.0)
    big = state.paste_refusal("a", "x" * 25_600, None)
    assert big is not None and big[1].startswith("The text is 26 kB, over the 1 kB limit")
    assert state.paste_refusal("a", "x" * 5000, TOKEN) is None
    assert ANONYMOUS_MAX_BYTES == 100_000 == _state().anonymous_max_bytes


def test_paste_refusal_rate_limit_message_and_wait() -> None:
    clock = Clock()
    state = _state(paste_limiter=RateLimiter(per_minute=4, burst=2, clock=clock))  # a token every 15 s
    assert state.paste_refusal("10.0.0.1", "text", None) is None
    assert state.paste_refusal("10.0.0.1", "text", "") is None
    refused = state.paste_refusal("10.0.0.1", "text", None)
    assert refused == (429, "Too many analyses from your address: at most 4 per minute (bursts of 2) without the API "
                            "token. Try again in 15 s, or give the API token.", 15.0)
    assert state.paste_refusal("10.0.0.2", "text", None) is None            # another address has its own bucket
    assert state.paste_refusal("10.0.0.1", "text", TOKEN) is None           # the token skips the limiter
    clock.now += 15
    assert state.paste_refusal("10.0.0.1", "text", None) is None


def test_rate_limiter_refill_and_arguments() -> None:
    clock = Clock()
    limiter = RateLimiter(per_minute=30, burst=3, clock=clock)  # a token every 2 s
    assert [limiter.wait("k") for _ in range(4)] == [0.0, 0.0, 0.0, 2.0]
    clock.now += 0.5
    assert limiter.wait("k") == pytest.approx(1.5)
    clock.now += 1.5
    assert limiter.wait("k") == 0.0
    assert limiter.wait("k") == pytest.approx(2.0)
    assert (limiter.per_minute, limiter.burst, limiter.max_clients) == (30, 3, 10_000)
    default = RateLimiter()
    assert (default.per_minute, default.burst, default.max_clients) == (10.0, 5, 10_000)
    for bad in ({"per_minute": 0}, {"per_minute": -1}, {"burst": 0}, {"max_clients": 0}):
        with pytest.raises(ValueError, match="per_minute must be > 0, burst and max_clients >= 1"):
            RateLimiter(**bad)  # type: ignore[arg-type]
    RateLimiter(per_minute=0.001, burst=1, max_clients=1)  # the smallest allowed values


def test_rate_limiter_forgets_the_longest_idle_client_first() -> None:
    clock = Clock()
    limiter = RateLimiter(per_minute=1, burst=1, max_clients=2, clock=clock)
    assert limiter.wait("a") == 0.0 and limiter.wait("b") == 0.0
    assert limiter.wait("a") == pytest.approx(60.0)   # a used again: b is now the longest idle
    assert limiter.wait("c") == 0.0                    # the table is full: b is forgotten
    assert len(limiter) == 2
    assert limiter.wait("a") == pytest.approx(60.0)    # a is still remembered (and limited)
    assert limiter.wait("b") == 0.0                    # b starts again with a full bucket
