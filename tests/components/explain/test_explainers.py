"""Extractive explanations: word limit, grounding in the article's offsets, determinism, dominant-narrative choice,
the official dominant-narratives input file, the pipeline step and the subtask-3 evaluation."""

from __future__ import annotations

from dataclasses import FrozenInstanceError, replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from narrascope.documents import Analysis, Document, Evidence, LabelScore
from narrascope.errors import ConfigError, InputError

from narrascope.components.explain.explainers import (
    _SENTENCE_END,
    TEMPLATES,
    ExplainerSettings,
    ExtractiveExplainer,
    first_words,
    is_boilerplate,
    load_explainer_settings,
    template_for,
    trim_span,
)
from narrascope.components.explain.step import ExplainStep, dominant_narrative
from narrascope.training.explanations import evaluate_explanations
from narrascope.pipeline import Pipeline
from narrascope.registry import explainers
from narrascope.semeval.io import read_semeval_folder
from narrascope.semeval.metrics import MAX_EXPLANATION_WORDS, token_f1_similarity, word_tokens

NARRATIVE = "URW: Blaming the war on others rather than the invader"
SUB = "URW: Blaming the war on others rather than the invader: The West are the aggressors"

ARTICLE = (
    "NATO pushes Europe towards war\n"
    "The weather in Brussels was mild on Tuesday. "
    "A retired colonel told the radio that NATO generals planned the conflict in Ukraine years ago. "
    "He said Western weapons keep the war going and that Washington refuses every peace offer. "
    "Local bakeries reported record sales of bread."
)


def _doc(text: str = ARTICLE, language: str | None = "en", doc_id: str = "d1") -> Document:
    return Document(id=doc_id, text=text, language=language)


def _template_words(language: str | None) -> set[str]:
    template = template_for(language)
    return set(word_tokens(" ".join([template.claim, template.support, template.end, template.more]).replace("{claim}", " ").replace("{support}", " ")))


def assert_grounded(document: Document, explanation, max_words: int = MAX_EXPLANATION_WORDS) -> None:
    """Within the limit; sources are article spans; the text is exactly the template filled with the sources."""
    assert len(explanation.text.split()) <= max_words
    for source in explanation.sources:
        assert document.text[source.start : source.end] == source.text
        assert " ".join(source.text.split()) in explanation.text
    allowed = _template_words(document.language) | set(word_tokens(document.text))
    assert set(word_tokens(explanation.text)) <= allowed
    if explanation.sources:
        template = template_for(document.language)
        claims = [" ".join(s.text.split()) for s in explanation.sources]
        more = [template.more.format(support=c) for c in claims[2:]]
        supports = "".join([template.support.format(support=c) for c in claims[1:2]] + more)
        options = []
        for claim in (claims[0], claims[0] + " …"):  # a claim cut short ends with "…"
            alone = [s if s.endswith(_SENTENCE_END) else s + template.end for s in [claim, *claims[1:]]]
            options += [template.claim.format(claim=claim) + supports + template.end, " ".join(alone)]
        assert explanation.text in options  # with the template, or the quotes alone, each ending with a mark


def test_explanation_quotes_the_supporting_sentences_in_the_template():
    doc = _doc()
    explanation = ExtractiveExplainer().explain(doc, NARRATIVE, SUB)
    assert explanation.narrative == NARRATIVE and explanation.subnarrative == SUB
    assert explanation.explainer == "extractive"
    assert explanation.text.startswith('The article claims that "')
    assert_grounded(doc, explanation)
    quoted = " ".join(s.text for s in explanation.sources)
    assert "bakeries" not in quoted and "weather" not in quoted


def test_classifier_evidence_steers_the_choice():
    doc = _doc()
    start = ARTICLE.index("Local bakeries")
    evidence = [Evidence(start, len(ARTICLE), ARTICLE[start:])]
    explanation = ExtractiveExplainer(n_sentences=1, w_label=0, w_central=0, w_position=0).explain(doc, NARRATIVE, SUB, evidence)
    assert explanation.sources[0].text.startswith("Local bakeries")


@pytest.mark.parametrize("language", sorted(TEMPLATES))
def test_template_is_in_the_article_language(language):
    doc = _doc(language=language)
    explanation = ExtractiveExplainer(per_language=None).explain(doc, NARRATIVE, SUB)
    assert explanation.text.startswith(TEMPLATES[language].claim.split("{")[0])
    assert_grounded(doc, explanation)


