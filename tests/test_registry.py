"""Registries: register, look up, list, and a clear error for unknown names."""

from __future__ import annotations

import pytest

from narrascope.errors import ConfigError
from narrascope.registry import Registry


def test_register_get_create_names() -> None:
    widgets: Registry = Registry("widgets")

    @widgets.register("double")
    class Double:
        def __init__(self, factor: int = 2) -> None:
            self.factor = factor

    assert widgets.get("double") is Double
    assert widgets.create("double", factor=3).factor == 3
    assert widgets.names() == ["double"]
    assert "double" in widgets and "triple" not in widgets


def test_unknown_name_lists_known_ones() -> None:
    gadgets: Registry = Registry("gadgets")
    gadgets.register("b")(lambda: 1)
    gadgets.register("a")(lambda: 2)
    with pytest.raises(ConfigError, match=r"unknown gadget 'c'; known: a, b"):
        gadgets.get("c")
    with pytest.raises(ConfigError, match="known: none"):
        Registry("stores-for-a-test").get("x")


def test_later_registration_replaces_earlier() -> None:
    things: Registry = Registry("things")
    things.register("x")(lambda: "old")
    things.register("x")(lambda: "new")
    assert things.create("x") == "new"
