"""TermCounter counts exactly what scikit-learn's CountVectorizer counts, for documents and for spans of them."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import sparse

from narrascope.components.narratives.features import BLOCKS, TermCounter, char_wb_ngrams, count_terms, sublinear_tfidf
from narrascope.sentences import split_sentences

TEXTS = [
    "NATO soldiers are fighting in Ukraine. The West provoked this war and sends troops!",
    "Западные наемники управляют ракетными системами. Запад воюет с Россией — так заявил Кремль.",
    "Запад воює з Росією. НАТО е страна във войната, казват от Москва.",
    "नाटो के सैनिक यूक्रेन में लड़ रहे हैं। पश्चिम ने युद्ध भड़काया।",
    "Os soldados da OTAN  lutam na Ucrânia.\n\nO Ocidente   provocou a guerra, diz o Kremlin.",
    "A b c. I x İstanbul ΣΟΦΟΣ ok",  # one-letter words, a lower() that changes length, final sigma
    "",
    "   \n\t ",
    "NATO NATO NATO war war. War!",
]


@pytest.fixture(scope="module")
def vocabulary() -> dict[str, list[str]]:
    return count_terms(TEXTS * 3).terms  # every n-gram reaches min_df


def test_char_wb_ngrams_match_scikit_learn() -> None:
    from sklearn.feature_extraction.text import CountVectorizer

    analyzer = CountVectorizer(**BLOCKS["char"]).build_analyzer()
    for word in ["a", "ab", "abc", "abcd", "nato", "украина", "यूक्रेन"]:
        assert char_wb_ngrams(word) == analyzer(word)


def test_document_counts_equal_count_vectorizer(vocabulary: dict[str, list[str]]) -> None:
    from sklearn.feature_extraction.text import CountVectorizer

    counts, spans = TermCounter(vocabulary).count(TEXTS)
    assert spans is None
    for block, terms in vocabulary.items():
        reference = CountVectorizer(**BLOCKS[block], vocabulary=terms).transform(TEXTS)
        assert counts.matrices[block].shape == reference.shape
        assert abs(counts.matrices[block] - reference).sum() == 0, block


def test_counts_are_the_same_with_a_warm_word_cache(vocabulary: dict[str, list[str]]) -> None:
    counter = TermCounter(vocabulary)
    first, _ = counter.count(TEXTS)
    second, _ = counter.count(TEXTS[::-1])
    for block in vocabulary:
        assert abs(first.matrices[block] - second.matrices[block][::-1]).sum() == 0


def test_span_counts_equal_counting_the_sentence_alone(vocabulary: dict[str, list[str]]) -> None:
    counter = TermCounter(vocabulary)
    spans = [[(s.start, s.end) for s in split_sentences(text)] for text in TEXTS]
    docs, sentences = counter.count(TEXTS, spans)
    alone, _ = counter.count([text[a:b] for text, own in zip(TEXTS, spans) for a, b in own])
    assert sentences is not None and sentences.n == sum(map(len, spans)) > len([t for t in TEXTS if t.strip()])
    for block in vocabulary:
        assert abs(sentences.matrices[block] - alone.matrices[block]).sum() == 0, block
    # the document counts also hold the bigrams that straddle two sentences ("troops nato" is not one of them)
    total = np.asarray(docs.matrices["word"].sum(axis=1)).ravel()
    first_doc_spans = np.asarray(sentences.matrices["word"][: len(spans[0])].sum())
    assert total[0] > first_doc_spans


def test_sublinear_tfidf_equals_scikit_learn() -> None:
    from sklearn.feature_extraction.text import TfidfTransformer

    counts = sparse.csr_matrix(np.array([[3, 0, 1, 0], [0, 0, 0, 0], [1, 2, 0, 5]], dtype=np.float32))
    reference = TfidfTransformer(sublinear_tf=True).fit(counts)
    ours = sublinear_tfidf(counts, reference.idf_.astype(np.float32))
    assert np.allclose(ours.toarray(), reference.transform(counts).toarray(), atol=1e-6)
