"""Token buckets per client: how the open paste form is kept from spending all of the server's CPU.

Each client key (the client's IP address) has a bucket of ``burst`` tokens that refills at ``per_minute`` tokens a
minute; a request takes one token or is refused with the seconds until the next one. The table of buckets is
bounded (``max_clients``): when it is full, the buckets that have been idle longest are forgotten (a forgotten client
starts again with a full bucket, which is at most ``burst`` extra requests).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable


class RateLimiter:
    """``wait(key)`` is 0 when ``key`` may go on now (and takes a token), else the seconds until it may."""

    def __init__(self, per_minute: float = 10.0, burst: int = 5, max_clients: int = 10_000,
                 clock: Callable[[], float] = time.monotonic) -> None:
        if per_minute <= 0 or burst < 1 or max_clients < 1:
            raise ValueError("per_minute must be > 0, burst and max_clients >= 1")
        self.per_minute = per_minute
        self.burst = burst
        self.max_clients = max_clients
        self._clock = clock
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()  # key -> (tokens, at), oldest first
        self._lock = threading.Lock()

    def wait(self, key: str) -> float:
        rate = self.per_minute / 60.0
        with self._lock:
            now = self._clock()
            tokens, at = self._buckets.pop(key, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - at) * rate)
            delay = 0.0 if tokens >= 1.0 else (1.0 - tokens) / rate
            if not delay:
                tokens -= 1.0
            self._buckets[key] = (tokens, now)
            while len(self._buckets) > self.max_clients:
                self._buckets.popitem(last=False)
            return delay

    def __len__(self) -> int:
        return len(self._buckets)
