"""The web dashboard and REST API (FastAPI): ``create_app(store)``; ``narrascope serve`` runs it."""

from __future__ import annotations

from narrascope.web.app import create_app

__all__ = ["create_app"]
