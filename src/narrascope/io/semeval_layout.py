"""The folder layout of a SemEval-2025 Task 10 release, as an input format: language folders (``BG``, ``EN``, …)
with ``raw-documents/<id>.txt`` read byte-faithfully. The annotation files beside them are read by
``narrascope.semeval``."""

from __future__ import annotations

from pathlib import Path

from narrascope.documents import Document
from narrascope.errors import InputError

LANGUAGES = ("BG", "EN", "HI", "PT", "RU")
LANGUAGE_CODES = {"BG": "bg", "EN": "en", "HI": "hi", "PT": "pt", "RU": "ru"}


def read_raw_document(path: Path | str, language: str | None = None) -> Document:
    """Read one raw article byte-faithfully; the first non-empty line is taken as the title."""
    path = Path(path)
    try:
        with open(path, encoding="utf-8", newline="") as handle:
            text = handle.read()
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 at byte {exc.start}", str(path)) from exc
    except OSError as exc:
        raise InputError(f"cannot read ({exc.strerror})", str(path)) from exc
    title = next((line.strip() for line in text.splitlines() if line.strip()), None)
    return Document(id=path.name, text=text, title=title, language=language, source=str(path))


def is_semeval_folder(path: Path | str) -> bool:
    """True for a language folder (has ``raw-documents/``) or a release folder containing language folders."""
    path = Path(path)
    return (path / "raw-documents").is_dir() or any((path / lang / "raw-documents").is_dir() for lang in LANGUAGES)


def language_folders(path: Path | str) -> list[Path]:
    """The language folders under ``path`` (or ``path`` itself when it is one)."""
    path = Path(path)
    if (path / "raw-documents").is_dir():
        return [path]
    folders = [path / lang for lang in LANGUAGES if (path / lang / "raw-documents").is_dir()]
    if not folders:
        raise InputError("not a SemEval folder: no raw-documents/ here or in BG/EN/HI/PT/RU subfolders", str(path))
    return folders