def test_per_language_settings_override_the_defaults_not_explicit_arguments(tmp_path):
    settings = {"bg": {"n_sentences": 1, "use_template": False}}
    explainer = ExtractiveExplainer(per_language=settings)
    bg = explainer.explain(_doc(language="bg"), NARRATIVE, SUB)
    en = explainer.explain(_doc(language="en"), NARRATIVE, SUB)
    assert len(bg.sources) == 1 and bg.text == " ".join(bg.sources[0].text.split())
    assert len(en.sources) == 2 and en.text.startswith('The article claims that "')
    explicit = ExtractiveExplainer(n_sentences=2, per_language=settings).explain(_doc(language="bg"), NARRATIVE, SUB)
    assert len(explicit.sources) == 2 and not explicit.text.startswith("Статията")  # the argument wins, the rest applies
    path = tmp_path / "settings.json"
    path.write_text('{"languages": {"bg": {"n_sentences": 1, "use_template": false}}}', encoding="utf-8")
    assert ExtractiveExplainer(per_language=path).explain(_doc(language="bg"), NARRATIVE, SUB).text == bg.text
    with pytest.raises(ConfigError, match="unknown keys"):
        ExtractiveExplainer(per_language={"bg": {"sentences": 1}}).explain(_doc(language="bg"), NARRATIVE, SUB)
    path.write_text("[1, 2]", encoding="utf-8")
    with pytest.raises(ConfigError, match="settings.json"):
        ExtractiveExplainer(per_language=path)


def test_explicit_arguments_win_over_the_shipped_settings_and_variants_keep_the_others():
    shipped = load_explainer_settings("shipped")
    assert shipped["bg"]["n_sentences"] != 1 and shipped["en"]["w_position"] != 0.5  # else this proves nothing
    explainer = ExtractiveExplainer(n_sentences=1, w_position=0.5, w_central=0.25, min_words=3)
    assert explainer.settings == ExplainerSettings(n_sentences=1, w_position=0.5, w_central=0.25, min_words=3)
    for language in ("bg", "en"):
        variant = explainer.for_language(language)
        # the shipped setting applies unless given explicitly; the other settings are the explainer's
        expected = replace(explainer.settings, **{k: v for k, v in shipped[language].items() if k not in ("n_sentences", "w_position")})
        assert variant.settings == expected and variant.settings.w_central == 0.25 and variant.settings.min_words == 3
        assert variant.settings.n_sentences == 1 and variant.settings.w_position == 0.5
        assert explainer.for_language(language.upper()) is variant and variant.for_language(language) is variant
        assert variant.embedder is explainer.embedder and variant._label_vectors is explainer._label_vectors
    assert explainer.for_language("xx") is explainer  # no per-language settings: the explainer itself
    assert len(explainer.explain(_doc(language="bg"), NARRATIVE, SUB).sources) == 1
    unset = ExtractiveExplainer().for_language("bg").settings
    assert unset == replace(ExplainerSettings(), **shipped["bg"])
    with pytest.raises(FrozenInstanceError):
        explainer.settings.n_sentences = 3  # type: ignore[misc]
    with pytest.raises(AttributeError):
        explainer.settings = ExplainerSettings()  # type: ignore[misc]


def test_captions_and_cross_links_are_never_quoted():
    text = ("Russia: Photo collage of the US president and NATO generals planning the war in Ukraine. "
            "Read also: NATO generals planned the war in Ukraine, says colonel. "
            "A retired colonel said NATO generals planned the war in Ukraine years ago. "
            "Western weapons keep the war going, he said.")
    explanation = ExtractiveExplainer(per_language=None, w_position=5).explain(_doc(text), NARRATIVE, SUB)
    quoted = " ".join(s.text for s in explanation.sources)
    assert "Photo" not in quoted and "Read also" not in quoted and "retired colonel" in quoted


def test_long_sentences_are_trimmed_with_offsets_kept():
    words = [f"word{i}," if i % 7 == 6 else f"word{i}" for i in range(200)]
    text = "Title line\n" + " ".join(words) + ". Another sentence about NATO and the war in Ukraine today."
    doc = _doc(text)
    explanation = ExtractiveExplainer().explain(doc, NARRATIVE)
    assert_grounded(doc, explanation)
    assert len(explanation.text.split()) <= MAX_EXPLANATION_WORDS


