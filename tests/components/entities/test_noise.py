"""Mentions that are not names: pronouns, common words, numbers, addresses, lowercase words not in the gazetteer."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from narrascope.components.entities.gazetteer import Gazetteer
from narrascope.components.entities.mentions import FoundMention, find_mentions
from narrascope.components.entities.noise import drop_noise, is_noise


@pytest.mark.parametrize("text, language", [
    ("Он", "ru"), ("he", "en"), ("He", "en"), ("ele", "pt"), ("Ele", "pt"), ("वह", "hi"), ("Това", "bg"),
    ("शुरू", "hi"), ("दुनिया", "hi"), ("अरब", "hi"), ("2022", "en"), ("12,5", "pt"), ("X", "en"), ("—", None),
    ("Quando", "pt"), ("https://example.org/", "en"), ("@someone", "en"),
    ("ucraniano", "pt"), ("russia", "en"), ("военные", "ru"),
])  # fmt: skip
def test_pronouns_common_words_numbers_and_lowercase_words_are_noise(text: str, language: str | None) -> None:
    assert is_noise(text, language)


@pytest.mark.parametrize("text, language, known", [
    ("US", "en", False), ("ОН", "ru", False), ("G7", "en", False), ("F-16", "pt", False), ("the Kremlin", "en", False),
    ("Путин", "ru", False), ("रूस", "hi", False), ("सऊदी अरब", "hi", False), ("российские военные", "ru", True),
    ("लोगों", "hi", False), ("al-Qaeda", "en", False),
])  # fmt: skip
def test_names_acronyms_and_known_lowercase_names_are_kept(text: str, language: str, known: bool) -> None:
    assert not is_noise(text, language, known)


def test_caseless_scripts_and_unknown_languages_keep_lowercase_names() -> None:
    assert not is_noise("some name", None) and not is_noise("some name", "xx")


def test_drop_noise_asks_the_gazetteer_which_lowercase_names_are_known() -> None:
    ann = SimpleNamespace(mention="российские военные", main_role="Antagonist", fine_roles=["Tyrant"])
    gazetteer = Gazetteer.build([ann, ann])
    mentions = [FoundMention(0, 2, "Он"), FoundMention(3, 21, "российские военные"), FoundMention(22, 29, "военные")]
    assert [m.text for m in drop_noise(mentions, "ru", gazetteer)] == ["российские военные"]
    assert drop_noise(mentions, "ru") == []


def test_find_mentions_leaves_out_noise_from_the_gazetteer() -> None:
    anns = [SimpleNamespace(mention=m, main_role="Innocent", fine_roles=["Victim"]) for m in ("Он", "शुरू", "Zorland")]
    gazetteer = Gazetteer.build(anns)
    found = find_mentions("Он сказал: Zorland. शुरू", "xx", gazetteer=gazetteer, ner=False)
    assert [m.text for m in found] == ["Zorland"]
