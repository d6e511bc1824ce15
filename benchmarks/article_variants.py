"""Distinct benchmark documents from the SemEval training articles: the real articles, then variants that change words.

Used by ``scale.py`` and ``web.py`` so that no two measured documents share their text and per-word caches do not
make a long run look faster than real text would. The first documents are the 1,781 training articles themselves;
each further one (and one for each text the training set repeats) is a *variant* of a random article:

- about a quarter of its content words (4+ characters, no digits) are swapped for content words of another article
  of the same language (so the vocabulary changes, not only a number);
- its sentence order is shuffled (half of the variants) or a few neighbouring sentences trade places;
- up to a fifth of its sentences are dropped (at least three are kept) and one sentence may be repeated.

Nothing is written anywhere; the articles are read from ``DATA_DIR`` (research use only: never copy them into the
repository).
"""

from __future__ import annotations

import random
import sys
from dataclasses import dataclass
from pathlib import Path

from narrascope.documents import Document
from narrascope.semeval.io import LANGUAGE_CODES, read_raw_document
from narrascope.sentences import split_sentences

DATA_DIR = Path(__file__).resolve().parents[2] / "shared" / "data" / "semeval2025-task10"
PUNCTUATION = "\"'()[]{}«»“”„‘’.,;:!?—–-…|"


@dataclass
class Article:
    id: str
    language: str
    text: str
    title: str
    sentences: list[str]  # the body's sentences, title excluded
    words: list[str]  # its content words, in order, repeats kept


def _is_content(word: str) -> bool:
    return len(word) >= 4 and not any(c.isdigit() for c in word)


def read_articles(data: Path = DATA_DIR) -> list[Article]:
    """The training articles of every language under ``data`` (interleaved by language); exits with a message
    saying where the data should be when there is none."""
    per_language: list[list[Article]] = []
    for folder, code in LANGUAGE_CODES.items():
        found = []
        for path in sorted((data / folder / "raw-documents").glob("*.txt")):
            doc = read_raw_document(path)
            title = doc.title or ""
            body = doc.text.split(title, 1)[1] if title and title in doc.text else doc.text
            sentences = [s.text for s in split_sentences(body) if s.text.strip()]
            words = [w.strip(PUNCTUATION) for w in body.split()]
            found.append(Article(path.stem, code, doc.text, title, sentences, [w for w in words if _is_content(w)]))
        per_language.append(found)
    articles = [a for group in zip(*per_language) for a in group]
    shortest = min(map(len, per_language))
    articles += [a for group in per_language for a in group[shortest:]]
    if not articles:
        sys.exit(f"no SemEval training articles under {data} (expected {data}/EN/raw-documents/*.txt and the other "
                 "languages): pass the folder of the SemEval-2025 Task 10 training release with --data")
    return articles


def _swap_words(text: str, donor: Article, rng: random.Random, share: float) -> str:
    tokens = text.split(" ")
    for i, token in enumerate(tokens):
        core = token.strip(PUNCTUATION)
        if donor.words and _is_content(core) and rng.random() < share:
            tokens[i] = token.replace(core, rng.choice(donor.words), 1)
    return " ".join(tokens)


def variant(article: Article, donor: Article, rng: random.Random) -> tuple[str, str]:
    """``(title, text)`` of one variant of ``article`` with words taken from ``donor`` (same language)."""
    sentences = list(article.sentences)
    if rng.random() < 0.5:
        rng.shuffle(sentences)
    else:
        for _ in range(max(1, len(sentences) // 5)):
            if len(sentences) > 1:
                k = rng.randrange(len(sentences) - 1)
                sentences[k], sentences[k + 1] = sentences[k + 1], sentences[k]
    for _ in range(rng.randint(0, max(0, min(len(sentences) - 3, len(sentences) // 5)))):
        sentences.pop(rng.randrange(len(sentences)))
    if sentences and rng.random() < 0.5:
        k = rng.randrange(len(sentences))
        sentences.insert(k + 1, sentences[k])
    title = _swap_words(article.title, donor, rng, 0.25) if article.title else ""
    body = [_swap_words(s, donor, rng, 0.25) for s in sentences]
    paragraphs = [" ".join(body[i : i + 4]) for i in range(0, len(body), 4)]
    return title, "\n\n".join([title, *paragraphs]) if title else "\n\n".join(paragraphs)


def varied_texts(articles: list[Article], n: int, seed: int = 0,
                 originals: bool = True) -> list[tuple[Article, str, str]]:
    """``n`` distinct ``(base article, title, text)``: the articles themselves first (when ``originals``), then
    variants of random articles. No two texts are equal (a repeated article or a rare collision is left out)."""
    rng = random.Random(seed)
    by_language: dict[str, list[Article]] = {}
    for article in articles:
        by_language.setdefault(article.language, []).append(article)
    out: list[tuple[Article, str, str]] = []
    seen: set[str] = set()
    if originals:
        for article in articles:  # the training set repeats a few texts: each is taken once
            if len(out) < n and article.text not in seen:
                out.append((article, article.title, article.text))
                seen.add(article.text)
    while len(out) < n:
        article = rng.choice(articles)
        peers = by_language[article.language]
        donor = rng.choice([a for a in peers if a is not article] or peers) if len(peers) > 1 else article
        title, text = variant(article, donor, rng)
        if text not in seen:
            seen.add(text)
            out.append((article, title, text))
    return out


def varied_documents(n: int, articles: list[Article], seed: int = 0, prefix: str = "doc",
                     language: bool = False) -> list[Document]:
    """``n`` distinct Documents (ids ``<prefix>-000000``...); the language is left unset unless ``language``, so the
    language step really runs."""
    return [Document(id=f"{prefix}-{i:06d}", text=text, title=title or None,
                     language=article.language if language else None)
            for i, (article, title, text) in enumerate(varied_texts(articles, n, seed))]