def test_trim_span_prefers_a_clause_boundary_and_drops_final_punctuation():
    text = "one two three four five, six seven eight nine ten."
    assert text[slice(*trim_span(text, 0, len(text), 100))] == "one two three four five, six seven eight nine ten"
    start, end = trim_span(text, 0, len(text), 7)
    assert text[start:end] == "one two three four five"


def test_deterministic_across_instances():
    doc = _doc()
    first = ExtractiveExplainer().explain(doc, NARRATIVE, SUB)
    second = ExtractiveExplainer().explain(_doc(), NARRATIVE, SUB)
    assert first.to_dict() == second.to_dict()


def test_empty_article_gives_empty_explanation():
    explanation = ExtractiveExplainer().explain(_doc("   \n "), NARRATIVE)
    assert explanation.text == "" and explanation.sources == []


_WORD = st.text(alphabet=st.sampled_from("abcdefghijklmnopqrstuvwxyzабвгдеёжзиклмнопрстуфхцчшщыэюяáçãéअआकखगमनपरसहािीु"), min_size=1, max_size=12)
_SENTENCE = st.builds(
    lambda words, end: " ".join(words) + end,
    st.lists(_WORD, min_size=1, max_size=60),
    st.sampled_from([".", "!", "?", "।", "", ",", ";"]),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    sentences=st.lists(_SENTENCE, min_size=0, max_size=12),
    separators=st.lists(st.sampled_from([" ", "\n", "\r\n", "\n\n", "  \t"]), min_size=12, max_size=12),
    language=st.sampled_from([*TEMPLATES, None, "de"]),
    n_sentences=st.integers(1, 4),
    max_words=st.integers(15, 80),
)
def test_any_article_gives_a_grounded_explanation_within_the_limit(sentences, separators, language, n_sentences, max_words):
    text = "".join(s + sep for s, sep in zip(sentences, separators))
    doc = _doc(text, language)
    explanation = ExtractiveExplainer(n_sentences=n_sentences, max_words=max_words).explain(doc, NARRATIVE, SUB)
    assert_grounded(doc, explanation, max_words)
    assert len(explanation.sources) <= n_sentences


def _label(label: str, score: float, evidence: bool = True) -> LabelScore:
    return LabelScore(label, score, [Evidence(0, 4, "NATO")] if evidence else [])


def test_dominant_narrative_is_the_best_label_with_evidence():
    other = "URW: Discrediting Ukraine"
    analysis = Analysis(
        document_id="d1",
        narratives=[_label(other, 0.9, evidence=False), _label(NARRATIVE, 0.6), _label("Other", 0.99)],
        subnarratives=[_label(f"{NARRATIVE}: Other", 0.4), _label(SUB, 0.5), _label(f"{other}: Discrediting Ukrainian military", 0.9)],
    )
    narrative, sub, evidence = dominant_narrative(analysis)
    assert (narrative, sub) == (NARRATIVE, SUB)
    assert evidence


def test_dominant_narrative_other_subnarrative_and_fallbacks():
    analysis = Analysis(document_id="d1", narratives=[_label(NARRATIVE, 0.6)], subnarratives=[_label(f"{NARRATIVE}: Other", 0.7)])
    assert dominant_narrative(analysis)[:2] == (NARRATIVE, None)
    no_evidence = Analysis(document_id="d1", narratives=[_label(NARRATIVE, 0.2, False), _label("URW: Praise of Russia", 0.4, False)])
    assert dominant_narrative(no_evidence)[0] == "URW: Praise of Russia"
    only_subs = Analysis(document_id="d1", subnarratives=[_label(SUB, 0.3)])
    assert dominant_narrative(only_subs)[:2] == (NARRATIVE, SUB)
    assert dominant_narrative(Analysis(document_id="d1", narratives=[_label("Other", 1.0)])) is None


