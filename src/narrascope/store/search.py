"""Full-text search shared by both stores: words stemmed per document language, and "quoted phrases".

A document is indexed as the words of its title and text, lower case, each reduced to its stem by the Snowball stemmer
of the document's language (unstemmed for languages Snowball lacks, such as Bulgarian, and for unknown ones), with the
name of that stemmer. A query is read as words, ``"quoted phrases"`` and ``OR`` between alternatives (every word or
phrase must occur; nothing else is syntax, so no input is a syntax error) and matched separately against the
documents of each stemmer in the corpus, with that stemmer: a query word ``w`` finds an indexed stem equal to ``w``,
``stem(w)`` or ``stem(stem(w))``. So "javelins" finds "javelin", and "Роттердам" (stem "роттерд") and "Роттердаме"
(stem "роттердам") find each other; a phrase finds its words in a row. SQLite (FTS5) and PostgreSQL (a ``tsvector``
built here) index the same words and answer the same, except for phrases after a document's 16,383rd word, where
PostgreSQL no longer tells positions apart.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Sequence
from functools import cache, lru_cache
from typing import Any

# ISO 639-1 code -> Snowball algorithm (snowballstemmer); languages not listed are indexed unstemmed
SNOWBALL = {
    "ar": "arabic", "hy": "armenian", "eu": "basque", "ca": "catalan", "cs": "czech", "da": "danish", "nl": "dutch",
    "en": "english", "eo": "esperanto", "et": "estonian", "fi": "finnish", "fr": "french", "de": "german",
    "el": "greek", "hi": "hindi", "hu": "hungarian", "id": "indonesian", "ga": "irish", "it": "italian",
    "lt": "lithuanian", "ne": "nepali", "no": "norwegian", "nb": "norwegian", "nn": "norwegian", "fa": "persian",
    "pl": "polish", "pt": "portuguese", "ro": "romanian", "ru": "russian", "sr": "serbian", "st": "sesotho",
    "es": "spanish", "sv": "swedish", "ta": "tamil", "tr": "turkish", "yi": "yiddish",
}
SYNTAX = ("Full-text search: words in any form (each article's words are stemmed by its language: \"javelins\" finds "
          "\"javelin\"), \"quoted phrases\" (words in a row) and OR between alternatives; all must occur.")
UNSTEMMED = ""  # the stemmer name of documents indexed as plain lower-case words
MAX_WORD = 200  # longer "words" (base64, hashes) are not indexed
MAX_PHRASE_VARIANTS = 64  # a phrase with more combinations of word variants is matched by the words' stems only
MAX_POSITION = 16383  # PostgreSQL's highest word position; later words share it
_POSITIONS_PER_WORD = 256  # PostgreSQL keeps at most this many positions of one word
_QUOTES = str.maketrans({c: '"' for c in "“”„«»‟"})


@cache
def _word_pattern() -> re.Pattern[str]:
    """A letter or digit, then letters, digits and the combining marks that Indic and other scripts write inside
    words."""
    marks = "".join(chr(c) for c in range(0x300, 0x10000) if unicodedata.category(chr(c)).startswith("M"))
    return re.compile(f"[^\\W_](?:[^\\W_]|[{re.escape(marks)}])*")


@cache
def _latin_folding() -> dict[int, str]:
    """Latin letters with diacritics -> without (ã -> a, ç -> c), so that "Ucrania" finds "Ucrânia" (applied after
    stemming: "sao" does not find "São", stemmed "sã"); letters of other scripts (й, Devanagari vowel signs) are kept
    as they are."""
    table: dict[int, str] = {}
    for code in itertools.chain(range(0xC0, 0x250), range(0x1E00, 0x1F00)):
        base = "".join(c for c in unicodedata.normalize("NFD", chr(code)) if not unicodedata.combining(c))
        if base and base != chr(code):
            table[code] = base
    return table


def words(text: str) -> list[str]:
    """The lower-case words of ``text`` (letters, digits and combining marks; at most ``MAX_WORD`` characters)."""
    if not unicodedata.is_normalized("NFKC", text):
        text = unicodedata.normalize("NFKC", text)
    found = _word_pattern().findall(text.lower())
    return [w for w in found if len(w) <= MAX_WORD]


def stemmer_name(language: str | None) -> str:
    """The Snowball algorithm for a language code (``"en"``, ``"pt-BR"``), or ``UNSTEMMED``."""
    code = (language or "").lower().replace("_", "-").split("-")[0]
    return SNOWBALL.get(code, UNSTEMMED)


@cache
def _stemmer(name: str) -> Any:
    import snowballstemmer

    return snowballstemmer.stemmer(name)


def _snowball(name: str, word: str) -> str:
    return _stemmer(name).stemWord(word) if name else word


def _fold(word: str) -> str:
    return word.translate(_latin_folding())


@lru_cache(maxsize=1 << 16)  # a language's common words; PyStemmer stems the rest in microseconds
def stem(name: str, word: str) -> str:
    """``word`` (lower case) stemmed by the Snowball algorithm ``name`` (as it is for ``UNSTEMMED``), Latin
    diacritics removed."""
    return _fold(_snowball(name, word))


def indexed(title: str | None, text: str, language: str | None) -> tuple[str, list[str]]:
    """``(stemmer name, stems of the title's and the text's words in order)`` for a document."""
    name = stemmer_name(language)
    found = words(f"{title or ''}\n{text}")
    stems = {w: stem(name, w) for w in set(found)}
    return name, [stems[w] for w in found]


def tsvector(stems: Sequence[str]) -> str:
    """PostgreSQL ``tsvector`` input for ``stems`` at positions 1, 2, ... (the words as they are: no parser between)."""
    positions: dict[str, list[int]] = {}
    for i, s in enumerate(stems, start=1):
        seen = positions.setdefault(s, [])
        if len(seen) < _POSITIONS_PER_WORD:
            seen.append(min(i, MAX_POSITION))
    return " ".join(f"{_lexeme(s)}:{','.join(map(str, dict.fromkeys(p)))}" for s, p in positions.items())


def _lexeme(word: str) -> str:
    return "'" + word.replace("\\", "\\\\").replace("'", "''") + "'"


def parse_query(text: str) -> list[list[list[str]]]:
    """A query as clauses that must all match, each a list of alternatives (joined by ``OR``), each a list of words
    in a row: ``'javelins "rotterdam port" kyiv OR kiev'`` -> ``[[["javelins"]], [["rotterdam", "port"]],
    [["kyiv"], ["kiev"]]]``. Text after an unmatched quote is a phrase, and so is a hyphenated word; ``AND`` is
    ignored; other punctuation separates words and is no syntax, so no input is an error."""
    clauses: list[list[list[str]]] = []
    join = False
    for i, part in enumerate(text.translate(_QUOTES).split('"')):
        for token in [part] if i % 2 else part.split():
            if not i % 2 and token in ("OR", "AND"):
                join = token == "OR" and bool(clauses)
                continue
            found = words(token)
            if found and join:
                clauses[-1].append(found)
            elif found:
                clauses.append([found])
            join = join and not found
    return clauses


def _variants(name: str, word: str) -> list[str]:
    """The indexed stems that query word ``word`` finds in documents of stemmer ``name``."""
    once = _snowball(name, word)
    return list(dict.fromkeys([_fold(once), _fold(word), stem(name, once)]))


def alternatives(name: str, phrase: list[str]) -> list[tuple[str, ...]]:
    """The word sequences of stemmer ``name``'s index that match a query word or phrase."""
    variants = [_variants(name, w) for w in phrase]
    count = 1
    for v in variants:
        count *= len(v)
    if count > MAX_PHRASE_VARIANTS:
        variants = [v[:1] for v in variants]
    return list(itertools.product(*variants))


