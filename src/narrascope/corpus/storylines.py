"""Storylines: documents on the same story (one event), across outlets and languages, within a time window.

A new document joins a storyline when three things hold, else it starts one whose id derives from the founding
document (so ids are stable across incremental runs):

1. **Embedding, average linkage**: its mean cosine to the storyline's documents (the dot product with the mean of
   their unit vectors, ``Storyline.centroid``) reaches ``threshold``. Comparing with the *normalised* centroid instead
   (single-topic drift) let a storyline grow into a topic bucket: one held 100 unrelated climate articles of the
   SemEval release in four languages.
2. **Shared rare words**: the story keys it shares with the storyline (``story_keys``: stemmed content words and
   names of the title and lead, names transliterated to Latin and folded through the gazetteer aliases so that
   "Путина", "Putin" and "पुतिन" can meet) weigh at least ``min_shared`` in IDF over the documents seen, each key
   counted by the share of the storyline's documents that have it. Topic words ("climate", "war") are in too many
   documents to count much; an event's names, places and numbers are not.
3. **Time**: the storyline was active within ``window_days`` and would not span more than ``max_span_days``.

With the default "static" embedder every vector is first centred on the mean vector of its document's language
(``models/static/language_means.npz``, built by ``scripts/storyline_language_means.py``): raw static embeddings of two
unrelated articles in one language have a median cosine of 0.77, and across languages 0.01, so without centring a
threshold merges a whole language into one storyline and never links two languages.

With a store (``load``), the builder holds only the storylines a new document can join: those last seen within
``cache_days`` (two windows by default) of the latest document placed, read from the store by ``last_seen`` as the
stream moves (an older document reads its period's storylines again), plus the ``MAX_UNDATED`` undated ones updated
last. The key frequencies keep at most ``MAX_KEYS`` keys (the rarest are dropped when it fills up).

``benchmarks/storylines.py --db STORE`` prints the largest storylines of an ingested corpus with their titles;
docs/corpus.md has the figures.
"""

from __future__ import annotations

import hashlib
import itertools
import logging
import math
import sys
from collections import Counter
from collections.abc import Sequence
from collections.abc import Set as AbstractSet
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from narrascope.components.entities.gazetteer import ARTICLES, AliasTable, stem, tokens
from narrascope.dates import stored_day
from narrascope.documents import Document
from narrascope.errors import ModelError
from narrascope.sentences import shorten
from narrascope.shipped import MODELS_DIR
from narrascope.store.base import Store, StoredKeys, Storyline

if TYPE_CHECKING:
    from narrascope.embeddings.embedders import Embedder

log = logging.getLogger(__name__)

STORY_CHARS = 1500  # a storyline is judged on the title and the lead of the article
LANGUAGE_MEANS_FILE = MODELS_DIR / "static" / "language_means.npz"
CENTRED_THRESHOLD = 0.45  # cosine of centred static embeddings; docs/corpus.md says how it was chosen
RAW_THRESHOLD = 0.75
MIN_SHARED = 0.2  # IDF-weighted cosine of the story keys of a document and a storyline; docs/corpus.md
MAX_SPAN_DAYS = 30
KEY_CHARS = 6  # words are compared on their first letters: a light stemmer for every script
NAME_KEYS = "=~#"  # the first character of the keys of names (aliases, transliterated) and numbers
MAX_UNDATED = 2000  # undated storylines kept as candidates with a store
MAX_KEYS = 500_000  # story keys counted for their document frequency
MAX_KEYED = 2000  # storylines whose story keys stay in memory with a store (the others are read again when needed)
BLOCK = 64  # documents of a batch compared with the held storylines in one matrix product
CHUNK = 4096  # the held storylines' rows copied at once for that product (6 MB at 384 dimensions)
ROWS = 65_536  # room for the centroids of the storylines held (a 28-day window at 2,740 articles a day: some 30,000)
CROSS_LANGUAGE = 0.5  # share of ``min_shared`` needed in another language: many names do not meet across scripts
CROSS_THRESHOLD = 0.35  # cosine of a translation to its original, centred (0.41-0.54); docs/corpus.md
_LATIN = str.maketrans({
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh", "з": "z", "и": "i", "й": "i",
    "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f",
    "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "sht", "ъ": "a", "ы": "y", "ь": "", "э": "e", "ю": "yu", "я": "ya",
})
"""Cyrillic to Latin, so that names meet across scripts on their first letters (Скибицкий / Skibitsky: "skibit")."""