def test_step_explains_the_predicted_dominant_narrative_and_warns_without_one():
    step = ExplainStep(embedder=None)
    docs = [_doc(doc_id="a"), _doc(doc_id="b")]
    analyses = [Analysis(document_id="a", narratives=[_label(NARRATIVE, 0.8)]), Analysis(document_id="b")]
    step(docs, analyses)
    assert analyses[0].explanation is not None and analyses[0].explanation.narrative == NARRATIVE
    assert analyses[1].explanation is None and any("no narrative labels" in w for w in analyses[1].warnings)
    only_other = Analysis(document_id="c", narratives=[_label("Other", 0.9)])
    step([_doc(doc_id="c")], [only_other])
    assert only_other.explanation is None and only_other.warnings == []


def test_step_reads_the_official_dominant_narratives_file(tmp_path):
    path = tmp_path / "subtask-3-dominant-narratives.txt"
    path.write_text(f"a\t{NARRATIVE}\t{SUB}\nb\tCC: Criticism of climate movement\tnone\n", encoding="utf-8")
    step_cls = explainers.get("extractive")
    assert step_cls is ExtractiveExplainer
    from narrascope.semeval.io import read_subtask3

    pipeline = Pipeline([ExplainStep(dominant=read_subtask3(path, with_explanations=False), embedder=None)])
    analyses = pipeline.analyze_batch([_doc(doc_id="a"), _doc(doc_id="b"), _doc(doc_id="c")])
    assert (analyses[0].explanation.narrative, analyses[0].explanation.subnarrative) == (NARRATIVE, SUB)
    assert (analyses[1].explanation.narrative, analyses[1].explanation.subnarrative) == ("CC: Criticism of climate movement", None)
    assert analyses[2].explanation is None and analyses[2].error is None


def test_malformed_dominant_narratives_file_names_file_and_line(tmp_path):
    path = tmp_path / "dominant.txt"
    path.write_text(f"a\t{NARRATIVE}\t{SUB}\nb only-two-fields\n", encoding="utf-8")
    from narrascope.semeval.io import read_subtask3

    with pytest.raises(InputError, match=r"dominant\.txt:2"):
        read_subtask3(path, with_explanations=False)


def test_evaluation_scores_explainer_and_baseline_per_language(semeval_tiny):
    corpus = read_semeval_folder(semeval_tiny)
    result = evaluate_explanations(corpus.documents, corpus.explanations, ExtractiveExplainer(), token_f1_similarity, "token F1")
    assert set(result["explainer"].by_language) == {"en", "pt"}
    assert result["explainer"].n_documents == len(corpus.explanations)
    assert result["explainer"].share_within_limit == 1.0
    expected = token_f1_similarity([first_words(corpus.documents[i].text) for i in corpus.explanations], [g.explanation for g in corpus.explanations.values()])
    assert result["baseline"].similarity == pytest.approx(sum(expected) / len(expected))
    for doc_id, text in result["predictions"].items():
        assert len(text.split()) <= MAX_EXPLANATION_WORDS


@pytest.mark.slow
def test_real_articles_get_grounded_explanations(semeval_data):
    corpus = read_semeval_folder(semeval_data)
    explainer = ExtractiveExplainer()
    for doc_id, gold in corpus.explanations.items():
        doc = corpus.documents[doc_id]
        explanation = explainer.explain(doc, gold.narrative, gold.subnarrative)
        assert explanation.text, doc_id
        assert_grounded(doc, explanation)


def test_explain_step_is_registered_by_name():
    from narrascope.registry import steps

    step = steps.create("explain", embedder=None, n_sentences=1)
    analysis = Analysis(document_id="d1", narratives=[_label(NARRATIVE, 0.8)])
    step([_doc()], [analysis])
    assert step.name == "explain" and len(analysis.explanation.sources) == 1


def test_a_pipeline_explaining_without_narratives_is_refused():
    # the hint names every registered step that assigns narratives ("'narratives' or '<a plugin's>'"): other test
    # modules register such steps for the engines' workers
    with pytest.raises(ConfigError, match="'explain' requires 'narratives'.*add the 'narratives'( or '[^']+')* step"):
        Pipeline.from_names(["language", "explain"], explain={"embedder": None})


def test_trim_span_never_cuts_inside_a_number_or_a_hyphenated_word():
    text = "सरकार ने कहा कि सीमा पर अब 1,48,000 सैनिक तैनात हैं और जल्द ही और आएंगे"
    start, end = trim_span(text, 0, len(text), 9)
    assert set(word_tokens(text[start:end])) <= set(word_tokens(text))  # whole words only: no "1,48" out of "1,48,000"
    text = "The anti-war rally—so the mayor says—was large, loud, and peaceful all day long in the city"
    start, end = trim_span(text, 0, len(text), 12)
    assert set(word_tokens(text[start:end])) <= set(word_tokens(text))


