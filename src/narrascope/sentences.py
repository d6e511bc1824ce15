"""Sentence segmentation with character offsets, for evidence, entity context and explanations.

A light rule-based splitter that works for Latin, Cyrillic and Devanagari scripts: it breaks after ``.``, ``!``,
``?``, ``…`` and the Devanagari danda ``।`` followed by whitespace, and at blank lines and line breaks. Offsets are
Python string offsets with ``end`` exclusive, so ``text[s.start:s.end] == s.text`` always holds.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

_BOUNDARY = re.compile(r"(?<=[.!?…।])([\"'»”’)\]]*)\s+|\r?\n\s*")
_ABBREVIATIONS = {"mr", "mrs", "ms", "dr", "prof", "st", "gen", "col", "lt", "sgt", "vs", "etc", "e.g", "i.e", "u.s", "u.k", "г", "т.е", "им", "ул", "sr", "jr", "no"}


@dataclass(frozen=True)
class Sentence:
    start: int
    end: int
    text: str


def split_sentences(text: str, min_chars: int = 1) -> list[Sentence]:
    """Split ``text`` into sentences; whitespace around sentences is excluded from the spans.

    The last few texts' splits are cached: the pipeline's steps split the same article one after the other.
    """
    return list(_split(text, min_chars))


@lru_cache(maxsize=128)
def _split(text: str, min_chars: int) -> tuple[Sentence, ...]:
    sentences: list[Sentence] = []
    start = 0
    for match in _BOUNDARY.finditer(text):
        candidate_end = match.start() + len(match.group(1) or "")
        if "\n" not in match.group(0) and _ends_with_abbreviation(text, start, candidate_end):
            continue
        _append(text, start, candidate_end, sentences, min_chars)
        start = match.end()
    _append(text, start, len(text), sentences, min_chars)
    return tuple(sentences)


def _ends_with_abbreviation(text: str, start: int, end: int) -> bool:
    if end == 0 or text[end - 1] != ".":
        return False
    word = text[start:end - 1].rsplit(None, 1)[-1].lower() if text[start:end - 1].split() else ""
    return word in _ABBREVIATIONS or (len(word) == 1 and word.isalpha())


def _append(text: str, start: int, end: int, out: list[Sentence], min_chars: int) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end - start >= min_chars:
        out.append(Sentence(start, end, text[start:end]))


def shorten(text: str, limit: int) -> str:
    """``text`` cut at a word boundary to at most ``limit`` characters, with an ellipsis when cut."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut[limit // 2 :]:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,;:.-–") + "…"


MAX_EXPLANATION_WORDS = 80
"""The longest explanation, in ``word_tokens`` (SemEval subtask 3's limit)."""


def word_tokens(text: str) -> list[str]:
    """Lowercased whitespace tokens with leading/trailing punctuation and symbols stripped (any script)."""
    tokens = []
    for raw in text.lower().split():
        start, end = 0, len(raw)
        while start < end and unicodedata.category(raw[start])[0] in "PS":
            start += 1
        while end > start and unicodedata.category(raw[end - 1])[0] in "PS":
            end -= 1
        if start < end:
            tokens.append(raw[start:end])
    return tokens
