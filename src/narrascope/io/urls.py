"""Which URLs narrascope keeps: absolute ``http`` or ``https`` URLs with a host, nothing else.

A document's ``url`` is shown as a link on the dashboard and identifies the article for deduplication, so a
``javascript:``, ``data:``, ``file:`` or relative URL is refused at the API boundary (422), dropped with a warning by
the readers, and never rendered as a link.
"""

from __future__ import annotations

from urllib.parse import urlsplit

WEB_SCHEMES = ("http", "https")


def is_http_url(value: object) -> bool:
    """Whether ``value`` is an absolute http(s) URL with a host and no whitespace or control characters."""
    if not isinstance(value, str) or not value or any(c.isspace() or ord(c) < 32 or ord(c) == 127 for c in value):
        return False
    try:
        parts = urlsplit(value)
        port_ok = parts.port is None or 0 < parts.port < 65536
    except ValueError:  # a malformed port or IPv6 literal
        return False
    return parts.scheme.lower() in WEB_SCHEMES and bool(parts.hostname) and port_ok