def test_evaluate_subtask3_prints_explainer_and_baseline_per_language(semeval_tiny):
    from typer.testing import CliRunner

    from narrascope.cli import app

    from narrascope.components.explain.explainers import default_embedder
    from narrascope.semeval.metrics import score_subtask3
    from narrascope.training.evaluation import cross_validate_explainer, explanation_table

    result = CliRunner().invoke(app, ["evaluate", str(semeval_tiny), "--subtask", "3", "--similarity", "token-f1", "--folds", "2"])
    assert result.exit_code == 0, result.output
    assert "BERTScore" in result.output
    # the table is the library's figures: the CV, the shipped settings and the first-80-words baseline, recomputed here
    corpus = read_semeval_folder(semeval_tiny)
    gold = {i: g.explanation for i, g in corpus.explanations.items()}
    languages = {i: corpus.documents[i].language or "unknown" for i in gold}
    # the settings shipped, as `analyze` runs it, describing the labels with the corpus's (SemEval's) taxonomy
    shipped = ExtractiveExplainer(embedder=default_embedder(), taxonomy=corpus.taxonomy)
    explained = {i: shipped.explain(corpus.documents[i], g.narrative, g.subnarrative).text for i, g in corpus.explanations.items()}
    baseline = {i: first_words(corpus.documents[i].text) for i in gold}
    _, cv = cross_validate_explainer(corpus.documents, corpus.explanations, token_f1_similarity, "token F1", 2, default_embedder(),
                                     taxonomy=corpus.taxonomy)
    rows = {
        "extractive, 2-fold CV": cv,
        "extractive, shipped": score_subtask3(gold, explained, languages=languages),
        "baseline: first 80 words": score_subtask3(gold, baseline, languages=languages),
    }
    expected = explanation_table(rows).splitlines()
    printed = result.output.splitlines()
    start = printed.index(expected[0])
    assert printed[start : start + len(expected)] == expected
    assert rows["baseline: first 80 words"].similarity < rows["extractive, shipped"].similarity  # the explainer helps
    bad = CliRunner().invoke(app, ["evaluate", str(semeval_tiny), "--subtask", "3", "--similarity", "bleu"])
    assert bad.exit_code == 2 and "token-f1" in bad.output


def test_quoted_sentences_are_not_quoted_twice_and_supports_are_whole_sentences():
    """Issue 20: ``""This`` in the Why box, and support sentences cut mid-sentence."""
    text = ('"NATO generals planned the conflict in Ukraine years ago," a retired colonel told the radio. '
            + "Western weapons keep the war going and Washington refuses every peace offer, " + "he said again " * 30
            + ". NATO wants the war to go on.")
    doc = _doc(text)
    explanation = ExtractiveExplainer(n_sentences=2, per_language=None).explain(doc, NARRATIVE, SUB)
    assert '""' not in explanation.text and "“\"" not in explanation.text
    assert any(s.text.startswith("NATO generals planned the conflict") for s in explanation.sources)  # no quote mark
    assert_grounded(doc, explanation)
    assert "Western weapons" not in explanation.text  # too long to quote whole beside the claim: not cut, skipped


def test_the_labels_evidence_sentences_come_before_the_opening():
    doc = _doc()
    late = ARTICLE.index("He said Western weapons")
    evidence = [Evidence(late, ARTICLE.index(" Local"), ARTICLE[late : ARTICLE.index(" Local")], 0.9)]
    explainer = ExtractiveExplainer(n_sentences=1, w_position=5.0, per_language=None)
    assert explainer.explain(doc, NARRATIVE, SUB).sources[0].start < late  # without evidence the lead prior wins
    assert explainer.explain(doc, NARRATIVE, SUB, evidence=evidence).sources[0].start == late


def test_dominant_narrative_ties_go_to_the_label_that_sorts_first():
    first = "URW: Amplifying war-related fears"  # sorts before NARRATIVE
    for order in ([NARRATIVE, first], [first, NARRATIVE]):
        analysis = Analysis(document_id="d1", narratives=[_label(label, 0.7) for label in order])
        assert dominant_narrative(analysis)[0] == first


