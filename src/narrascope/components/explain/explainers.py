"""Grounded explanations of an article's dominant narrative (SemEval-2025 Task 10, subtask 3).

An ``Explainer`` turns a document and its dominant (sub)narrative into an ``Explanation`` of at most 80 words whose
``sources`` are spans of the article. Two are registered in ``narrascope.registry.explainers``:

- ``extractive`` (default): ranks the article's sentences by similarity to the label's definition, overlap with the
  classifier's evidence, centrality and position; quotes the best one or two (trimmed to fit) in a per-language
  template ("The article claims that "...", citing "..."."). Offline, deterministic, no invented facts.
- ``llm``: asks an OpenAI-compatible chat server, grounded in the top sentences; falls back to ``extractive`` on any
  failure and records a warning.

The ``explain`` pipeline step picks the dominant narrative (given by the user or the official input file, else the
highest-confidence predicted label with evidence) and fills ``Analysis.explanation``.
"""

from __future__ import annotations

import json
import logging
import math
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import Any, Protocol

from narrascope.documents import Analysis, Document, Evidence, Explanation
from narrascope.errors import ConfigError
from narrascope.registry import explainers as explainer_registry
from narrascope.sentences import MAX_EXPLANATION_WORDS, split_sentences, word_tokens
from narrascope.taxonomy import OTHER, Taxonomy
from narrascope.shipped import MODELS_DIR

log = logging.getLogger(__name__)


class Explainer(Protocol):
    """Explains why ``document`` pushes ``narrative`` (and ``subnarrative``) in at most 80 words."""

    name: str

    def explain(
        self,
        document: Document,
        narrative: str,
        subnarrative: str | None = None,
        evidence: Sequence[Evidence] = (),
        warnings: list[str] | None = None,
    ) -> Explanation: ...


@dataclass(frozen=True)
class Template:
    """How a language introduces the claim and its support; ``{claim}``/``{support}`` are article spans. The first
    support sentence follows ``support`` ("citing …"), the next ones ``more`` ("and …"), so that no lead-in repeats;
    ``end`` closes the explanation, and closes each quoted sentence without a final mark when there is no template."""

    claim: str
    support: str
    end: str
    more: str = ""

    def fill(self, claim: str, supports: Sequence[str]) -> str:
        """The explanation: ``claim`` and its ``supports`` in this template."""
        text = self.claim.format(claim=claim)
        for i, support in enumerate(supports):
            text += (self.more if i and self.more else self.support).format(support=support)
        return text + self.end

    def join(self, sentences: Sequence[str]) -> str:
        """The quoted sentences alone, each ending with its own final mark (else ``end``) so none runs into the next."""
        return " ".join(s if s.endswith(_SENTENCE_END) else s + self.end for s in sentences)


TEMPLATES: dict[str, Template] = {
    "en": Template('The article claims that "{claim}"', ', citing "{support}"', ".", ' and "{support}"'),
    "bg": Template("Статията твърди, че „{claim}“", ", като се позовава на „{support}“", ".", " и „{support}“"),
    "pt": Template('O artigo afirma que "{claim}"', ', citando "{support}"', ".", ' e "{support}"'),
    "ru": Template("В статье утверждается, что «{claim}»", ", со ссылкой на «{support}»", ".", " и «{support}»"),
    "hi": Template('लेख का दावा है कि "{claim}"', ', और इसके समर्थन में कहता है कि "{support}"', "।", ' और "{support}"'),
}
"""Templates in the article's language: the SemEval gold explanations are written in the article's language."""
_SENTENCE_END = (".", "!", "?", "…", "।", '"', "»", "”", "“", "'", "’")

BOILERPLATE = re.compile(
    r"\s*(?:\w+:\s*)?(?:photo|image|picture|foto|imagem|фото|снимка|फोटो)\b"
    r"|\s*(?:read (?:also|more)|see also|follow us|subscribe|leia (?:também|mais)|прочетете (?:още|също)"
    r"|читайте (?:также|тоже)|यह भी पढ़ें)\b",
    re.IGNORECASE,
)
"""Captions and cross-links ("Photo: …", "Russia: Photo collage …", "Read also: …"): never quoted."""
SITE_LINES = re.compile(
    r"https?://|www\.\w|\b\w[\w-]*\.(?:com|org|net|ru|bg|pt|br|in|info)\b|@\w"
    r"|\b(?:subscribe|subscription|newsletter|sign up|donate|support us|follow us|our (?:telegram|channel)"
    r"|all rights reserved|assine|assinatura|inscreva-se|siga-nos|подпис\w*|подпиш\w*|телеграм\w*|канал\w* в"
    r"|абонира\w*|последвайте|सब्सक्राइब|फॉलो)\b",
    re.IGNORECASE,
)
"""Site lines: URLs, web addresses and handles, subscription and donation calls ("TRUTH LIVES on at https://…",
"Subscribe to our newsletter", "Подписывайтесь на наш канал"): never quoted."""


