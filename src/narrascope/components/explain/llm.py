"""The ``llm`` explainer: an OpenAI-compatible chat model writes the explanation, grounded in the top sentences.

The prompt gives the label, its definition and the article's best-supporting sentences (ranked by the extractive
explainer) and asks for at most 80 words in the article's language. The answer is checked: quotes and a leading
"Explanation:" are stripped, it is cut to 80 words, and it must share content words with the quoted sentences. On any
failure (server down, timeout, garbage) the extractive explanation is returned and a warning recorded.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from typing import Any

from narrascope.components.explain.explainers import ExtractiveExplainer, first_words
from narrascope.documents import Document, Evidence, Explanation
from narrascope.errors import ModelError
from narrascope.llm.client import DEFAULT_API_KEY_ENV, ChatClient
from narrascope.sentences import MAX_EXPLANATION_WORDS, word_tokens
from narrascope.taxonomy import Taxonomy

log = logging.getLogger(__name__)

LANGUAGE_NAMES = {"en": "English", "bg": "Bulgarian", "pt": "Portuguese", "ru": "Russian", "hi": "Hindi"}
SYSTEM_PROMPT = (
    "You explain why a news article pushes a given propaganda narrative. Use only facts stated in the quoted "
    "sentences; name the actors and the claim. Answer with the explanation only, at most {max_words} words, in {language}."
)
_PREFIX = re.compile(r"^\s*(explanation|answer)\s*:\s*", re.IGNORECASE)


class LLMExplainer:
    """Explanations from a chat model at ``url``; falls back to ``fallback`` (extractive) on any failure."""

    name = "llm"

    def __init__(
        self,
        url: str = "http://127.0.0.1:8080/v1",
        model: str = "default",
        api_key_env: str = DEFAULT_API_KEY_ENV,
        timeout_s: float = 30.0,
        retries: int = 2,
        backoff_s: float = 0.5,
        n_evidence: int = 4,
        max_words: int = MAX_EXPLANATION_WORDS,
        fallback: ExtractiveExplainer | None = None,
        client: ChatClient | None = None,
        taxonomy: Taxonomy | None = None,
    ) -> None:
        self.client = client or ChatClient(url, model, api_key_env=api_key_env, timeout_s=timeout_s, retries=retries, backoff_s=backoff_s)
        self.n_evidence = n_evidence
        self.max_words = max_words
        self.fallback = fallback or ExtractiveExplainer(max_words=max_words, taxonomy=taxonomy)

    def messages(self, document: Document, narrative: str, subnarrative: str | None, sources: Sequence[Evidence]) -> list[dict[str, str]]:
        """The chat messages asking for the explanation of ``narrative`` grounded in ``sources``."""
        language = LANGUAGE_NAMES.get((document.language or "en")[:2], "the language of the article")
        quoted = "\n".join(f"- {' '.join(s.text.split())}" for s in sources)
        label = subnarrative or narrative
        user = (
            f"Narrative: {label}\nDefinition: {self.fallback._describe(narrative, subnarrative)}\n"
            f"Title: {document.title or first_words(document.text, 20)}\nSentences from the article:\n{quoted}\n\n"
            f"In at most {self.max_words} words, explain how the article supports this narrative."
        )
        return [
            {"role": "system", "content": SYSTEM_PROMPT.format(max_words=self.max_words, language=language)},
            {"role": "user", "content": user},
        ]

    def explain(
        self,
        document: Document,
        narrative: str,
        subnarrative: str | None = None,
        evidence: Sequence[Evidence] = (),
        warnings: list[str] | None = None,
    ) -> Explanation:
        """Ask the model; on failure return the extractive explanation and append the reason to ``warnings``."""
        ranked = self.fallback.rank(document, narrative, subnarrative, evidence)
        sources = ranked[: self.n_evidence]
        try:
            answer = self.client.complete(self.messages(document, narrative, subnarrative, sources))
            text = self.check(answer, sources)
        except ModelError as exc:
            note = f"explain: LLM explainer failed ({exc}); used the extractive explanation"
            log.warning("%s: %s", document.id, note)
            if warnings is not None:
                warnings.append(note)
            return self.fallback.compose(document, ranked, narrative, subnarrative)
        return Explanation(text=text, narrative=narrative, subnarrative=subnarrative, sources=list(sources), explainer=f"llm:{self.client.model}")

    def check(self, answer: str, sources: Sequence[Evidence]) -> str:
        """The cleaned answer cut to ``max_words``; ``ModelError`` when it shares no word with the sources."""
        text = _PREFIX.sub("", " ".join(answer.split())).strip().strip('"“”«»').strip()
        words = text.split()
        if len(words) > self.max_words:
            text = " ".join(words[: self.max_words])
        grounded = {t for s in sources for t in word_tokens(s.text) if len(t) > 3}
        if not text or not grounded.intersection(t for t in word_tokens(text) if len(t) > 3):
            raise ModelError(f"LLM answer is not grounded in the article: {text[:80]!r}")
        return text


def llm_explainer(**options: Any) -> LLMExplainer:
    """The LLM explainer built from ``options`` (registered as ``llm``)."""
    return LLMExplainer(**options)
