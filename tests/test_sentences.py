"""Sentence splitting offsets and the word-boundary shortening used for titles."""

from __future__ import annotations

from narrascope.sentences import shorten, split_sentences


def test_sentences_keep_exact_offsets() -> None:
    text = "NATO is at war.  Washington denied it!\nThe Kremlin said so."
    for sentence in split_sentences(text):
        assert text[sentence.start : sentence.end] == sentence.text
    assert [s.text for s in split_sentences(text)][0] == "NATO is at war."


def test_shorten_cuts_at_a_word_boundary_with_an_ellipsis() -> None:
    title = "Russia Alleges United States Directly Involved In Ukraine War"
    assert shorten(title, 100) == title
    short = shorten(title, 30)
    assert len(short) <= 30 and short.endswith("…")
    assert short == "Russia Alleges United States…"
    assert shorten("a  b\n c", 10) == "a b c"
    assert shorten("x" * 50, 10) == "x" * 9 + "…"  # one long word: a hard cut