def is_boilerplate(sentence: str) -> bool:
    """Whether ``sentence`` is a caption, a cross-link, a site line or a slogan (mostly capital letters)."""
    if BOILERPLATE.match(sentence) or SITE_LINES.search(sentence):
        return True
    letters = [c for c in sentence if c.isalpha()]
    upper = sum(c.isupper() for c in letters)
    return len(sentence.split()) >= 2 and len(letters) >= 8 and upper > 0.6 * len(letters)

_CLAUSE_END = re.compile(r"[,;:](?=\s)|(?<=\s)[—–]")  # a clause break, never inside "1,48,000"
_TRAILING = ".!?…।;:,"
_QUOTES = "\"'“”„«»‘’‚`‹›"


def _stripped(text: str, start: int, end: int) -> tuple[int, int]:
    """``text[start:end]`` without the spaces at its ends."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def template_for(language: str | None) -> Template:
    """The template of ``language`` (ISO 639-1), English when there is none for it."""
    return TEMPLATES.get((language or "en").lower()[:2], TEMPLATES["en"])


def first_words(text: str, n: int = MAX_EXPLANATION_WORDS) -> str:
    """The trivial baseline: the first ``n`` whitespace words of ``text``."""
    return " ".join(text.split()[:n])


def content_tokens(text: str) -> list[str]:
    """Word tokens of at least three characters: a language-independent stand-in for dropping stop words."""
    return [t for t in word_tokens(text) if len(t) >= 3]


def _cosine(a: Counter[str], b: Counter[str]) -> float:
    dot = sum(v * b.get(k, 0) for k, v in a.items())
    if not dot:
        return 0.0
    return dot / math.sqrt(sum(v * v for v in a.values()) * sum(v * v for v in b.values()))


def _normalised(values: list[float]) -> list[float]:
    top = max(values, default=0.0)
    return [v / top for v in values] if top > 0 else [0.0] * len(values)


def trim_span(text: str, start: int, end: int, max_words: int) -> tuple[int, int]:
    """Shrink ``text[start:end]`` to at most ``max_words`` words, preferring a clause boundary; no final punctuation."""
    words = [m for m in re.finditer(r"\S+", text[start:end])]
    if len(words) > max_words:
        cut = start + words[max_words - 1].end()
        clause = [m.start() for m in _CLAUSE_END.finditer(text, start, cut)]
        if clause and clause[-1] - start >= 0.6 * (cut - start):
            cut = clause[-1]
        end = cut
    while end > start and (text[end - 1] in _TRAILING or text[end - 1].isspace()):
        end -= 1
    return unquote_span(text, start, end)


def unquote_span(text: str, start: int, end: int) -> tuple[int, int]:
    """``text[start:end]`` without the quote marks and spaces at its ends: the template adds its own quotes, so a
    quoted sentence would come out doubled (``""This``). A quote mark inside the span is kept."""
    while start < end and (text[start] in _QUOTES or text[start].isspace()):
        start += 1
    while end > start and (text[end - 1] in _QUOTES or text[end - 1].isspace()):
        end -= 1
    while end > start and text[end - 1] in _TRAILING:  # "…provocation." → "…provocation"
        end -= 1
        while end > start and (text[end - 1] in _QUOTES or text[end - 1].isspace()):
            end -= 1
    return start, end


EXPLAINER_SETTINGS = MODELS_DIR / "explainer" / "settings.json"


def load_explainer_settings(source: Mapping[str, Mapping[str, Any]] | str | Path | None) -> dict[str, dict[str, Any]]:
    """Per-language explainer settings from a mapping, a JSON file or ``"shipped"`` ({} when the shipped file is absent)."""
    if source is None:
        return {}
    if isinstance(source, Mapping):
        return {str(k).lower(): dict(v) for k, v in source.items()}
    path = EXPLAINER_SETTINGS if source == "shipped" else Path(source)
    if source == "shipped" and not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return {str(k).lower(): dict(v) for k, v in data["languages"].items()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ConfigError(f"{path}: not an explainer settings file ({exc}); expected {{\"languages\": {{\"en\": {{...}}}}}}") from exc


@dataclass(frozen=True)
class ExplainerSettings:
    """What ``ExtractiveExplainer`` quotes and how it ranks sentences; per-language variants are ``replace``d copies."""

    n_sentences: int = 2
    max_words: int = MAX_EXPLANATION_WORDS
    use_template: bool = True
    w_label: float = 1.0
    w_evidence: float = 1.0
    w_central: float = 0.5
    w_position: float = 0.5
    min_words: int = 4

    @property
    def weights(self) -> tuple[float, float, float, float]:
        """The sentence-score weights of label similarity, evidence overlap, centrality and position."""
        return (self.w_label, self.w_evidence, self.w_central, self.w_position)


SETTING_NAMES = frozenset(f.name for f in fields(ExplainerSettings))
TUNED_SETTINGS = frozenset({"n_sentences", "use_template", "w_position"})
"""The settings chosen per language (``explainer_tuning.GRID``); given explicitly, they win over ``per_language``."""


class ExtractiveExplainer:
    """Quotes the article's best-supporting sentences for the label in a per-language template.

    Sentence score: ``w_label`` × similarity to the label's description (through ``embedder`` when one is given, else
    lexical), ``w_evidence`` × overlap with the classifier's evidence, ``w_central`` × TF-IDF centrality, and
    ``w_position`` × a lead prior; each feature is scaled to [0, 1] within the article. Settings left ``None`` take
    the defaults of ``ExplainerSettings``; ``settings`` holds them all.

    ``per_language`` overrides the settings by document language: ``{"bg": {"n_sentences": 3, ...}}``, a JSON file
    ``{"languages": {...}}``, ``"shipped"`` (default: the settings chosen by cross-validation, ``EXPLAINER_SETTINGS``)
    or ``None`` (the arguments for every language). ``n_sentences``, ``use_template`` and ``w_position``
    (``TUNED_SETTINGS``) given explicitly win over the per-language settings.
    """

    name = "extractive"

    def __init__(
        self,
        n_sentences: int | None = None,
        max_words: int | None = None,
        use_template: bool | None = None,
        w_label: float | None = None,
        w_evidence: float | None = None,
        w_central: float | None = None,
        w_position: float | None = None,
        min_words: int | None = None,
        embedder: Any = None,
        taxonomy: Taxonomy | None = None,
        per_language: Mapping[str, Mapping[str, Any]] | str | Path | None = "shipped",
    ) -> None:
        given: dict[str, Any] = {  # the settings given (not None), of ExplainerSettings' field types
            "n_sentences": n_sentences, "max_words": max_words, "use_template": use_template, "w_label": w_label,
            "w_evidence": w_evidence, "w_central": w_central, "w_position": w_position, "min_words": min_words,
        }
        given = {k: v for k, v in given.items() if v is not None}
        self._settings = ExplainerSettings(**given)
        self._explicit = TUNED_SETTINGS & set(given)  # given by the caller: never overridden by per_language
        self.embedder = embedder
        self.taxonomy = taxonomy
        self._label_vectors: dict[str, Any] = {}
        self.per_language = load_explainer_settings(per_language)
        self._variants: dict[str, ExtractiveExplainer] = {}

    @property
    def settings(self) -> ExplainerSettings:
        """All the settings (read-only: the per-language variants are derived from them)."""
        return self._settings

    def for_language(self, language: str | None) -> ExtractiveExplainer:
        """The explainer with ``language``'s settings (itself when the language has no overrides)."""
        key = (language or "").lower()[:2]
        if key not in self._variants:
            overrides = {k: v for k, v in self.per_language.get(key, {}).items() if k not in self._explicit}
            unknown = set(overrides) - SETTING_NAMES
            if unknown:
                raise ConfigError(f"explainer settings for {key!r}: unknown keys {sorted(unknown)}")
            settings = replace(self.settings, **overrides)
            self._variants[key] = self if settings == self.settings else self._with(settings)
        return self._variants[key]

    def _with(self, settings: ExplainerSettings) -> ExtractiveExplainer:
        variant = ExtractiveExplainer(**asdict(settings), embedder=self.embedder, taxonomy=self.taxonomy, per_language=None)
        variant._label_vectors = self._label_vectors  # share the label embeddings
        return variant

    def _describe(self, narrative: str, subnarrative: str | None) -> str:
        label = subnarrative or narrative
        try:
            if self.taxonomy is not None:
                return self.taxonomy.describe(label)
        except KeyError:
            pass
        return label.replace(":", ".")

    def rank(
        self, document: Document, narrative: str, subnarrative: str | None = None, evidence: Sequence[Evidence] = ()
    ) -> list[Evidence]:
        """The article's sentences as ``Evidence`` spans, best support first (ties: article order)."""
        sentences = [s for s in split_sentences(document.text)
                     if len(s.text.split()) >= self.settings.min_words and not is_boilerplate(s.text)]
        sentences = sentences or split_sentences(document.text)
        if not sentences:
            return []
        bags = [Counter(content_tokens(s.text)) for s in sentences]
        df = Counter(token for bag in bags for token in bag)
        idf = {t: math.log((1 + len(bags)) / (1 + n)) + 0.1 for t, n in df.items()}
        weighted = [Counter({t: c * idf[t] for t, c in bag.items()}) for bag in bags]
        centroid: Counter[str] = Counter()
        for bag in weighted:
            centroid.update(bag)
        description = self._describe(narrative, subnarrative)
        label_sim = self._label_similarity(description, [s.text for s in sentences], weighted)
        evidence_bags = [Counter(content_tokens(e.text)) for e in evidence]
        evidence_sim = []
        for s, bag in zip(sentences, bags):
            overlaps = any(e.start < s.end and s.start < e.end for e in evidence)
            evidence_sim.append(1.0 if overlaps else max((_cosine(bag, e) for e in evidence_bags), default=0.0))
        central = [_cosine(bag, centroid) for bag in weighted]
        position = [1.0 / (1.0 + i / 3.0) for i in range(len(sentences))]
        features = [_normalised(label_sim), _normalised(evidence_sim), _normalised(central), position]
        weights = list(self.settings.weights)
        if evidence:  # the label's own evidence sentences weigh at least as much as the lead prior
            weights[1] = max(weights[1], weights[3])
        scores = [sum(w * f[i] for w, f in zip(weights, features)) for i in range(len(sentences))]
        order = sorted(range(len(sentences)), key=lambda i: (-scores[i], i))
        return [Evidence(sentences[i].start, sentences[i].end, sentences[i].text, round(scores[i], 6)) for i in order]

    def _label_similarity(self, description: str, texts: list[str], bags: list[Counter[str]]) -> list[float]:
        if self.embedder is None:
            label_bag = Counter(content_tokens(description))
            return [_cosine(bag, label_bag) for bag in bags]
        if description not in self._label_vectors:
            self._label_vectors[description] = self.embedder.embed([description], kind="query")[0]
        vectors = self.embedder.embed(texts, kind="passage")
        return [max(0.0, float(v)) for v in vectors @ self._label_vectors[description]]

    def explain(
        self,
        document: Document,
        narrative: str,
        subnarrative: str | None = None,
        evidence: Sequence[Evidence] = (),
        warnings: list[str] | None = None,
    ) -> Explanation:
        """Quote the top sentences (trimmed so the whole explanation has at most ``max_words`` words)."""
        explainer = self.for_language(document.language)
        ranked = explainer.rank(document, narrative, subnarrative, evidence)
        return explainer.compose(document, ranked, narrative, subnarrative)

    def compose(self, document: Document, ranked: Sequence[Evidence], narrative: str, subnarrative: str | None) -> Explanation:
        """Fit the first ``n_sentences`` non-redundant spans of ``ranked`` into the template and the word limit."""
        settings = self.settings
        template = template_for(document.language)
        parts = (template.claim, template.support, template.end) if settings.use_template else ("{claim}", " {support}", "")
        fixed = [len(p.replace("{claim}", "").replace("{support}", "").split()) for p in parts]
        if settings.use_template and template.more:  # the lead-in of each support: the longer one counts
            fixed[1] = max(fixed[1], len(template.more.replace("{support}", "").split()))
        budget = settings.max_words - fixed[0] - fixed[2]
        chosen: list[Evidence] = []
        cut = False  # whether the claim had to be cut short (then it ends with "…")
        for candidate in ranked:
            if len(chosen) >= settings.n_sentences:
                break
            if chosen:
                budget -= fixed[1]
                if budget < 6 or _cosine(Counter(word_tokens(candidate.text)), Counter(word_tokens(chosen[0].text))) > 0.8:
                    budget += fixed[1]
                    continue
            start, end = (unquote_span(document.text, candidate.start, candidate.end) if settings.use_template
                          else _stripped(document.text, candidate.start, candidate.end))  # quoted whole, with its mark
            if len(document.text[start:end].split()) > budget:
                if chosen:  # a support sentence is quoted whole or not at all: look for a shorter one
                    budget += fixed[1]
                    continue
                start, end = trim_span(document.text, start, end, max(1, budget - 1))  # room for the "…"
                cut = True
            if end <= start:
                continue
            span = Evidence(start, end, document.text[start:end], candidate.score)
            budget -= len(span.text.split())
            chosen.append(span)
        text = ""
        if chosen:
            quoted = [" ".join(span.text.split()) for span in chosen]
            quoted[0] += " …" if cut else ""
            text = template.fill(quoted[0], quoted[1:]) if settings.use_template else template.join(quoted)
        return Explanation(text=text, narrative=narrative, subnarrative=subnarrative, sources=chosen, explainer=self.name)


def default_embedder() -> Any:
    """The fast static embedder when it is installed, else ``None`` (lexical label similarity)."""
    try:
        from narrascope.embeddings.embedders import get_embedder

        return get_embedder("static")
    except Exception as exc:  # noqa: BLE001 - any failure means: explain without embeddings
        log.info("static embedder unavailable (%s); explanations use lexical label similarity", exc)
        return None