@lru_cache(maxsize=1)
def _aliases() -> AliasTable | None:
    try:
        return AliasTable.load()
    except ModelError as exc:
        log.warning("storylines: no alias table (%s); names are matched by spelling only", exc)
        return None


@lru_cache(maxsize=65536)
def _alias(name: str) -> str | None:
    """The gazetteer alias of a word (cached: the same words come again and again)."""
    aliases = _aliases()
    return aliases.lookup(name) if aliases is not None else None


_stem = lru_cache(maxsize=65536)(stem)


@lru_cache(maxsize=1)
def _pair_starts() -> frozenset[str]:
    """The first words (folded) of the aliases of two or more words."""
    aliases = _aliases()
    return frozenset(key.split()[0] for key in aliases.canonical if " " in key) if aliases is not None else frozenset()


@lru_cache(maxsize=65536)
def _may_start_pair(word: str) -> bool:
    """Whether ``word`` and the next word can be an alias: it starts one of two words or more, or is an article
    (which the alias key drops). Most words start none, and their pair is not looked up."""
    return word.lower() in ARTICLES or stem(word).lower() in _pair_starts()


def story_keys(text: str) -> set[str]:
    """What identifies a story in ``text``: names, content words and numbers, as keys comparable across languages.

    A capitalised word is a name: its gazetteer alias (``=Russia`` for Россия, Rússia, रूस) or its first letters in
    Latin script (``~putin`` for Путина, Putin). Other words of at least four letters are content words (their
    first ``KEY_CHARS`` letters, Cyrillic case endings folded); numbers of two digits or more are kept as they are.
    Devanagari has no capitals: its words are looked up as aliases, else kept whole.
    """
    aliases = _aliases()
    words = [t for _, _, t in tokens(text)]
    keys: set[str] = set()
    skip = False
    for i, word in enumerate(words):
        if skip:
            skip = False
            continue
        if word.isdigit():
            if len(word) >= 2:
                keys.add("#" + word)
            continue
        if (aliases is not None and i + 1 < len(words) and _may_start_pair(word)
                and (canonical := aliases.lookup(f"{word} {words[i + 1]}"))):
            keys.add("=" + canonical)
            skip = True
            continue
        if word[:1].isupper() or not word[:1].isalpha() or word[:1].lower() == word[:1].upper():
            canonical = _alias(word) if aliases is not None and len(word) >= 2 else None
            if canonical:
                keys.add("=" + canonical)
            elif len(word) >= 3:
                keys.add("~" + _stem(word).lower().translate(_LATIN)[:KEY_CHARS])
        elif len(word) >= 4:
            keys.add(_stem(word).lower()[:KEY_CHARS])
    return {sys.intern(key) for key in keys}  # one copy of each key, however many storylines and counts hold it


@lru_cache(maxsize=4)
def load_language_means(path: Path = LANGUAGE_MEANS_FILE) -> dict[str, np.ndarray]:
    """``{language: mean static embedding}`` plus ``""`` (the mean of the means) for other languages; {} if absent."""
    try:
        data = np.load(path)
        means = {str(lang): np.asarray(vec, dtype=np.float32) for lang, vec in zip(data["languages"], data["means"])}
    except (OSError, KeyError, ValueError) as exc:
        log.warning("storylines: no language means (%s: %s); vectors are not centred", path, exc)
        return {}
    means[""] = np.mean(list(means.values()), axis=0).astype(np.float32)
    return means


