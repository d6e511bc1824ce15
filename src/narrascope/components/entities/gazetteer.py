"""Entity names: tokenising and stemming names, the gazetteer of known surface forms, and name aliases.

A name's *key* is the tuple of its word tokens after a light stemming that folds Russian/Bulgarian case endings
(Путин / Путина / Путину → ``("Путин",)``) and drops a leading article (``the West`` → ``("West",)``). The
``Gazetteer`` maps keys to what the training annotations say about that name (how often it was annotated, its main-
and fine-role counts) and finds known names in raw text by token n-gram lookup, in any language and script. Only
names and counts are stored, never article text. ``AliasTable`` maps variants of frequent entities across languages
and spellings (US / U.S. / США / अमेरिका) to one canonical name.
"""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from narrascope.components.estimator import write_model_file
from narrascope.errors import ModelError
from narrascope.shipped import MODELS_DIR

GAZETTEER_DIR = MODELS_DIR / "gazetteer"
MAIN_ROLES = ("Protagonist", "Antagonist", "Innocent")

# letters, digits and combining marks (Devanagari vowel signs and virama are marks, not \w); the danda is punctuation
_TOKEN = re.compile(r"[\w\u0300-\u036f\u0900-\u0963\u0966-\u097f]+")
_JOINERS = re.compile(r"[\s.\-'’‘`]{0,3}")
ARTICLES = {"the", "a", "an", "o", "os", "as"}
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_CYRILLIC_SUFFIXES = ("ого", "его", "ому", "ему", "ами", "ями", "ой", "ей", "ом", "ем", "ым", "им", "ых", "их", "ах", "ях", "ов", "ев", "ия", "ию", "ии", "ие", "ът", "ят")
_CYRILLIC_VOWELS = set("аеёиоуыэюяйьъ")


def stem(token: str) -> str:
    """Fold the case ending of a Cyrillic word (not of acronyms); other scripts are returned unchanged."""
    if len(token) < 4 or token.isupper() or not _CYRILLIC.search(token):
        return token
    lower = token.lower()
    for suffix in _CYRILLIC_SUFFIXES:
        if lower.endswith(suffix) and len(token) - len(suffix) >= 3:
            token, lower = token[: -len(suffix)], lower[: -len(suffix)]
            break
    while len(token) > 3 and lower[-1] in _CYRILLIC_VOWELS:
        token, lower = token[:-1], lower[:-1]
    return token


def tokens(text: str) -> list[tuple[int, int, str]]:
    """Word tokens of ``text`` as ``(start, end, token)`` (Python offsets, end exclusive)."""
    return [(m.start(), m.end(), m.group()) for m in _TOKEN.finditer(text)]


def name_key(name: str) -> tuple[str, ...]:
    """The lookup key of a name: stemmed tokens, case kept, a leading article dropped."""
    words = [t for _, _, t in tokens(name)]
    while len(words) > 1 and words[0].lower() in ARTICLES:
        words = words[1:]
    return tuple(stem(w) for w in words)


def folded_key(name: str) -> str:
    """A case-insensitive key: ``" ".join(name_key(name)).lower()`` (``the U.S.`` → ``"u s"``)."""
    return " ".join(name_key(name)).lower()


@dataclass
class GazetteerEntry:
    """What the annotations say about one name: its most frequent surface form and role counts."""

    form: str
    count: int = 0
    main: Counter = field(default_factory=Counter)
    fine: Counter = field(default_factory=Counter)


@dataclass
class NameSpan:
    """A gazetteer hit in a text (Python offsets, end exclusive)."""

    start: int
    end: int
    text: str
    key: tuple[str, ...]


