"""Where the package's shipped model artefacts live: ``narrascope/models/`` holds data only (weights, configs,
model cards), one folder per model; the code that reads each one sits with its component."""

from __future__ import annotations

from pathlib import Path

MODELS_DIR = Path(__file__).resolve().parent / "models"

SHIPPED_NARRATIVE_MODELS = ("default", "lexical")  # `--model lexical`: the n-gram model alone, the fast route


def narrative_model_dir(model: str | Path | None) -> Path:
    """The directory of a narrative model given as a path, or as the name of a shipped one (``default``,
    ``lexical``) when no such path exists; None is the shipped default."""
    if model is None or str(model) == "":
        return MODELS_DIR / "default"
    path = Path(model)
    if not path.exists() and str(model) in SHIPPED_NARRATIVE_MODELS:
        return MODELS_DIR / str(model)
    return path