def centre(vectors: np.ndarray, languages: Sequence[str | None], means: dict[str, np.ndarray]) -> np.ndarray:
    """Subtract each row's language mean (the mean of all means for other languages) and re-normalise."""
    out = vectors - np.stack([means.get(lang or "", means[""]) for lang in languages])
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    np.divide(out, norms, out=out, where=norms > 0)
    return out.astype(np.float32)


class HashingEmbedder:
    """Fallback embedder (no model): L2-normalised hashed word and character n-gram counts; not cross-lingual."""

    name = "hashing"
    dim = 2**14

    def embed(self, texts: list[str], kind: str = "passage") -> np.ndarray:
        from sklearn.feature_extraction.text import HashingVectorizer

        vectorizer = HashingVectorizer(n_features=self.dim, analyzer="char_wb", ngram_range=(3, 5), norm="l2")
        return vectorizer.transform(texts).toarray().astype(np.float32)


def default_embedder() -> Embedder:
    """The multilingual "static" embedder, or the hashing fallback when it is not available."""
    try:
        from narrascope.embeddings.embedders import get_embedder

        return get_embedder("static")
    except Exception as exc:  # noqa: BLE001 - any model problem falls back to hashing
        log.warning("storylines: static embedder unavailable (%s); using hashed n-grams", exc)
        return HashingEmbedder()


def _day(published: str | None) -> date | None:
    try:
        return date.fromisoformat(published[:10]) if published else None
    except ValueError:
        return None


@lru_cache(maxsize=8192)
def _ordinal(seen: str | None) -> float:
    """The day ordinal of a storyline's first or last day, NaN without one (a few hundred distinct days: cached, as
    every storyline held and every one a document joins needs two)."""
    day = _day(seen)
    return float(day.toordinal()) if day else np.nan


def keep_story_keys(store: Store, batch_size: int = 2000) -> int:
    """Compute and keep the story keys of every stored document that has none (stored before schema version 12);
    returns how many. Ingests do this for the documents they need; this does it for all at once."""
    done = 0
    while missing := store.documents_without_story_keys(STORY_CHARS, batch_size):
        with store.transaction():
            store.save_story_keys({d.document_id: story_keys(d.story_text or "") for d in missing})
        done += len(missing)
    return done