def match_groups(query: list[list[list[str]]], stemmers: Sequence[str]) -> list[tuple[list[list[tuple[str, ...]]], list[str]]]:
    """For a parsed query and the stemmer names in the corpus: ``(match, stemmers)`` pairs, where ``match`` lists
    per query word or phrase the stem sequences that satisfy it, and ``stemmers`` the names it applies to (stemmers
    with the same match share one)."""
    groups: dict[str, tuple[list[list[tuple[str, ...]]], list[str]]] = {}
    for name in sorted(set(stemmers)):
        match = [[p for phrase in clause for p in alternatives(name, phrase)] for clause in query]
        groups.setdefault(repr(match), (match, []))[1].append(name)
    return list(groups.values())


def matching_spans(text: str, query: str, language: str | None) -> list[tuple[int, int]]:
    """``(start, end)`` of the words of ``text`` (in ``language``) that a word of ``query`` finds, in order: what a
    search result marks."""
    name = stemmer_name(language)
    wanted = {w for clause in parse_query(query) for phrase in clause for p in alternatives(name, phrase) for w in p}
    return [m.span() for m in _word_pattern().finditer(text) if stem(name, m.group().lower()) in wanted]


def fts5_expression(match: list[list[tuple[str, ...]]]) -> str:
    """An SQLite FTS5 MATCH expression: every clause, each one of its phrases (every word quoted)."""
    def phrase(words_: tuple[str, ...]) -> str:
        return '"' + " ".join(words_).replace('"', '""') + '"'

    return " AND ".join("(" + " OR ".join(phrase(p) for p in clause) + ")" for clause in match)


def tsquery(match: list[list[tuple[str, ...]]]) -> str:
    """The same as a PostgreSQL ``tsquery`` (``<->`` between the words of a phrase)."""
    return " & ".join("(" + " | ".join("(" + " <-> ".join(map(_lexeme, p)) + ")" for p in clause) + ")"
                      for clause in match)

