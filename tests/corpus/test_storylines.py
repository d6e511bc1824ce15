"""Storylines hold one event: average linkage and shared story keys keep same-topic articles on other events apart."""

from __future__ import annotations

import numpy as np

from narrascope.corpus.storylines import StorylineBuilder, story_keys
from narrascope.documents import Document

HEAT = ("Record heat in Athens: the Acropolis closed on Thursday as temperatures reached 44 degrees and firefighters "
        "battled a wildfire near Mount Parnitha. Greek authorities opened cooling centres for elderly residents.")
FLOOD = ("Floods in Valencia killed 95 people after torrential rain on Tuesday; rescuers searched cars swept into "
         "the Poyo ravine while Spanish prime minister Pedro Sanchez promised emergency funds for the region.")
GLACIER = ("Swiss glaciers lost four percent of their volume this year, the Glamos monitoring network reported, "
           "after a dry winter in the Alps and a summer heatwave melted ice on the Rhone glacier.")
CLIMATE_TOPIC = ("Climate change is making extreme weather more frequent, scientists say: heatwaves, floods and "
                 "droughts will become worse unless emissions of greenhouse gases fall quickly.")


class ConstantEmbedder:
    """Every text gets the same vector: the embeddings alone would put every article in one storyline."""

    name = "constant"

    def embed(self, texts: list[str], kind: str = "passage") -> np.ndarray:
        return np.ones((len(texts), 8), dtype=np.float32) / np.sqrt(8)


def _placed(builder: StorylineBuilder, documents: list[Document]) -> dict[str, str]:
    assigned, _ = builder.assign(documents)
    return {doc: sid for sid, ids in assigned.items() for doc in ids}


def _corpus() -> list[Document]:
    texts = {"heat": HEAT, "flood": FLOOD, "glacier": GLACIER, "topic": CLIMATE_TOPIC}
    docs = [Document(name, text, language="en", published="2024-07-01") for name, text in texts.items()]
    copy = HEAT.replace("on Thursday", "on Thursday, officials said").replace("Greek", "The Greek")
    docs.append(Document("heat-copy", "By Outlet B staff. " + copy, language="en", published="2024-07-02"))
    return docs


def test_same_topic_other_events_stay_apart_and_a_copy_joins_its_origin() -> None:
    story_of = _placed(StorylineBuilder(ConstantEmbedder(), threshold=0.45), _corpus())
    assert story_of["heat-copy"] == story_of["heat"]
    assert len({story_of[d] for d in ("heat", "flood", "glacier", "topic")}) == 4


def test_without_the_key_check_embeddings_alone_make_a_topic_bucket() -> None:
    story_of = _placed(StorylineBuilder(ConstantEmbedder(), threshold=0.45, min_shared=0), _corpus())
    assert len(set(story_of.values())) == 1


def test_average_linkage_does_not_drift_with_the_centroid() -> None:
    """A document near one member only: its mean cosine to the storyline is below the threshold, though its cosine to
    the normalised centroid (the old rule) is above."""

    vectors = {"b": [0.8, 0.6], "c": [0.8, -0.6], "x": [0.28, 0.96]}

    class Fixed:
        name = "fixed"

        def embed(self, texts: list[str], kind: str = "passage") -> np.ndarray:
            return np.array([vectors[t.split()[-1]] for t in texts], dtype=np.float32)

    docs = [Document(n, f"Kyiv drone strike {n}", language="en") for n in ("b", "c", "x")]
    story_of = _placed(StorylineBuilder(Fixed(), threshold=0.25, min_shared=0), docs)
    assert story_of["b"] == story_of["c"]  # cosine 0.28
    assert story_of["x"] != story_of["b"]  # mean cosine 0.224; 0.28 to the normalised centroid (0.8, 0) / 0.8


def test_story_keys_meet_across_scripts() -> None:
    ru = story_keys("Путина и Скибицкого обвинили; Россия ответила 2 августа, удар HIMARS 2024")
    en = story_keys("Putin and Skibitsky were accused; Russia answered on August 2, a HIMARS strike 2024")
    pt = story_keys("Rússia acusa Putin")
    assert {"=Russia", "#2024", "~himars"} <= ru & en
    assert "=Russia" in pt and "#2" not in en  # one-digit numbers are too common to tell events apart
    assert any(k.startswith("~skibit") for k in ru & en)
    assert "=Vladimir Putin" in ru & en or any(k.startswith("~putin") for k in ru & en)


def test_time_span_is_capped() -> None:
    builder = StorylineBuilder(ConstantEmbedder(), threshold=0.45, window_days=14, max_span_days=20)
    days = ["2024-07-01", "2024-07-12", "2024-07-24"]  # each within 14 days of the last, 23 days in all
    docs = [Document(f"d{i}", HEAT, language="en", published=day) for i, day in enumerate(days)]
    story_of = _placed(builder, docs)
    assert story_of["d0"] == story_of["d1"] != story_of["d2"]


def test_a_reused_headline_gets_a_distinct_storyline_title() -> None:
    builder = StorylineBuilder(ConstantEmbedder(), threshold=0.45)
    docs = [Document("heat", HEAT, title="Weather news", outlet="a.example", published="2024-07-01"),
            Document("flood", FLOOD, title="Weather news", outlet="b.example", published="2024-07-02"),
            Document("glacier", GLACIER, title="Weather news", outlet="b.example", published="2024-07-02")]
    _placed(builder, docs)
    titles = sorted(story.title for story in builder.storylines.values())
    assert titles == ["Weather news", "Weather news (b.example, 2024-07-02)", "Weather news (b.example, 2024-07-02, 3)"]
