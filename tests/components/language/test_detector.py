"""Language identification on tiny hand-written snippets in the languages narrascope targets."""

from __future__ import annotations

import pytest

from narrascope.components.language.detector import detect_language

SNIPPETS = {
    "en": "The town council met on Tuesday evening to discuss the new bus timetable and the price of parking.",
    "bg": "Общинският съвет се събра във вторник вечерта, за да обсъди новото разписание на автобусите.",
    "ru": "Городской совет собрался во вторник вечером, чтобы обсудить новое расписание автобусов и цены.",
    "pt": "A câmara municipal reuniu-se na terça-feira à noite para discutir o novo horário dos autocarros.",
    "hi": "नगर परिषद ने मंगलवार शाम को नई बस समय सारणी और पार्किंग की कीमत पर चर्चा करने के लिए बैठक की।",
    "uk": "Міська рада зібралася у вівторок увечері, щоб обговорити новий розклад автобусів і ціни на паркування.",
}


@pytest.mark.parametrize("expected", sorted(SNIPPETS))
def test_detects_each_target_language(expected: str) -> None:
    assert detect_language(SNIPPETS[expected]) == expected


def test_only_the_first_characters_are_used() -> None:
    text = SNIPPETS["bg"] + " " + SNIPPETS["en"] * 50
    assert detect_language(text, max_chars=len(SNIPPETS["bg"])) == "bg"
    assert detect_language(text, max_chars=len(text)) == "en"


@pytest.mark.parametrize("text", ["", "  ", "ab", "12345 678 90", "!!! ???"])
def test_undecidable_text_gives_none(text: str) -> None:
    assert detect_language(text) is None
