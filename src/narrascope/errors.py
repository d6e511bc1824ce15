"""The error hierarchy: every message says what went wrong, where, and what to do."""

from __future__ import annotations


class NarrascopeError(Exception):
    """Base class of every error narrascope raises on purpose."""


class InputError(NarrascopeError):
    """A file, line or document that cannot be read as documented.

    ``path`` and ``line`` (1-based) locate the problem when known.
    """

    def __init__(self, message: str, path: str | None = None, line: int | None = None) -> None:
        self.reason = message
        self.path = path
        self.line = line
        where = ""
        if path is not None:
            where = f"{path}:{line}: " if line is not None else f"{path}: "
        super().__init__(where + message)


class ModelError(NarrascopeError):
    """A model that is missing, incompatible or failed to load."""


class ConfigError(NarrascopeError):
    """A configuration or taxonomy file that does not follow its format."""
