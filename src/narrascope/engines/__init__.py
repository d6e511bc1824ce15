"""Engines run the same ``Pipeline`` over many documents: ``local`` (default, a process pool) or ``ray``.

Both are declared in ``narrascope.registry.engines``; ``create_engine("ray", address="auto")`` builds one.
"""

from __future__ import annotations

from typing import Any

from narrascope.engines.base import Engine, EngineRun, PipelineSpec, chunk_items
from narrascope.registry import engines

__all__ = ["Engine", "EngineRun", "PipelineSpec", "chunk_items", "create_engine"]


def create_engine(name: str = "local", **options: Any) -> Engine:
    """The engine registered as ``name``, built with ``options`` (``workers``, ``address`` for ray, ...)."""
    return engines.create(name, **options)
