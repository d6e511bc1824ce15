"""Registries of swappable components (embedders, classifiers, stores, engines, explainers, pipeline steps).

A plugin package adds a component either by calling ``registry.register("name")`` at import time or by
declaring an entry point in the group ``narrascope.<kind>`` (for example ``narrascope.embedders``).
"""

from __future__ import annotations

from collections.abc import Callable
from importlib.metadata import entry_points
from typing import Generic, TypeVar

from narrascope.errors import ConfigError

T = TypeVar("T")


class Registry(Generic[T]):
    """A name → factory table for one kind of component, extended by entry points."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._factories: dict[str, Callable[..., T]] = {}
        self._entry_points_loaded = False

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
        if name not in self._factories:
            self._load_entry_points()
        try:
            return self._factories[name]
        except KeyError:
            known = ", ".join(sorted(self._factories)) or "none"
            raise ConfigError(f"unknown {self.kind[:-1] if self.kind.endswith('s') else self.kind} {name!r}; known: {known}") from None

    def create(self, name: str, **kwargs: object) -> T:
        """Build the component registered as ``name`` with ``kwargs``."""
        return self.get(name)(**kwargs)

    def names(self) -> list[str]:
        """All registered names, entry points included."""
        self._load_entry_points()
        return sorted(self._factories)

    def __contains__(self, name: str) -> bool:
        return name in self.names()


embedders: Registry = Registry("embedders")
classifiers: Registry = Registry("classifiers")
framers: Registry = Registry("framers")
explainers: Registry = Registry("explainers")
stores: Registry = Registry("stores")
engines: Registry = Registry("engines")
steps: Registry = Registry("steps")
