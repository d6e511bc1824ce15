"""Dictionary forms of Russian and Bulgarian entity names."""

from __future__ import annotations

import pytest

from narrascope.components.entities.mentions import FoundMention, assign_entities
from narrascope.components.entities.gazetteer import AliasTable
from narrascope.components.entities.normal import normal_name


@pytest.mark.parametrize("name, expected", [
    ("Европейския съюз", "Европейски съюз"), ("Европейският съюз", "Европейски съюз"), ("режимът", "режим"),
    ("киевския режим", "киевски режим"), ("войските", "войски"), ("армията", "армия"),
    ("Русия", "Русия"), ("САЩ", "САЩ"), ("Зеленски", "Зеленски"),
])  # fmt: skip
def test_bulgarian_definite_articles_are_stripped(name: str, expected: str) -> None:
    assert normal_name(name, "bg") == expected


def test_other_languages_and_latin_names_are_unchanged() -> None:
    assert normal_name("Estados Unidos", "pt") == "Estados Unidos"
    assert normal_name("Biden", "ru") == "Biden"
    assert normal_name("राष्ट्रपति", "hi") == "राष्ट्रपति"


@pytest.mark.slow
@pytest.mark.parametrize("name, expected", [
    ("киевского режима", "киевский режим"), ("Киевскому режиму", "Киевский режим"), ("киевский режим", "киевский режим"),
    ("Министерства обороны России", "Министерство обороны России"), ("Вооруженных сил Украины", "Вооруженные силы Украины"),
    ("Владимира Путина", "Владимир Путин"), ("Марии Захаровой", "Мария Захарова"), ("президента России", "президент России"),
    ("российских военных", "российские военные"), ("Белого дома", "Белый дом"), ("НАТО", "НАТО"),
])  # fmt: skip
def test_russian_names_are_put_into_the_nominative(name: str, expected: str) -> None:
    pytest.importorskip("natasha")
    assert normal_name(name, "ru") == expected


@pytest.mark.slow
def test_inflected_forms_in_two_documents_get_one_entity_key() -> None:
    pytest.importorskip("natasha")
    aliases = AliasTable({"United States": ["Washington", "Вашингтон"]})
    one = [FoundMention(0, 16, "киевского режима"), FoundMention(20, 30, "Вашингтона")]
    two = [FoundMention(0, 14, "киевский режим"), FoundMention(20, 30, "Washington")]
    assign_entities(one, aliases, "ru")
    assign_entities(two, aliases, "en")
    assert [m.entity for m in one] == [m.entity for m in two] == ["киевский режим", "United States"]