def test_dominant_subnarrative_prefers_one_with_evidence_and_keeps_the_narratives_evidence():
    unsupported = f"{NARRATIVE}: Ukraine is the aggressor"
    narrative_evidence, sub_evidence = Evidence(10, 20, "the narrative"), Evidence(0, 4, "NATO")
    analysis = Analysis(
        document_id="d1",
        narratives=[LabelScore(NARRATIVE, 0.8, [narrative_evidence, sub_evidence])],
        subnarratives=[LabelScore(unsupported, 0.9, []), LabelScore(SUB, 0.5, [sub_evidence])],
    )
    narrative, sub, evidence = dominant_narrative(analysis)
    assert (narrative, sub) == (NARRATIVE, SUB)  # the higher-scoring subnarrative has nothing to quote
    assert evidence == [sub_evidence, narrative_evidence]  # the subnarrative's first, nothing twice


def test_a_bare_other_subnarrative_is_never_the_dominant_narrative():
    analysis = Analysis(document_id="d1", narratives=[_label(NARRATIVE, 0.3, False)], subnarratives=[_label("Other", 0.9, False)])
    assert dominant_narrative(analysis)[:2] == (NARRATIVE, None)
    assert dominant_narrative(Analysis(document_id="d1", subnarratives=[_label("Other", 0.9)])) is None


def test_three_quoted_sentences_never_repeat_the_lead_in() -> None:
    """Issue 26: Portuguese "citando … citando"."""
    text = ("A OTAN planeou a guerra na Ucrânia há muitos anos, disse um coronel reformado. "
            "Os generais ocidentais comandam as brigadas perto da frente, afirmou ele. "
            "Washington recusa todas as ofertas de paz, segundo o coronel.")
    doc = _doc(text, "pt")
    explanation = ExtractiveExplainer(n_sentences=3, use_template=True, per_language=None).explain(doc, NARRATIVE, SUB)
    assert len(explanation.sources) == 3 and explanation.text.count("citando") == 1
    assert explanation.text.count('" e "') == 1 and explanation.text.endswith('".')
    assert_grounded(doc, explanation)


def test_sentences_quoted_without_a_template_are_whole_and_punctuated() -> None:
    """Issue 26: Russian "Why" texts ran sentences together ("…за ПВО The National Interest: Руските…")."""
    text = ("Западные страны не дадут Киеву новых систем ПВО\n\n"
            "Генералы НАТО давно планировали эту войну на Украине, заявил отставной полковник. "
            "Западное оружие лишь продлевает войну, сказал он.")
    doc = _doc(text, "ru")
    explanation = ExtractiveExplainer(n_sentences=3, use_template=False, per_language=None, w_position=5).explain(
        doc, NARRATIVE, SUB)
    assert len(explanation.sources) == 3
    assert "систем ПВО. Генералы НАТО" in explanation.text  # a headline without a mark gets one
    assert "полковник. Западное" in explanation.text and explanation.text.endswith("сказал он.")
    assert all(s.text.endswith((".", "ПВО")) for s in explanation.sources)  # the sources keep their own marks
    assert_grounded(doc, explanation)


@pytest.mark.parametrize("line", [
    "TRUTH LIVES on at https://example.org/truth-lives.",
    "Subscribe to our newsletter to get the latest news every morning.",
    "Follow us on our Telegram channel for more news from the front.",
    "Подписывайтесь на наш канал в Telegram, чтобы не пропустить новости.",
    "Assine a nossa newsletter e receba as notícias todas as manhãs.",
    "SUPPORT INDEPENDENT JOURNALISM AND SHARE THIS ARTICLE TODAY.",
    "Read the full interview at www.example-news.com today.",
])
def test_site_lines_are_never_quoted(line: str) -> None:
    text = (f"{line} A retired colonel said NATO generals planned the war in Ukraine years ago. "
            f"Western weapons keep the war going, he said. {line}")
    explanation = ExtractiveExplainer(n_sentences=3, per_language=None, w_position=5).explain(_doc(text), NARRATIVE, SUB)
    quoted = " ".join(s.text for s in explanation.sources)
    assert "retired colonel" in quoted and line.split()[0] not in quoted and len(explanation.sources) == 2
    assert is_boilerplate(line) and not is_boilerplate("NATO and the USA planned the war in Ukraine, he said.")
