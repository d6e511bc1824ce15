"""The estimator contract every trainable model here follows (scikit-learn's): hyper-parameters only in
``__init__`` (readable back with ``get_params``), learned state in attributes set by ``fit``, ``save(path)`` /
``load(path)`` to a directory with a ``MODEL_CARD.md``. Cross-validation (``narrascope.training``) relies on
``get_params`` / ``set_params`` / ``clone`` only, so it works the same for every model."""

from __future__ import annotations

import dataclasses
import inspect
import json
from pathlib import Path
from typing import Any, TypeVar

from narrascope.errors import ConfigError

E = TypeVar("E", bound="Estimator")


def read_saved(path: Path) -> tuple[dict[str, Any], Any]:
    """The ``config.json`` and ``weights.npz`` (arrays, no pickle) of a model saved in the directory ``path``;
    ``OSError`` / ``ValueError`` when they are missing or unreadable."""
    import numpy as np

    config = json.loads((path / "config.json").read_text(encoding="utf-8"))
    return config, np.load(path / "weights.npz", allow_pickle=False)


class Estimator:
    """Base of the narrative classifier, the entity framer and the salience model."""

    @classmethod
    def param_names(cls) -> list[str]:
        """The hyper-parameters: the dataclass fields that go to ``__init__``, else ``__init__``'s named arguments."""
        if dataclasses.is_dataclass(cls):
            return [f.name for f in dataclasses.fields(cls) if f.init]
        signature = inspect.signature(cls.__init__)
        return [
            name for name, p in signature.parameters.items()
            if name != "self" and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
        ]  # fmt: skip

    def get_params(self) -> dict[str, Any]:
        """The hyper-parameters and their values (``type(self)(**get_params())`` builds an unfitted copy)."""
        return {name: getattr(self, name) for name in self.param_names()}

    def set_params(self: E, **params: Any) -> E:
        """Change hyper-parameters (e.g. decision thresholds tuned by cross-validation); unknown names are an error."""
        known = set(self.param_names())
        unknown = sorted(set(params) - known)
        if unknown:
            raise ConfigError(f"{type(self).__name__} has no parameter {', '.join(unknown)}; known: {', '.join(sorted(known))}")
        for name, value in params.items():
            setattr(self, name, value)
        return self

    def clone(self: E, **params: Any) -> E:
        """An unfitted copy with the same hyper-parameters (``params`` override some)."""
        return type(self)(**{**self.get_params(), **params})
