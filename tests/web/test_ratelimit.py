"""The anonymous paste form is bounded: a token bucket per client address and a smaller size limit, lifted by the
API token (413 / 429 with a clear message)."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from narrascope.store import open_store
from narrascope.web import create_app
from narrascope.web.ratelimit import RateLimiter

from .corpus import TOKEN, make_pipeline

TEXT = "Experts said NATO is at war. Then it rained."


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_token_bucket_per_client() -> None:
    clock = Clock()
    limiter = RateLimiter(per_minute=6, burst=2, clock=clock)  # a token every 10 s, two at once
    assert limiter.wait("a") == 0 and limiter.wait("a") == 0
    assert limiter.wait("a") == 10.0  # empty: the next token comes in 10 s
    assert limiter.wait("b") == 0  # another client has its own bucket
    clock.now += 5
    assert limiter.wait("a") == 5.0  # refused requests take nothing
    clock.now += 5
    assert limiter.wait("a") == 0 and limiter.wait("a") == 10.0
    clock.now += 3600
    assert limiter.wait("a") == 0 and limiter.wait("a") == 0 and limiter.wait("a") > 0  # never more than burst


def test_client_table_stays_bounded() -> None:
    clock = Clock()
    limiter = RateLimiter(per_minute=60, burst=1, max_clients=100, clock=clock)
    for i in range(1000):
        limiter.wait(f"10.0.{i // 256}.{i % 256}")
        clock.now += 0.01
    assert len(limiter) <= 100
    assert limiter.wait("10.0.3.231") > 0  # the most recent clients are still limited


def _app(db: Path, **limits: object) -> TestClient:
    return TestClient(create_app(open_store(db), pipeline=make_pipeline(), token=TOKEN, **limits))  # type: ignore[arg-type]


def test_anonymous_pastes_are_rate_limited_per_address(web_db: Path) -> None:
    app = create_app(open_store(web_db), pipeline=make_pipeline(), token=TOKEN, anonymous_per_minute=2,
                     anonymous_burst=2)
    with TestClient(app) as client, TestClient(app, client=("192.0.2.7", 4000)) as other:
        assert [client.post("/analyze", data={"text": TEXT}).status_code for _ in range(2)] == [200, 200]
        refused = client.post("/analyze", data={"text": TEXT})
        assert refused.status_code == 429 and "text/html" in refused.headers["content-type"]
        assert "Too many analyses from your address" in refused.text and "2 per minute" in refused.text
        assert 0 < int(refused.headers["retry-after"]) <= 30
        assert other.post("/analyze", data={"text": TEXT}).status_code == 200  # another address has its own budget
        with_token = client.post("/analyze", data={"text": TEXT, "token": TOKEN})
        assert with_token.status_code == 200 and "Not saved" in with_token.text  # the token lifts the limit
        assert client.post("/analyze", data={"text": " ", "title": "x"}).status_code == 422  # cheap errors stay 422


def test_anonymous_pastes_have_a_smaller_size_limit(web_db: Path) -> None:
    big = "NATO is at war. " * 7_000  # 112 kB: over the anonymous 100 kB, under the 1 MB of the API
    with _app(web_db) as client:
        refused = client.post("/analyze", data={"text": big})
        assert refused.status_code == 413
        assert "over the 100 kB limit of an anonymous paste" in refused.text and "API token" in refused.text
        assert client.post("/analyze", data={"text": big, "token": TOKEN}).status_code == 200
        wrong = client.post("/analyze", data={"text": big, "token": "wrong"})
        assert wrong.status_code == 413
    with _app(web_db, anonymous_max_bytes=200_000) as roomy:  # configurable
        assert roomy.post("/analyze", data={"text": big}).status_code == 200
