"""What a narrative model was trained on, so that ``narrascope train --db`` can add a handful of reviewed articles to
the same data instead of training on those few alone.

``narrascope train`` writes ``TRAINING_DATA.json`` beside the model (``{"files": [...], "reviewed": N, "db": ...}``,
absolute paths). The shipped model was trained on the SemEval-2025 Task 10 training release (its model card says
so), which is looked for in ``$NARRASCOPE_SEMEVAL_DIR`` and ``../shared/data/semeval2025-task10``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from narrascope.shipped import MODELS_DIR

TRAINING_DATA_FILE = "TRAINING_DATA.json"
MIN_ARTICLES = 5  # fewer labelled articles than this leave no held-out fold to tune thresholds on
SEMEVAL_DIRS = ("../shared/data/semeval2025-task10", "shared/data/semeval2025-task10")


def semeval_release() -> Path | None:
    """The SemEval-2025 Task 10 training release, where found (``$NARRASCOPE_SEMEVAL_DIR`` first)."""
    candidates = [os.environ.get("NARRASCOPE_SEMEVAL_DIR", ""), *SEMEVAL_DIRS]
    return next((Path(c).resolve() for c in candidates if c and Path(c).is_dir()), None)


def model_training_data(model_dir: Path) -> tuple[list[Path], list[str]]:
    """The training files of the model in ``model_dir`` that can be read here, and notes on those that cannot."""
    record = model_dir / TRAINING_DATA_FILE
    notes: list[str] = []
    if record.is_file():
        files = [Path(f) for f in json.loads(record.read_text(encoding="utf-8")).get("files", [])]
    elif model_dir.resolve() == (MODELS_DIR / "default").resolve():
        release = semeval_release()
        if release is None:
            return [], ["the shipped model's training data (the SemEval-2025 Task 10 training release) was not found; "
                        "set NARRASCOPE_SEMEVAL_DIR to its folder"]
        files = [release]
    else:
        return [], [f"{model_dir} does not say what it was trained on (no {TRAINING_DATA_FILE})"]
    found = [f for f in files if f.exists()]
    notes += [f"{f} (training data of {model_dir.name}) is gone" for f in files if not f.exists()]
    return found, notes


def record_training_data(model_dir: Path, files: list[Path], reviewed: int = 0, db: str | None = None) -> None:
    """Write ``TRAINING_DATA.json`` into ``model_dir``: the files (absolute) and reviewed articles it was trained on."""
    data = {"files": [str(Path(f).resolve()) for f in files], "reviewed": reviewed, "db": db}
    (model_dir / TRAINING_DATA_FILE).write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
