"""Offline language identification with lingua (bundled models) for the languages narrascope targets."""

from __future__ import annotations

from functools import lru_cache

SUPPORTED = ("en", "bg", "hi", "pt", "ru", "uk", "de", "fr", "es", "it", "pl")


@lru_cache(maxsize=1)
def _detector():  # type: ignore[no-untyped-def]
    from lingua import IsoCode639_1, LanguageDetectorBuilder

    codes = [getattr(IsoCode639_1, code.upper()) for code in SUPPORTED]
    return LanguageDetectorBuilder.from_iso_codes_639_1(*codes).with_preloaded_language_models().build()


def detect_language(text: str, max_chars: int = 2000) -> str | None:
    """ISO 639-1 code of the text's language, or ``None`` when it cannot be told (empty or too short)."""
    sample = text[:max_chars].strip()
    if len(sample) < 3:
        return None
    language = _detector().detect_language_of(sample)
    return language.iso_code_639_1.name.lower() if language is not None else None
