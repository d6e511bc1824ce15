"""The one plugin mechanism: a registry per kind of swappable part, all declared here.

Kinds: ``steps`` (pipeline components, by name), ``readers`` (input formats, by file suffix), ``writers`` (output
formats), ``stores`` (by URL scheme), ``engines``, ``embedders``, ``explainers`` and ``similarities`` (subtask-3
explanation metrics). The built-in parts are declared below as ``"module:attribute"`` strings and imported on first
use, so importing narrascope stays light and no lower layer imports a higher one. A plugin package adds a part by
calling ``registry.<kind>.register("name")`` at import time or by declaring an entry point in the group
``narrascope.<kind>`` (for example ``narrascope.embedders``).
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module
from importlib.metadata import entry_points
from typing import Generic, TypeVar

from narrascope.errors import ConfigError

T = TypeVar("T")


class Registry(Generic[T]):
    """A name → factory table for one kind of component, extended by entry points."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._factories: dict[str, Callable[..., T]] = {}
        self._lazy: dict[str, str] = {}
        self._entry_points_loaded = False

    @property
    def singular(self) -> str:
        """One of the kind, for messages: ``similarity`` for ``similarities``, ``step`` for ``steps``."""
        if self.kind.endswith("ies"):
            return self.kind[:-3] + "y"
        return self.kind[:-1] if self.kind.endswith("s") else self.kind

    def declare(self, name: str, target: str) -> None:
        """Register ``target`` (``"package.module:attribute"``) under ``name``, imported on first use."""
        self._lazy[name] = target

    def register(self, name: str) -> Callable[[Callable[..., T]], Callable[..., T]]:
        """Decorator registering ``factory`` (a class or function) under ``name``."""

        def decorate(factory: Callable[..., T]) -> Callable[..., T]:
            self._factories[name] = factory
            return factory

        return decorate

    def _load_entry_points(self) -> None:
        if self._entry_points_loaded:
            return
        self._entry_points_loaded = True
        for ep in entry_points(group=f"narrascope.{self.kind}"):
            self._factories.setdefault(ep.name, ep.load())

    def get(self, name: str) -> Callable[..., T]:
        """The factory registered as ``name``; a ``ConfigError`` lists the known names otherwise."""
        if name not in self._factories and name in self._lazy:
            module, _, attribute = self._lazy[name].partition(":")
            factory = getattr(import_module(module), attribute)
            self._factories.setdefault(name, factory)
        if name not in self._factories:
            self._load_entry_points()
        try:
            return self._factories[name]
        except KeyError:
            known = ", ".join(sorted(set(self._factories) | set(self._lazy))) or "none"
            raise ConfigError(f"unknown {self.singular} {name!r}; known: {known}") from None

    def create(self, name: str, **kwargs: object) -> T:
        """Build the component registered as ``name`` with ``kwargs``."""
        return self.get(name)(**kwargs)

    def names(self) -> list[str]:
        """All registered names, entry points included."""
        self._load_entry_points()
        return sorted(set(self._factories) | set(self._lazy))

    def __contains__(self, name: str) -> bool:
        return name in self.names()


steps: Registry = Registry("steps")
readers: Registry = Registry("readers")
writers: Registry = Registry("writers")
stores: Registry = Registry("stores")
engines: Registry = Registry("engines")
embedders: Registry = Registry("embedders")
explainers: Registry = Registry("explainers")
similarities: Registry = Registry("similarities")

# Built-in parts. A step declares what it ``requires`` and ``assigns`` (see ``narrascope.pipeline``).
steps.declare("language", "narrascope.components.language.step:LanguageStep")
steps.declare("narratives", "narrascope.components.narratives.classifier:NarrativeStep")
steps.declare("entities", "narrascope.components.entities.step:EntitiesStep")
steps.declare("explain", "narrascope.components.explain.step:ExplainStep")
readers.declare(".txt", "narrascope.io.readers:read_text_file")
for _suffix in (".html", ".htm"):
    readers.declare(_suffix, "narrascope.io.readers:read_html_file")
readers.declare(".jsonl", "narrascope.io.readers:read_jsonl_file")
readers.declare(".csv", "narrascope.io.readers:read_csv_file")
writers.declare("jsonl", "narrascope.io.writers:JsonlWriter")
writers.declare("csv", "narrascope.io.writers:CsvWriter")
writers.declare("semeval", "narrascope.semeval.writer:SemevalWriter")
stores.declare("sqlite", "narrascope.store.sqlite:SQLiteStore")
stores.declare("postgresql", "narrascope.store.postgres:PostgresStore")
stores.declare("postgres", "narrascope.store.postgres:PostgresStore")
engines.declare("local", "narrascope.engines.local:LocalEngine")
engines.declare("ray", "narrascope.engines.ray:RayEngine")
embedders.declare("e5", "narrascope.embeddings.embedders:E5Embedder")
embedders.declare("static", "narrascope.embeddings.embedders:StaticEmbedder")
explainers.declare("extractive", "narrascope.components.explain.explainers:ExtractiveExplainer")
explainers.declare("llm", "narrascope.components.explain.llm:llm_explainer")
similarities.declare("token-f1", "narrascope.semeval.metrics:token_f1_similarity")
similarities.declare("e5", "narrascope.training.explanations:e5_similarity")
