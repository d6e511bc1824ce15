"""Dictionary forms of Russian and Bulgarian entity names, so that inflected forms share one entity key.

    from narrascope.components.entities.normal import normal_name
    normal_name("киевского режима", "ru")              # "киевский режим"
    normal_name("Министерства обороны России", "ru")   # "Министерство обороны России"
    normal_name("Европейския съюз", "bg")              # "Европейски съюз"

Russian: natasha's morphology tagger and dictionary (bundled with natasha, offline) put into the nominative the words
up to and including the first noun (its agreeing adjectives and participles before it) and the person names after it
(``Владимира Путина`` → ``Владимир Путин``); the genitive complements after the head noun are left as they are
(``обороны России``). Number and the original capitalisation are kept. Bulgarian has no noun cases: its definite
articles are stripped (``режимът`` → ``режим``, ``Европейския`` → ``Европейски``, ``войските`` → ``войски``). Other
languages, and Russian when natasha is not installed, get the name back unchanged.
"""

from __future__ import annotations

import logging
from functools import lru_cache
from typing import Any

log = logging.getLogger(__name__)

_BG_ARTICLES = (  # (definite ending, indefinite ending), the longest first
    ("ският", "ски"), ("ския", "ски"), ("цкият", "цки"), ("цкия", "цки"), ("ската", "ска"), ("ското", "ско"),
    ("ските", "ски"), ("ията", "ия"), ("ият", "и"), ("ите", "и"), ("ът", ""), ("ят", ""),
)
_NOUNS = ("NOUN", "PROPN")


def normal_name(name: str, language: str | None) -> str:
    """The dictionary form of an entity name in ``language`` (``ru``, ``bg``; other languages: ``name`` itself)."""
    lang = (language or "").lower()[:2]
    if lang == "bg":
        return _bulgarian_indefinite(name)
    if lang == "ru" and any("\u0400" <= ch <= "\u04ff" for ch in name):
        return _russian_nominative(name)
    return name


def _bulgarian_indefinite(name: str) -> str:
    words = []
    for word in name.split(" "):
        lower = word.lower()
        if len(word) >= 5 and not word.isupper() and any("\u0400" <= ch <= "\u04ff" for ch in word):
            for definite, bare in _BG_ARTICLES:
                if lower.endswith(definite) and len(word) - len(definite) >= 3:
                    word = word[: -len(definite)] + (bare.upper() if word[-1].isupper() else bare)
                    break
        words.append(word)
    return " ".join(words)


@lru_cache(maxsize=1)
def _natasha_morphology() -> Any:
    """natasha's segmenter, morphology tagger and dictionary; None when natasha is not installed."""
    try:
        from natasha import MorphVocab, NewsEmbedding, NewsMorphTagger, Segmenter
    except ImportError:
        log.warning("natasha is not installed: Russian entity names are not put into the nominative")
        return None
    return Segmenter(), NewsMorphTagger(NewsEmbedding()), MorphVocab()


@lru_cache(maxsize=20_000)
def _russian_nominative(name: str) -> str:
    models = _natasha_morphology()
    if models is None:
        return name
    from natasha import Doc
    from natasha.norm import inflect_word, recover_shape

    segmenter, tagger, vocab = models
    doc = Doc(name)
    doc.segment(segmenter)
    doc.tag_morph(tagger)
    tokens = doc.tokens
    head = next((i for i, t in enumerate(tokens) if t.pos in _NOUNS), len(tokens) - 1)
    inflect = set(range(head + 1))
    if tokens and tokens[head].pos == "PROPN" and tokens[head].feats.get("Animacy") == "Anim":  # a person: all names
        case = tokens[head].feats.get("Case")
        for i in range(head + 1, len(tokens)):
            t = tokens[i]
            if t.pos != "PROPN" or t.feats.get("Animacy") != "Anim" or t.feats.get("Case") != case:
                break
            inflect.add(i)
    parts, offset = [], 0
    for i, t in enumerate(tokens):
        word = recover_shape(inflect_word(vocab, t), t.text) if i in inflect else t.text
        parts.append(name[offset : t.start] + word)
        offset = t.stop
    return "".join(parts) + name[offset:]
