"""The ``language`` step: identify the language of documents that have none."""

from __future__ import annotations

from collections.abc import Sequence

from narrascope.documents import Analysis, Document


class LanguageStep:
    """Detect the language of documents that have none (ISO 639-1 codes)."""

    name = "language"
    requires: tuple[str, ...] = ()
    assigns: tuple[str, ...] = ("language",)

    def __call__(self, documents: Sequence[Document], analyses: Sequence[Analysis]) -> None:
        from narrascope.components.language.detector import detect_language

        for doc, analysis in zip(documents, analyses):
            if not doc.language:
                doc.language = detect_language(doc.text)
            analysis.language = doc.language
            if doc.language is None:
                analysis.warnings.append("language could not be identified")
