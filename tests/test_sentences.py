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


def texts(text: str, min_chars: int = 1) -> list[str]:
    return [s.text for s in split_sentences(text, min_chars)]


def test_abbreviations_and_initials_do_not_end_a_sentence() -> None:
    assert texts("Dr. Smith met Mr. Jones in the U.S. yesterday. They talked.") == [
        "Dr. Smith met Mr. Jones in the U.S. yesterday.", "They talked."]
    assert texts("J. K. Rowling wrote it. Then she rested.") == ["J. K. Rowling wrote it.", "Then she rested."]
    assert texts("Встреча на ул. Ленина прошла. Все ушли.") == ["Встреча на ул. Ленина прошла.", "Все ушли."]


def test_a_line_break_ends_a_sentence_even_after_an_abbreviation() -> None:
    assert texts("He moved to the U.S.\nThe family stayed.") == ["He moved to the U.S.", "The family stayed."]


def test_a_sentence_of_exactly_min_chars_is_kept() -> None:
    assert texts("Yes. Okay then. No.", min_chars=4) == ["Yes.", "Okay then."]


def test_shorten_keeps_a_text_of_exactly_the_limit() -> None:
    assert shorten("Prices rise", len("Prices rise")) == "Prices rise"