class StorylineBuilder:
    """Assigns documents to storylines; ``load(store)`` continues from the stored ones.

    ``threshold``: the least mean cosine to a storyline's documents; ``min_shared``: the least IDF weight of shared
    story keys (``None`` or 0 turns the check off); ``window_days``: the longest silence of a storyline that a new
    document can still join; ``max_span_days``: the longest a storyline may last.
    """

    def __init__(self, embedder: Embedder | None = None, threshold: float | None = None, window_days: int = 14,
                 min_shared: float | None = MIN_SHARED, max_span_days: int = MAX_SPAN_DAYS,
                 cache_days: int | None = None, cross_threshold: float | None = None) -> None:
        """``threshold`` defaults to ``CENTRED_THRESHOLD`` for the centred static embedder, ``RAW_THRESHOLD`` otherwise;
        ``cross_threshold`` (for a document in a language the storyline does not have) to ``CROSS_THRESHOLD`` for the
        centred static embedder, else ``threshold``; ``cache_days`` (with a store): how long before the latest
        document a storyline stays in memory (default two windows)."""
        self.embedder = embedder
        self._threshold = threshold
        self._cross_threshold = cross_threshold
        self.window_days = window_days
        self.min_shared = min_shared or 0.0
        self.max_span_days = max_span_days
        self.storylines: dict[str, Storyline] = {}
        self._store: Store | None = None
        self._keys: dict[str, Counter[str]] = {}  # storyline id -> documents per story key
        self._members: dict[str, int] = {}  # storyline id -> documents behind ``_keys``
        self._languages: dict[str, Counter[str | None]] = {}  # storyline id -> documents per language
        self._df: Counter[str] = Counter()  # documents per story key, over every document seen
        self._titles: set[str] = set()  # the titles of the first ``_titled`` storylines (kept for distinct titles)
        self._titled = 0
        self._seen = 0
        self.cache_days = 2 * window_days if cache_days is None else cache_days
        self.max_keyed = MAX_KEYED
        self.seen_seq = 0  # the store's ingest batches this builder has seen (``narrascope.corpus.ingestion``)
        self._loaded_from: str | None = None  # with a store: every storyline last seen since this day is in memory
        self._latest: str = ""  # the latest day placed
        self._unsaved: dict[str, set[str]] = {}  # story keys computed, not yet kept by the store (take_story_keys)
        # The centroids of the storylines held, as rows of one matrix (a storyline's ``centroid`` is a view of its
        # row), with their first and last days as ordinals (-inf: a free row): a batch compares its articles with the
        # rows of its window without stacking thousands of arrays (7 s of a 15,000-article run into the 1M store).
        self._row: dict[str, int] = {}  # storyline id -> its row
        self._reset_rows(None)  # the rows' width: the embedder's, known at the first batch

    def load(self, store: Store, max_documents: int = 2000) -> StorylineBuilder:
        """Continue from ``store``'s storylines (read by period as documents come); its first ``max_documents``
        documents give the key frequencies."""
        self._store = store
        self.seen_seq = store.ingest_sequence()
        self._loaded_from, self._latest = None, ""
        self._reset_rows(self._dim)
        self.storylines = {}
        for story in reversed(store.undated_storylines(MAX_UNDATED)):
            self._hold(story)
        # any storyline stored: the first by size, read through its index (a count read 47,000 pages at 1M)
        if self.min_shared and store.storylines(limit=1, total=1).items:
            for stored in store.sample_story_keys(STORY_CHARS, max_documents):
                self._count(self._stored_keys(stored))
        return self

    def _stored_keys(self, stored: StoredKeys) -> AbstractSet[str]:
        """A stored document's story keys: as stored (interned by the store), or computed from its title and lead
        (and kept for ``take_story_keys``, so that the next ingest reads them)."""
        if stored.keys is not None:
            return stored.keys
        keys = story_keys(stored.story_text or "")
        self._unsaved[stored.document_id] = keys
        return keys

    def take_story_keys(self) -> dict[str, set[str]]:
        """The story keys computed since the last call, by document id, for the store to keep
        (``Store.save_story_keys``): those of the documents placed, and of stored documents that had none."""
        unsaved, self._unsaved = self._unsaved, {}
        return unsaved

    def catch_up(self, store: Store, documents: Sequence[tuple[Document, str | None]]) -> None:
        """Take in ``(document, storyline id)`` that another process stored since ``load``: their keys count in the
        frequencies, and their storylines are read again (their size and centroid changed)."""
        self._store = store
        if self.min_shared:
            for doc, _ in documents:
                self._count(story_keys(self._story_text(doc)))
        sids = {sid for _, sid in documents if sid}
        for story in store.storylines_by_id(sids):
            self._hold(story)
        for sid in sids:  # their documents are read again when needed
            for cache in (self._keys, self._members, self._languages):
                cache.pop(sid, None)

    @property
    def centred(self) -> bool:
        """Whether vectors are centred on their language's mean (the static embedder with its means file)."""
        if self.embedder is None:
            self.embedder = default_embedder()
        return getattr(self.embedder, "name", None) == "static" and bool(load_language_means())

    @property
    def threshold(self) -> float:
        if self._threshold is not None:
            return self._threshold
        return CENTRED_THRESHOLD if self.centred else RAW_THRESHOLD

    @property
    def cross_threshold(self) -> float:
        """The least mean cosine for a document in a language the storyline does not have yet."""
        if self._cross_threshold is not None:
            return self._cross_threshold
        return min(CROSS_THRESHOLD, self.threshold) if self.centred else self.threshold

    def threshold_for(self, sid: str, language: str | None) -> float:
        """The least mean cosine for a ``language`` document to join storyline ``sid``: between ``threshold`` and
        ``cross_threshold`` by the share of the storyline's documents in that language. Translations of one story
        are less alike than its articles in one language, so the mean over a storyline in three languages is lower
        than over one in a single language."""
        languages = self._languages.get(sid)
        members = sum(languages.values()) if languages else 0
        if not members:
            return self.threshold
        same = languages[language] / members  # type: ignore[index]
        return same * self.threshold + (1 - same) * self.cross_threshold

    @staticmethod
    def _story_text(document: Document) -> str:
        return f"{document.title or ''}\n{document.text[:STORY_CHARS]}"

    def _embed(self, documents: Sequence[Document]) -> np.ndarray:
        """Unit vectors of the title and lead, centred on their language's mean when ``centred``."""
        if self.embedder is None:
            self.embedder = default_embedder()
        vectors = np.asarray(self.embedder.embed([self._story_text(d) for d in documents]), dtype=np.float32)
        if self.centred:
            return centre(vectors, [d.language for d in documents], load_language_means())
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        np.divide(vectors, norms, out=vectors, where=norms > 0)
        return vectors

    def distinct_title(self, document: Document) -> str:
        """The title of a storyline that ``document`` starts: its title (or first words), followed by its outlet and
        day when another storyline already has that title (a copy on a story that the key check kept apart, or
        one headline reused for two events)."""
        if len(self.storylines) != self._titled:  # storylines read or taken in since
            self._titles = {story.title for story in self.storylines.values()}
            self._titled = len(self.storylines)
        title = candidate = shorten(document.title or document.text, 90)
        where = ", ".join(filter(None, [document.outlet, (document.published or "")[:10]]))
        n = 1
        while candidate in self._titles:
            n += 1
            candidate = f"{title} ({where})" if n == 2 and where else f"{title} ({where + ', ' if where else ''}{n})"
        self._titles.add(candidate)
        self._titled += 1  # the storyline about to be made with it
        return candidate

    def _count(self, keys: AbstractSet[str]) -> None:
        self._df.update(keys)
        self._seen += 1
        if len(self._df) > MAX_KEYS:  # drop the rarest keys (their IDF becomes that of an unseen key)
            rare = 1
            while len(self._df) > MAX_KEYS * 3 // 4:
                for key in [k for k, n in self._df.items() if n <= rare]:
                    del self._df[key]
                rare += 1

    def _follow(self, documents: Sequence[Document]) -> None:
        """With a store: read the storylines that ``documents`` may join and are not in memory (last seen within
        ``window_days`` before them), and forget those last seen over ``cache_days`` before the latest document."""
        if self._store is None:
            return
        days = sorted(d for d in (_day(doc.published) for doc in documents) if d)
        since = None
        if days:
            since = (days[0] - timedelta(days=self.window_days)).isoformat()
            if self._loaded_from is None or since < self._loaded_from:
                for story in self._store.storylines_seen_since(since, self._loaded_from):
                    if story.id not in self.storylines:
                        self._hold(story)
                self._loaded_from = since
            self._latest = max(self._latest, days[-1].isoformat())
        cutoff = (date.fromisoformat(self._latest) - timedelta(days=self.cache_days)).isoformat() if self._latest else ""
        cutoff = min(cutoff, since or cutoff)  # never what this batch may join
        gone: list[str] = []
        if self._loaded_from is not None and cutoff > self._loaded_from:
            gone = [sid for sid, story in self.storylines.items() if story.last_seen is not None and story.last_seen < cutoff]
            self._loaded_from = cutoff
        undated = [sid for sid, story in self.storylines.items() if story.last_seen is None]
        for sid in gone + undated[: max(0, len(undated) - MAX_UNDATED)]:
            self._release(sid)
            del self.storylines[sid]
            for cache in (self._keys, self._members, self._languages):
                cache.pop(sid, None)
        # the story keys of the storylines used least recently are forgotten (the store has their documents)
        for sid in list(itertools.islice(self._keys, max(0, len(self._keys) - self.max_keyed))):
            for cache in (self._keys, self._members, self._languages):
                cache.pop(sid, None)

    def _idf(self, key: str) -> float:
        return math.log((self._seen + 1) / (self._df.get(key, 0) + 1)) + 1.0  # as scikit-learn: never 0

    def _story_keys(self, sid: str) -> tuple[Counter[str], int]:
        """Documents per key of storyline ``sid`` and how many documents that counts (stored ones read once)."""
        if sid in self._keys:  # used last: forgotten last (``_follow``)
            self._keys[sid] = self._keys.pop(sid)
        else:
            counts: Counter[str] = Counter()
            members = 0
            languages: Counter[str | None] = Counter()
            if self._store is not None:
                stored = self._store.storyline_story_keys(sid, STORY_CHARS, limit=100)
                for document in stored:
                    counts.update(self._stored_keys(document))
                    languages[document.language] += 1
                members = len(stored)
            self._keys[sid], self._members[sid], self._languages[sid] = counts, members, languages
        return self._keys[sid], self._members[sid]

    def shared_weight(self, keys: set[str], sid: str, language: str | None = None) -> float:
        """Cosine of ``keys`` and storyline ``sid``'s keys, weighted by IDF (a key of the storyline by the share of its
        documents that have it): 1 for the same keys, 0 for none shared. When the storyline has no document in
        ``language`` only names and numbers count (content words never meet across languages). A storyline whose
        documents are unknown (a stored one with none readable) shares everything.
        """
        counts, members = self._story_keys(sid)
        if not members:
            return 1.0
        if language not in self._languages[sid]:
            keys = {k for k in keys if k[0] in NAME_KEYS}
            counts = Counter({k: n for k, n in counts.items() if k[0] in NAME_KEYS})
        if not keys or not counts:
            return 0.0
        dot = sum(self._idf(k) ** 2 * counts[k] / members for k in keys if k in counts)
        if not dot:
            return 0.0
        doc_norm = math.sqrt(sum(self._idf(k) ** 2 for k in keys))
        story_norm = math.sqrt(sum((self._idf(k) * n / members) ** 2 for k, n in counts.items()))
        return dot / (doc_norm * story_norm)

    def _hold(self, story: Storyline) -> None:
        """Hold ``story`` (in place of a held one with its id): its centroid becomes a view of a row of the matrix,
        when it has the rows' width (a storyline of another width is never a candidate)."""
        if story.id in self.storylines:
            self._release(story.id)
        story.centroid = np.asarray(story.centroid, dtype=np.float32)
        if self._dim is None and len(story.centroid):  # the stored storylines' width, until a batch says otherwise:
            self._reset_rows(len(story.centroid))  # so that they go to their rows as they are read, never all as arrays
        if self._dim is not None and len(story.centroid) == self._dim:
            if not self._free:
                self._grow(1)
            row = self._free.pop()
            self._matrix[row] = story.centroid
            story.centroid = self._matrix[row]
            self._row[story.id], self._sids[row] = row, story.id
            self._first[row], self._last[row] = _ordinal(story.first_seen), _ordinal(story.last_seen)
            one = next(iter(story.languages)) if len(story.languages) == 1 else None
            self._languages_of[row] = "" if not story.size else one
            story.languages = {}  # a summary: only its one language is kept (above)
        self.storylines[story.id] = story

    def _release(self, sid: str) -> None:
        """Free storyline ``sid``'s row; its object keeps a copy of its centroid."""
        row = self._row.pop(sid, None)
        if row is not None:
            story = self.storylines[sid]
            story.centroid = story.centroid.copy()
            self._sids[row], self._first[row], self._last[row] = "", np.nan, -np.inf
            self._free.append(row)

    def _reset_rows(self, dim: int | None) -> None:
        """No rows held (the storylines held keep copies of their centroids), and an empty matrix of width ``dim``."""
        for sid in list(self._row):
            self._release(sid)
        self._dim = dim
        self._matrix = np.zeros((0, dim or 0), dtype=np.float32)
        self._first = np.zeros(0)
        self._last = np.zeros(0)
        self._sids: list[str] = []  # the storyline id of each row ("" when free)
        # the language of all of each row's documents: "" for none yet (made here), None when unknown or mixed; a
        # storyline all in an article's language is not read from the store to learn that its bar is ``threshold``
        self._languages_of: list[str | None] = []
        self._free: list[int] = []

    def _window(self, since: int | None) -> np.ndarray:
        """The rows of the storylines last seen on day ordinal ``since`` or later, and of the undated ones (every
        storyline held when ``since`` is None)."""
        if since is None:
            return np.flatnonzero(self._last != -np.inf)  # undated ones: NaN
        with np.errstate(invalid="ignore"):
            return np.flatnonzero((self._last >= since) | np.isnan(self._last))

    def _grow(self, least: int) -> None:
        """Make room for at least ``least`` more free rows (the held storylines' centroids follow to the new
        matrix)."""
        n = len(self._sids)
        size = max(ROWS, 2 * n, n + least)
        # calloc: the rows never written take no memory, so the first matrix has room for a full window and is
        # seldom copied (a copy holds the old and the new rows at once)
        matrix = np.zeros((size, self._dim or 0), dtype=np.float32)
        matrix[:n] = self._matrix
        for sid, row in self._row.items():
            self.storylines[sid].centroid = matrix[row]
        self._matrix = matrix
        self._first = np.concatenate([self._first, np.full(size - n, np.nan)])
        self._last = np.concatenate([self._last, np.full(size - n, -np.inf)])
        self._sids += [""] * (size - n)
        self._languages_of += [None] * (size - n)
        self._free += range(size - 1, n - 1, -1)  # the lowest first

    def _rows_for(self, dim: int, spare: int) -> None:
        """Rows of width ``dim`` for every held storyline of that width (those of another width keep their arrays),
        and ``spare`` free rows, so that no row moves while a batch is placed."""
        if self._dim != dim:
            self._reset_rows(dim)
            for story in list(self.storylines.values()):
                self._hold(story)
        if len(self._free) < spare:
            self._grow(spare - len(self._free))

    def assign(self, documents: Sequence[Document]) -> tuple[dict[str, list[str]], list[Storyline]]:
        """``({storyline_id: [document ids]}, changed storylines)`` for ``documents`` (in publication order)."""
        if not documents:
            return {}, []
        self._follow(documents)
        vectors = self._embed(documents)
        keys = [story_keys(self._story_text(d)) for d in documents] if self.min_shared else [set() for _ in documents]
        for doc_keys in keys:  # the batch counts in the frequencies before any of it is placed
            self._count(doc_keys)
        if self.min_shared and self._store is not None:
            self._unsaved.update((doc.id, doc_keys) for doc, doc_keys in zip(documents, keys))
        lowest, same_language = min(self.threshold, self.cross_threshold), self.threshold
        order = sorted(range(len(documents)), key=lambda i: documents[i].published or "")
        # Mean vectors and first/last-seen days of every storyline, as arrays: one matrix-vector product per document
        # (a Python loop over thousands of storylines per document made 10k documents 60% slower).
        self._rows_for(vectors.shape[1], len(documents))  # room for one new storyline per document
        # only the storylines that a document of this batch may join (undated ones always may): their rows, by position
        days = [d for d in (_day(doc.published) for doc in documents) if d]
        window = self._window((min(days) - timedelta(days=self.window_days)).toordinal()
                              if days and len(days) == len(documents) else None)
        held = len(window)
        rows = np.empty(held + len(documents), dtype=np.intp)  # the row of each position
        rows[:held] = window
        first, last = np.zeros(len(rows)), np.zeros(len(rows))  # by position; a new storyline's set when it is made
        first[:held], last[:held] = self._first[window], self._last[window]
        positions = held
        # every document against every storyline at once (one matrix product, not one per document: the window holds
        # some 14,000 storylines at 2,740 articles a day); the rows that change while the batch is placed (a storyline
        # joined, a new one) are compared again per document
        before: dict[int, np.ndarray] = {}  # a block of BLOCK documents (in ``order``) against the held storylines
        changed_at: set[int] = set()  # positions
        assigned: dict[str, list[str]] = {}
        changed: dict[str, Storyline] = {}
        for n, i in enumerate(order):
            if n % BLOCK == 0:  # by blocks: 256 documents x 20,000 storylines at once was 20 MB more at the peak
                block = order[n : n + BLOCK]
                sims_block = np.empty((len(block), held), dtype=np.float32)
                for start in range(0, held, CHUNK):  # the window's rows copied a chunk at a time
                    stop = min(start + CHUNK, held)
                    sims_block[:, start:stop] = vectors[block] @ self._matrix[rows[start:stop]].T
                before = dict(zip(block, sims_block))
            doc, vec = documents[i], vectors[i]
            when = _day(doc.published)
            best: Storyline | None = None
            at = -1
            if positions:
                sims = np.empty(positions, dtype=np.float32)
                sims[:held] = before[i]
                if changed_at:
                    again = np.fromiter(changed_at, dtype=np.intp, count=len(changed_at))
                    sims[again] = self._matrix[rows[again]] @ vec
                if when:
                    ordinal = when.toordinal()
                    with np.errstate(invalid="ignore"):  # storylines without a date (NaN) stay candidates
                        sims[np.abs(last[:positions] - ordinal) > self.window_days] = -np.inf
                        span = np.fmax(last[:positions], ordinal) - np.fmin(first[:positions], ordinal)
                        sims[span > self.max_span_days] = -np.inf
                top = np.argpartition(-sims, 5)[:5] if len(sims) > 5 else np.arange(len(sims))
                for k in top[np.argsort(-sims[top], kind="stable")]:  # the most similar that share the story's keys
                    if sims[k] < lowest:
                        break
                    sid = self._sids[rows[k]]
                    if (sims[k] < same_language and doc.language and sid not in self._keys
                            and self._languages_of[rows[k]] == doc.language):
                        continue  # all its documents in this one's language: ``threshold_for`` is ``threshold``
                    if self.min_shared or self._store is not None:
                        self._story_keys(sid)  # reads a stored storyline's documents and languages
                    if sims[k] < self.threshold_for(sid, doc.language):
                        continue
                    needed = self.min_shared * (1.0 if doc.language in self._languages.get(sid, {doc.language: 1})
                                                else CROSS_LANGUAGE)
                    if not needed or self.shared_weight(keys[i], sid, doc.language) >= needed:
                        best, at = self.storylines[sid], int(k)
                        break
            if best is None:
                sid = "s-" + hashlib.sha1(doc.id.encode("utf-8")).hexdigest()[:12]
                if sid in self._row:  # an id made again: a storyline of this batch's window keeps its position
                    found = np.flatnonzero(rows[:positions] == self._row[sid])
                    at = int(found[0]) if len(found) else -1
                best = Storyline(sid, self.distinct_title(doc), size=0,
                                 centroid=np.zeros(len(vec), dtype=np.float32),  # pragma: no mutate -- times size 0
                                 )
                self._hold(best)
                self._keys[sid], self._members[sid], self._languages[sid] = Counter(), 0, Counter()
                if at < 0:
                    at, positions = positions, positions + 1
                rows[at] = self._row[sid]
            row = rows[at]
            if self._languages_of[row] != doc.language:  # "" (none yet): now one; another: mixed
                self._languages_of[row] = doc.language if self._languages_of[row] == "" else None
            centroid = best.centroid  # a view of its row: updated in place
            centroid *= best.size
            centroid += vec
            centroid /= best.size + 1
            best.size += 1
            if self.min_shared:
                counts, members = self._story_keys(best.id)
                counts.update(keys[i])
                self._members[best.id] = members + 1
            if best.id in self._languages:
                self._languages[best.id][doc.language] += 1
            day = stored_day(doc.published)
            if day:
                best.first_seen = min(filter(None, [best.first_seen, day]))
                best.last_seen = max(filter(None, [best.last_seen, day]))
            self._first[row] = first[at] = _ordinal(best.first_seen)
            self._last[row] = last[at] = _ordinal(best.last_seen)
            changed_at.add(at)
            assigned.setdefault(best.id, []).append(doc.id)
            changed[best.id] = best
        return assigned, list(changed.values())
