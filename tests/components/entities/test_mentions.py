"""Mention finding and normalisation: gazetteer names, stemming, overlaps, entity keys, NER finders, offsets."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from narrascope.components.entities.gazetteer import AliasTable, Gazetteer, folded_key, name_key, stem
from narrascope.components.entities.mentions import FoundMention, assign_entities, find_mentions, merge_mentions


def _ann(mention: str, main: str = "Antagonist", fine: tuple[str, ...] = ("Instigator",)) -> SimpleNamespace:
    return SimpleNamespace(mention=mention, main_role=main, fine_roles=list(fine))


GAZ = Gazetteer.build(
    [_ann("Zorland"), _ann("Zorland"), _ann("Prime Minister Kvell", "Protagonist", ("Guardian",)), _ann("Путин"), _ann("भारत", "Innocent", ("Victim",)),
     _ann("the Velt"), _ann("ordinary people", "Innocent", ("Victim",)), _ann("x")]
)
ALIASES = AliasTable({"Zorland": ["Republic of Zorland", "ZR", "Зорландия"], "Vladimir Putin": ["Putin", "Путин"]})


def test_cyrillic_case_endings_fold_to_one_stem() -> None:
    assert stem("Путина") == stem("Путину") == stem("Путиным") == stem("Путин")
    assert stem("Зеленского") == stem("Зеленский") == stem("Зеленски")
    assert stem("НАТО") == "НАТО" and stem("Russia") == "Russia"


def test_name_key_drops_a_leading_article_and_splits_punctuation() -> None:
    assert name_key("the West") == ("West",)
    assert name_key("U.S.") == ("U", "S")
    assert folded_key("The U.S.") == "u s"
    assert name_key("व्लादिमीर पुतिन") == ("व्लादिमीर", "पुतिन")  # vowel signs stay inside the token


def test_gazetteer_keeps_counts_and_drops_rare_common_nouns_and_single_letters() -> None:
    assert GAZ.get("Zorland").count == 2 and GAZ.get("Zorland").main["Antagonist"] == 2
    assert GAZ.get("ordinary people") is None  # lowercase and seen once
    assert GAZ.get("x") is None
    assert GAZ.get("Velt") is not None


def test_gazetteer_finds_names_on_word_boundaries_in_any_script_with_inflection() -> None:
    text = "Zorlanders met. Zorland, Путина и Velt; भारती भारत के. Prime Minister Kvell spoke."
    hits = [(h.text, text[h.start : h.end]) for h in GAZ.find(text)]
    assert [h for h, _ in hits] == ["Zorland", "Путина", "Velt", "भारत", "Prime Minister Kvell"]
    assert all(a == b for a, b in hits)


def test_merge_keeps_the_longer_of_overlapping_spans() -> None:
    spans = [FoundMention(10, 15, "Putin"), FoundMention(0, 15, "Vladimir Putin"), FoundMention(20, 24, "NATO")]
    assert [m.text for m in merge_mentions(spans)] == ["Vladimir Putin", "NATO"]


def test_entities_group_surnames_aliases_and_keep_distinct_names_apart() -> None:
    mentions = [
        FoundMention(0, 14, "Vladimir Putin"), FoundMention(30, 35, "Putin"), FoundMention(40, 47, "Putin's"),
        FoundMention(50, 57, "Zorland"), FoundMention(60, 79, "Republic of Zorland"), FoundMention(80, 82, "ZR"),
        FoundMention(90, 110, "Armed Forces of Zorland"), FoundMention(120, 129, "Ivan Kvell"), FoundMention(130, 140, "Anna Kvell"),
    ]
    assign_entities(mentions, ALIASES)
    keys = {m.text: m.entity for m in mentions}
    assert keys["Vladimir Putin"] == keys["Putin"] == keys["Putin's"] == "Vladimir Putin"
    assert keys["Zorland"] == keys["Republic of Zorland"] == keys["ZR"] == "Zorland"
    assert keys["Armed Forces of Zorland"] == "Armed Forces of Zorland"
    assert keys["Ivan Kvell"] != keys["Anna Kvell"]


def test_cyrillic_alias_matches_inflected_form() -> None:
    m = [FoundMention(0, 6, "Путина")]
    assign_entities(m, ALIASES)
    assert m[0].entity == "Vladimir Putin"


def test_find_mentions_offsets_select_the_text_with_crlf() -> None:
    text = "Title line\r\n\r\nZorland blamed the Velt.\r\nPrime Minister Kvell said Zorland lies."
    found = find_mentions(text, "xx", gazetteer=GAZ, aliases=ALIASES)
    assert [m.text for m in found] == ["Zorland", "Velt", "Prime Minister Kvell", "Zorland"]
    assert all(text[m.start : m.end] == m.text for m in found)
    from narrascope.semeval.io import MentionAnnotation, mention_span, official_span

    start, end = official_span(text, found[2].start, found[2].end)
    assert text[start : end + 1] == "Prime Minister Kvell"  # ASCII: official offsets count CR and LF as characters
    assert mention_span(text, MentionAnnotation("d", "", start, end)) == (found[2].start, found[2].end)


def test_shipped_gazetteer_and_aliases_load() -> None:
    from narrascope.components.entities.mentions import default_aliases, default_gazetteer

    gazetteer = default_gazetteer()
    assert len(gazetteer) > 500 and gazetteer.get("NATO") is not None
    assert default_aliases().lookup("the U.S.") == "United States" == default_aliases().lookup("САЩ")


@pytest.mark.slow
def test_spacy_finds_english_entities_and_natasha_russian_ones() -> None:
    en = "Officials in Moscow said Vladimir Putin warned NATO and the United States about new weapons for Kyiv."
    found = find_mentions(en, "en")
    texts = {m.text for m in found}
    assert {"Moscow", "NATO"} <= texts and any("Putin" in t for t in texts)
    assert all(en[m.start : m.end] == m.text for m in found)
    ru = "Владимир Путин заявил, что НАТО и США воюют против России."
    found_ru = find_mentions(ru, "ru")
    assert any(m.source == "natasha" for m in found_ru)
    assert {m.entity for m in found_ru} >= {"Vladimir Putin", "NATO", "United States"}


def test_titles_are_dropped_from_entity_keys() -> None:
    mentions = [FoundMention(0, 24, "President Vladimir Putin"), FoundMention(30, 40, "Mr. Kvell")]
    assign_entities(mentions, ALIASES)
    assert [m.entity for m in mentions] == ["Vladimir Putin", "Kvell"]


def test_text_chunks_cover_the_text_and_cut_after_line_breaks() -> None:
    from narrascope.components.entities.mentions import text_chunks

    text = "".join(f"Paragraph {i} about Zorland and its neighbours.\n" for i in range(40)) + "x" * 130 + " tail"
    pieces = text_chunks(text, 200)
    assert "".join(p for _, p in pieces) == text and [o for o, _ in pieces] == [sum(len(p) for _, p in pieces[:i]) for i in range(len(pieces))]
    assert all(len(p) <= 200 for _, p in pieces) and all(p.endswith("\n") for _, p in pieces[:-2])
    assert text_chunks("short", 200) == [(0, "short")]
    assert [p for _, p in text_chunks("a" * 450, 200)] == ["a" * 200, "a" * 200, "a" * 50]  # no break at all: hard cuts


@pytest.mark.parametrize(("language", "text"), [
    ("en", "Officials in Moscow said Vladimir Putin warned NATO about new weapons for Kyiv.\n"),
    ("ru", "Владимир Путин заявил в Москве, что НАТО и США воюют против России.\n"),
])  # fmt: skip
def test_ner_on_a_long_text_runs_in_pieces_with_document_offsets(monkeypatch, language: str, text: str) -> None:
    from narrascope.components.entities import mentions

    long_text = text * 12  # spaCy refuses texts over 1,000,000 characters: NER runs on pieces
    whole = [(m.start, m.end, m.text) for f in mentions.ner_finders(language) for m in f.find(long_text)]
    monkeypatch.setattr(mentions, "NER_CHUNK_CHARS", 3 * len(text) + 5)
    pieces = [(m.start, m.end, m.text) for f in mentions.ner_finders(language) for m in f.find(long_text)]
    assert pieces == whole and len(whole) >= 12 * 2
    assert all(long_text[s:e] == t for s, e, t in pieces)


def test_shipped_aliases_merge_names_across_scripts_and_inflections() -> None:
    from narrascope.components.entities.mentions import default_aliases

    aliases = default_aliases()
    assert aliases.lookup("Вашингтона") == aliases.lookup("Washington") == aliases.lookup("the United States") == "United States"
    assert aliases.lookup("Виктора Орбана") == aliases.lookup("Orbán") == "Viktor Orbán"
    assert aliases.lookup("Moscow") != aliases.lookup("Kremlin") != aliases.lookup("Russia")


def test_spacy_is_imported_without_torch_and_torch_still_imports_afterwards() -> None:
    import subprocess
    import sys

    code = ("import sys; from narrascope.components.entities.mentions import _spacy_pipeline;"
            "nlp = _spacy_pipeline(); print('torch' in sys.modules, sys.modules.get('torch', 0) is None);"
            "print([e.text for e in nlp('Angela Merkel visited Paris.').ents]);"
            "import importlib.util; print(importlib.util.find_spec('torch') is not None)")
    lines = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.splitlines()
    assert lines[0] == "False False"  # neither imported nor left blocked
    assert "Paris" in lines[1]
    if lines[2] == "True":  # the train extra is installed: a later import of torch works
        out = subprocess.run([sys.executable, "-c", code + ";import torch; print(torch.tensor([2]).item())"],
                             capture_output=True, text=True, check=True).stdout.splitlines()
        assert out[-1] == "2"
