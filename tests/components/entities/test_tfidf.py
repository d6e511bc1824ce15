"""FixedTfidf repeats a fitted scikit-learn TfidfVectorizer's transform, without importing scikit-learn."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer

from narrascope.components.entities.framer import _CONTEXT_TFIDF, _NAME_TFIDF
from narrascope.components.entities.tfidf import FixedTfidf

TRAIN = [
    "NATO states are directly involved in the war, the minister said.",
    "Министр обороны заявил, что страны НАТО напрямую участвуют в войне.",
    "Министр обороны  заявил:\tНАТО  и США участвуют.",
    "रक्षा मंत्री ने कहा कि नाटो देश सीधे युद्ध में शामिल हैं",
    "O ministro disse que a NATO está envolvida na guerra. O ministro disse!",
    "The minister said NATO, the US and the EU are involved; the minister said so twice.",
    "a b c de fgh ijkl mnopq",
]
NEW = [
    "The minister said that NATO is involved in the war in Ukraine.",
    "министр НАТО  войне\r\nзаявил   США",
    "",
    "   ",
    "x y z",  # only words shorter than every n-gram / token of two characters
    "The the THE minister minister said said said",
    "नाटो देश युद्ध",
]


@pytest.mark.parametrize("params", [_CONTEXT_TFIDF, _NAME_TFIDF, {"analyzer": "char_wb", "ngram_range": (1, 3)},
                                    {"ngram_range": (2, 3), "sublinear_tf": True}])
def test_transform_equals_scikit_learn_for_the_framer_settings(params) -> None:
    reference = TfidfVectorizer(**(params | {"min_df": 1})).fit(TRAIN)
    fixed = FixedTfidf.from_params(params, reference.vocabulary_, reference.idf_.astype(np.float32))
    expected = TfidfVectorizer(**(params | {"min_df": 1}), vocabulary=reference.vocabulary_)
    expected.idf_ = reference.idf_.astype(np.float32).astype(np.float64)  # what the saved framer keeps
    want, got = expected.transform(TRAIN + NEW), fixed.transform(TRAIN + NEW)
    assert got.shape == want.shape and got.nnz == want.nnz > 0
    np.testing.assert_allclose(got.toarray(), want.toarray(), rtol=1e-12, atol=1e-15)
    assert got[len(TRAIN) + 2].nnz == 0  # an empty text is an empty row


def test_unsupported_analyzer_is_refused() -> None:
    with pytest.raises(ValueError, match="char"):
        FixedTfidf({"ab": 0}, np.ones(1), analyzer="char")


def test_loaded_framer_transforms_without_scikit_learn() -> None:
    import subprocess
    import sys

    code = ("import sys; from narrascope.components.entities.framer import EntityFramer, MentionContext, shipped_framer;"
            "f = shipped_framer(); t = 'The minister said NATO is involved.';"
            "f.predict([MentionContext(t, t.index('NATO'), t.index('NATO') + 4)]);"
            "print('sklearn' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
