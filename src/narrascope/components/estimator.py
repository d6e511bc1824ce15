"""The estimator contract every trainable model here follows (scikit-learn's): hyper-parameters only in
``__init__`` (readable back with ``get_params``), learned state in attributes set by ``fit``, ``save(path)`` /
``load(path)`` to a directory with a ``MODEL_CARD.md``. Cross-validation (``narrascope.training``) relies on
``get_params`` / ``set_params`` / ``clone`` only, so it works the same for every model."""

from __future__ import annotations

import contextlib
import ctypes
import dataclasses
import inspect
import json
import math
import os
import shutil
import tempfile
import zipfile
import zlib
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

from narrascope.errors import ConfigError, ModelError

E = TypeVar("E", bound="Estimator")
RETRAIN = "restore the directory or train the model again"


# ---- reading and checking a saved model --------------------------------------------------------------------------

def read_config(file: Path) -> dict[str, Any]:
    """A model's JSON settings file (``config.json``), checked: a ``ModelError`` naming ``file`` when it is missing,
    not JSON, not an object, or holds a number that is not finite (``NaN``, ``Infinity``)."""
    try:
        config = json.loads(file.read_text(encoding="utf-8"), parse_constant=_refuse_constant)
    except FileNotFoundError:
        raise ModelError(f"{file}: missing; {RETRAIN}") from None
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise ModelError(f"{file}: unreadable ({type(exc).__name__}: {exc}); {RETRAIN}") from None
    if not isinstance(config, dict):
        raise ModelError(f"{file}: expected a JSON object, got {type(config).__name__}; {RETRAIN}")
    _check_finite_json(config, file, "")
    return config


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number a model may hold")


def _check_finite_json(value: Any, file: Path, where: str) -> None:
    if isinstance(value, float) and not math.isfinite(value):
        raise ModelError(f"{file}: {where or 'a value'} is {value}; {RETRAIN}")
    if isinstance(value, dict):
        for key, item in value.items():
            _check_finite_json(item, file, f"{where}.{key}" if where else str(key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            _check_finite_json(item, file, f"{where}[{i}]")


def read_arrays(file: Path) -> dict[str, Any]:
    """Every array of a ``.npz`` weights file, read now (no pickle) and checked: a ``ModelError`` naming ``file``
    (and the array) when it is missing, truncated or damaged, or holds a value that is not finite."""
    import numpy as np

    try:
        with np.load(file, allow_pickle=False) as archive:
            arrays = {name: archive[name] for name in archive.files}
    except FileNotFoundError:
        raise ModelError(f"{file}: missing; {RETRAIN}") from None
    except (OSError, ValueError, EOFError, zipfile.BadZipFile, zlib.error, NotImplementedError) as exc:
        raise ModelError(f"{file}: damaged or truncated ({type(exc).__name__}: {exc}); {RETRAIN}") from None
    for name, array in arrays.items():
        if array.dtype.kind in "fc" and not np.isfinite(array).all():
            raise ModelError(f"{file}: array {name!r} holds values that are not finite (NaN or infinity); {RETRAIN}")
    return arrays


def check_shape(file: Path, name: str, array: Any, shape: Sequence[int | None]) -> None:
    """A ``ModelError`` naming ``file`` when ``array`` does not have ``shape`` (``None``: any length on that axis)."""
    actual = tuple(getattr(array, "shape", ()))
    if len(actual) != len(shape) or any(want is not None and want != got for want, got in zip(shape, actual)):
        wanted = "(" + ", ".join("any" if s is None else str(s) for s in shape) + ")"
        raise ModelError(f"{file}: array {name!r} has shape {actual}, expected {wanted}; {RETRAIN}")


def require_arrays(file: Path, arrays: Mapping[str, Any], names: Sequence[str]) -> None:
    """A ``ModelError`` naming ``file`` when one of the arrays ``names`` is not in it."""
    missing = [name for name in names if name not in arrays]
    if missing:
        raise ModelError(f"{file}: arrays missing: {', '.join(missing)}; {RETRAIN}")


def read_saved(path: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """The checked ``config.json`` and ``weights.npz`` arrays of a model saved in the directory ``path``
    (``read_config``, ``read_arrays``): a ``ModelError`` naming the file when one is missing or damaged."""
    if not path.is_dir():
        raise ModelError(f"{path}: no such model directory")
    return read_config(path / "config.json"), read_arrays(path / "weights.npz")


# ---- writing a model directory -----------------------------------------------------------------------------------

@contextlib.contextmanager
def model_directory(path: Path | str) -> Iterator[Path]:
    """Write a model directory atomically: ``with model_directory(out) as tmp: <write the files into tmp>``.

    The files go to a new temporary directory beside ``path``; when the block ends without an error, that directory
    takes ``path``'s place in one rename (the model there before, if any, is then deleted), so ``path`` always holds
    either the old complete model or the new complete one, even when the process is killed. On an error the
    temporary directory is removed and ``path`` is untouched. An existing ``path`` that holds none of the files of
    the new model (not a model directory) is refused, so a wrong ``--out`` never deletes other files.
    """
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise ModelError(f"{path}: exists and is not a directory; choose another output directory")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent))
    try:
        yield tmp
        written = set(os.listdir(tmp))
        if path.exists():
            existing = set(os.listdir(path))
            if existing and not existing & written:
                raise ModelError(f"{path}: not empty and not a model directory (none of {', '.join(sorted(written))}); "
                                 "choose a new or empty output directory")
        _sync_tree(tmp)
        _replace_directory(tmp, path)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)  # the new files on an error, the old model after a swap


def write_model_file(path: Path | str, text: str) -> None:
    """Write one model file (a settings or gazetteer JSON) atomically: a temporary file beside it, flushed, then
    renamed over ``path``, so ``path`` holds the old complete file or the new one, never a part."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(name, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(name)
        raise


def _sync_tree(directory: Path) -> None:
    """Flush the files of ``directory`` to disk, so that the rename never publishes half-written files."""
    for name in os.listdir(directory):
        if (directory / name).is_dir():  # a model's sub-model (e.g. the narrative model's encoder/)
            _sync_tree(directory / name)
            continue
        with open(directory / name, "rb") as f:
            os.fsync(f.fileno())
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


_RENAME_EXCHANGE = 2  # renameat2(2) flag: swap two paths atomically (Linux)
_AT_FDCWD = -100


def _replace_directory(new: Path, path: Path) -> None:
    """Put the directory ``new`` at ``path``; an existing ``path`` ends up at ``new`` (the caller deletes it)."""
    if not path.exists():
        os.rename(new, path)
        return
    if _exchange(new, path):
        return
    # no atomic swap on this system: move the old model aside, the new one in (a kill between the two renames leaves
    # the old model complete beside it, under a hidden name)
    aside = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".old", dir=path.parent))
    os.rename(path, aside / "model")
    os.rename(new, path)
    shutil.rmtree(aside, ignore_errors=True)


def _exchange(a: Path, b: Path) -> bool:
    """Swap ``a`` and ``b`` in one step with Linux's ``renameat2(RENAME_EXCHANGE)``; False where unavailable."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    result = renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    return bool(result == 0)


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
