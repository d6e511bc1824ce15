"""Found mentions that are not names: pronouns, determiners, common words, numbers.

    from narrascope.components.entities.noise import drop_noise
    kept = drop_noise(mentions, "ru", gazetteer)      # "Он", "he", "ele", "वह", "12", "शुरू" dropped

NER and the gazetteer (built from annotations that include the odd pronoun or common noun: "Он", "शुरू", "अरब"
each annotated once) both let such words through. A mention is dropped when

- it has no letter or fewer than two letters and digits (numbers, punctuation, single characters; ``G7`` stays), or
  it is a web or e-mail address or a social-media handle;
- it is, as a whole, a pronoun, determiner or common word of the small stop lists below (all languages' lists apply,
  since the document language can be wrong; acronyms in capitals such as ``US`` or ``ОН`` are kept);
- in a language that capitalises names (Latin and Cyrillic scripts), it has no capital letter and is not a gazetteer
  name (``российские военные``, annotated twice, is kept; ``the Kremlin`` has a capital; a lowercase NER span goes).

Measured with ``python benchmarks/entities.py --part recall`` (the "filtered" column).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from narrascope.components.entities.gazetteer import Gazetteer

_STOP_WORDS = {
    "en": """i me my we us our you your he him his she her it its they them their this that these those who whom what
        which one someone anyone everyone nobody all both each the a an here there today yesterday tomorrow mr mrs ms
        sir madam""",
    "pt": """eu me mim nós nos você vocês ele ela eles elas lhe lhes seu sua seus suas dele dela deles delas este esta
        estes estas esse essa esses essas isto isso aquele aquela aquilo o a os as um uma uns umas quem que qual todos
        hoje ontem amanhã aqui ali senhor senhora mas se já pelo pela ainda após contudo porém portanto durante agora
        anteriormente segundo entretanto então também depois assim além quando estamos""",
    "ru": """я меня мне мной мы нас нам нами ты тебя вы вас вам вами он его него ему нему им ним нём она её ее неё нее
        ей ней ею оно они их них ими ними это этот эта эти тот та те то весь вся все всё кто что который которая
        которые свой своя свои наш наша наши ваш ваша ваши сегодня вчера завтра здесь там господин госпожа""",
    "bg": """аз мене ме мен ние нас ни ти теб те вие вас ви той него го му тя нея я ѝ то тези това този тази онзи онази
        онова онези техен тяхната техните негов неговата нейна нейният наш наша наши ваш кой коя кое кои който която
        което които всички всеки днес вчера утре тук там господин госпожа ако но когато след според освен""",
    "hi": """मैं मुझे मेरा मेरी हम हमें हमारा हमारी हमारे तुम आप आपका आपकी वह वे वो यह ये इस उस इन उन इसे उसे इन्हें उन्हें
        इसका उसका उसकी उनका उनकी उनके उन्होंने इसने उसने जो कौन क्या सब सभी कोई ऐसे ऐसा वैसे आज कल यहां वहां शुरू दुनिया
        अरब करोड़ लाख हजार हज़ार सौ पिता युवक लोग बात साल दिन समय""",
}
STOP_WORDS: frozenset[str] = frozenset(w for words in _STOP_WORDS.values() for w in words.split())
_ADDRESS = re.compile(r"://|^www\.|@")  # web addresses, e-mail addresses, social-media handles
CASED_LANGUAGES = frozenset({"en", "pt", "es", "fr", "it", "de", "nl", "ru", "bg", "uk"})

M = TypeVar("M")  # a FoundMention (anything with .text)


def is_noise(text: str, language: str | None = None, known: bool = False) -> bool:
    """Whether a mention text is not a name (see the module docstring); ``known``: the gazetteer has it."""
    name = " ".join(text.split()).strip(" .,;:!?\"'«»“”„()[]-–—")
    letters = [ch for ch in name if ch.isalpha()]
    if not letters or len(letters) + sum(ch.isdigit() for ch in name) < 2 or _ADDRESS.search(name):
        return True
    if not (name.isupper() and len(letters) <= 4) and name.lower() in STOP_WORDS:
        return True
    lang = (language or "").lower()[:2]
    return lang in CASED_LANGUAGES and not known and not any(ch.isupper() for ch in letters)


def drop_noise(mentions: Sequence[M], language: str | None = None, gazetteer: Gazetteer | None = None) -> list[M]:
    """The mentions that are names, in the given order (``is_noise``; ``gazetteer`` says which names are known)."""
    return [
        m for m in mentions
        if not is_noise(m.text, language, known=gazetteer is not None and gazetteer.get(m.text) is not None)  # type: ignore[attr-defined]
    ]
