"""Where the package's shipped model artefacts live: ``narrascope/models/`` holds data only (weights, configs,
model cards), one folder per model; the code that reads each one sits with its component."""

from __future__ import annotations

from pathlib import Path

MODELS_DIR = Path(__file__).resolve().parent / "models"