class Gazetteer:
    """Known entity names (from training annotations) with role counts; finds them in raw text."""

    def __init__(self, entries: dict[tuple[str, ...], GazetteerEntry] | None = None) -> None:
        self.entries: dict[tuple[str, ...], GazetteerEntry] = entries or {}
        self.max_tokens = max((len(k) for k in self.entries), default=0)

    @classmethod
    def build(cls, mentions: Iterable[object], min_count_lowercase: int = 2) -> Gazetteer:
        """Build from ``MentionAnnotation``-like objects (``.mention``, ``.main_role``, ``.fine_roles``).

        Names starting with a lowercase letter (``украинцы``, ``working class``) are common nouns as often as not:
        they are kept only when annotated at least ``min_count_lowercase`` times. One-letter names are dropped.
        """
        forms: dict[tuple[str, ...], Counter] = defaultdict(Counter)
        main: dict[tuple[str, ...], Counter] = defaultdict(Counter)
        fine: dict[tuple[str, ...], Counter] = defaultdict(Counter)
        for m in mentions:
            name = getattr(m, "mention", "").strip()
            key = name_key(name)
            if not key or (len(key) == 1 and len(key[0]) < 2):
                continue
            forms[key][name] += 1
            if getattr(m, "main_role", None):
                main[key][m.main_role] += 1  # type: ignore[attr-defined]
            fine[key].update(getattr(m, "fine_roles", []) or [])
        entries = {}
        for key, surface in forms.items():
            count = sum(surface.values())
            if key[0][:1].islower() and count < min_count_lowercase:
                continue
            entries[key] = GazetteerEntry(surface.most_common(1)[0][0], count, main[key], fine[key])
        return cls(entries)

    def __len__(self) -> int:
        return len(self.entries)

    def get(self, name: str) -> GazetteerEntry | None:
        return self.entries.get(name_key(name))

    def find(self, text: str) -> list[NameSpan]:
        """Non-overlapping known names in ``text``, longest match first, left to right."""
        toks = tokens(text)
        stems = [stem(t) for _, _, t in toks]
        found: list[NameSpan] = []
        i = 0
        while i < len(toks):
            for n in range(min(self.max_tokens, len(toks) - i), 0, -1):
                key = tuple(stems[i : i + n])
                if key in self.entries and self._contiguous(text, toks, i, n):
                    start, end = toks[i][0], toks[i + n - 1][1]
                    found.append(NameSpan(start, end, text[start:end], key))
                    i += n
                    break
            else:
                i += 1
        return found

    @staticmethod
    def _contiguous(text: str, toks: list[tuple[int, int, str]], i: int, n: int) -> bool:
        """Tokens ``i..i+n`` are one name: only spaces, hyphens, dots or apostrophes (≤ 3 chars) between them."""
        return all(_JOINERS.fullmatch(text[toks[j][1] : toks[j + 1][0]]) for j in range(i, i + n - 1))

    # --- persistence ----------------------------------------------------------------------------------------------
    def save(self, path: Path | str) -> None:
        """Write ``gazetteer.json``: one row per name ``[form, count, {main: n}, {fine: n}]`` (no article text)."""
        rows = [[e.form, e.count, dict(e.main), dict(e.fine)] for _, e in sorted(self.entries.items())]
        write_model_file(path, json.dumps({"version": 1, "names": rows}, ensure_ascii=False) + "\n")

    @classmethod
    def load(cls, path: Path | str = GAZETTEER_DIR / "gazetteer.json") -> Gazetteer:
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ModelError(f"no gazetteer at {path}; build one with benchmarks/entities.py --save-gazetteer") from None
        except json.JSONDecodeError as exc:
            raise ModelError(f"{path}: not a gazetteer file ({exc})") from None
        entries = {}
        for form, count, main, fine in data["names"]:
            entries[name_key(form)] = GazetteerEntry(form, int(count), Counter(main), Counter(fine))
        return cls(entries)


class AliasTable:
    """Canonical names of frequent entities and their variants in several languages and spellings."""

    def __init__(self, aliases: dict[str, list[str]]) -> None:
        self.canonical: dict[str, str] = {}
        for name, variants in aliases.items():
            for variant in [name, *variants]:
                self.canonical.setdefault(folded_key(variant), name)

    @classmethod
    def load(cls, path: Path | str = GAZETTEER_DIR / "aliases.json") -> AliasTable:
        try:
            return cls(json.loads(Path(path).read_text(encoding="utf-8")))
        except FileNotFoundError:
            raise ModelError(f"no alias table at {path}") from None
        except json.JSONDecodeError as exc:
            raise ModelError(f"{path}: not an alias table ({exc})") from None

    def lookup(self, name: str) -> str | None:
        """The canonical name of ``name``, or None when it is not a known alias."""
        return self.canonical.get(folded_key(name))

    def __iter__(self) -> Iterator[str]:
        return iter(set(self.canonical.values()))
