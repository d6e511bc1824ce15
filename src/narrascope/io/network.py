"""What a fetch may do on the network, enforced where the sockets are: a total deadline and the public-address rule.

httpx's timeouts bound each read, so a server that sends one byte a second (in its headers or its body) is never
timed out. ``GuardedBackend`` is an httpcore network backend that gives every connect, read and write only the time
left until the fetch's ``deadline`` and, while ``public_only`` is set, resolves the host itself and connects only to
a public address (the one it checked: a name that resolves elsewhere a moment later is not asked again). ``Fetcher``
(``narrascope.io.sources``) sets both before each request.
"""

from __future__ import annotations

import ipaddress
import socket
import ssl
import time
from collections.abc import Iterable
from typing import Any

import httpcore

SocketOption = Any


def non_public_address(host: str) -> str | None:
    """The first address of ``host`` (an IP literal, or a name resolved now) that is not a public internet address
    (loopback, private, link-local, shared, reserved, multicast, unspecified), or ``None`` when all are public or
    the name does not resolve (the request then fails by itself)."""
    try:
        addresses = _addresses(host)
    except OSError:
        return None
    return next((str(a) for a in addresses if not _public(a)), None)


def _addresses(host: str) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    host = host.strip("[]").rstrip(".")
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except UnicodeError as exc:
        raise OSError(str(exc)) from None
    return [ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in infos]


def _public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    mapped = getattr(address, "ipv4_mapped", None) or address
    return bool(mapped.is_global and not mapped.is_multicast)


class GuardedBackend(httpcore.NetworkBackend):
    """httpcore's synchronous backend with a deadline over every socket operation and, while ``public_only`` is set,
    connections to public addresses only."""

    def __init__(self) -> None:
        self.inner = httpcore.SyncBackend()
        self.deadline: float | None = None  # time.monotonic() by which the current fetch must be done
        self.public_only = False

    def time_left(self, timeout: float | None) -> float | None:
        """``timeout`` shortened to the time left before the deadline; a timeout error once it has passed."""
        if self.deadline is None:
            return timeout
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise httpcore.ReadTimeout("the fetch deadline has passed")
        return left if timeout is None else min(timeout, left)

    def connect_tcp(self, host: str, port: int, timeout: float | None = None, local_address: str | None = None,
                    socket_options: Iterable[SocketOption] | None = None) -> httpcore.NetworkStream:
        target = host
        if self.public_only:
            try:
                addresses = _addresses(host)
            except OSError as exc:
                raise httpcore.ConnectError(f"cannot resolve {host}: {exc}") from None
            private = next((a for a in addresses if not _public(a)), None)
            if private is not None:
                raise httpcore.ConnectError(f"refused: {host} is the non-public address {private} (loopback, private "
                                            "or link-local); pass --allow-private-links to fetch such links from feeds")
            target = str(addresses[0])
        stream = self.inner.connect_tcp(target, port, self.time_left(timeout), local_address, socket_options)
        return GuardedStream(stream, self)

    def connect_unix_socket(self, path: str, timeout: float | None = None,
                            socket_options: Iterable[SocketOption] | None = None) -> httpcore.NetworkStream:
        raise httpcore.ConnectError("unix sockets are not fetched")

    def sleep(self, seconds: float) -> None:
        self.inner.sleep(seconds)


class GuardedStream(httpcore.NetworkStream):
    """A connection whose reads and writes get at most the time left before the backend's deadline."""

    def __init__(self, inner: httpcore.NetworkStream, backend: GuardedBackend) -> None:
        self.inner = inner
        self.backend = backend

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self.inner.read(max_bytes, self.backend.time_left(timeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self.inner.write(buffer, self.backend.time_left(timeout))

    def close(self) -> None:
        self.inner.close()

    def start_tls(self, ssl_context: ssl.SSLContext, server_hostname: str | None = None,
                  timeout: float | None = None) -> httpcore.NetworkStream:
        return GuardedStream(self.inner.start_tls(ssl_context, server_hostname, self.backend.time_left(timeout)), self.backend)

    def get_extra_info(self, info: str) -> Any:
        return self.inner.get_extra_info(info)
