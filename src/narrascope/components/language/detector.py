"""Offline language identification with lingua (bundled models) for the languages narrascope targets.

The detector is built on first use and loads each language model lazily, only when a text in its script shows up
(preloading every model took about a minute of CPU here). Low-accuracy mode (trigram models only) keeps memory small;
lingua uses trigrams alone for any text over 120 characters anyway, so articles get the same answer in both modes.
Only the first ``max_chars`` (500) characters are looked at. ``benchmarks/language_id.py`` measures accuracy and
speed on the SemEval articles (all 1781 identified correctly with these settings).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

SUPPORTED = ("en", "bg", "hi", "pt", "ru", "uk", "de", "fr", "es", "it", "pl")
LOW_ACCURACY = True


def build_detector(low_accuracy: bool = LOW_ACCURACY, languages: tuple[str, ...] = SUPPORTED) -> Any:
    """A lingua detector for ``languages`` (ISO 639-1 codes); models load lazily on first need."""
    from lingua import IsoCode639_1, LanguageDetectorBuilder

    codes = [getattr(IsoCode639_1, code.upper()) for code in languages]
    builder = LanguageDetectorBuilder.from_iso_codes_639_1(*codes)
    if low_accuracy:
        builder = builder.with_low_accuracy_mode()
    return builder.build()


@lru_cache(maxsize=1)
def _detector() -> Any:
    return build_detector()


def detect_language(text: str, max_chars: int = 500, detector: Any = None) -> str | None:
    """ISO 639-1 code of the text's language, or ``None`` when it cannot be told (empty or too short)."""
    sample = text[:max_chars].strip()
    if len(sample) < 3 or not any(ch.isalpha() for ch in sample):
        return None
    language = (detector or _detector()).detect_language_of(sample)
    return language.iso_code_639_1.name.lower() if language is not None else None
