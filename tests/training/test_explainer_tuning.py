"""Cross-validated per-language explainer settings: the grid is scored once, folds choose without their documents."""

from __future__ import annotations

from narrascope.documents import Document
from narrascope.training.explainer_tuning import GRID, choose, tune_explainer
from narrascope.components.explain.explainers import TUNED_SETTINGS, ExtractiveExplainer
from narrascope.semeval.io import ExplanationAnnotation

NARRATIVE = "URW: Blaming the war on others rather than the invader"
TEXTS = [
    "NATO generals planned the war in Ukraine, a colonel said. Western weapons keep the war going. "
    "Washington refuses every peace offer. The bakeries sold bread.",
    "Генерали от НАТО са планирали войната в Украйна, каза полковник. Западните оръжия поддържат войната. "
    "Вашингтон отказва всяко мирно предложение. Пекарните продадоха хляб.",
]


def _corpus(n: int = 6) -> tuple[dict[str, Document], dict[str, ExplanationAnnotation]]:
    documents, gold = {}, {}
    for k in range(n):
        language = "en" if k % 2 == 0 else "bg"
        doc = Document(id=f"d{k}", text=TEXTS[k % 2] + f" Item {k}.", language=language)
        documents[doc.id] = doc
        gold[doc.id] = ExplanationAnnotation(doc.id, NARRATIVE, None, "NATO planned the war.")
    return documents, gold


def test_tuning_picks_per_language_settings_without_the_held_out_fold():
    documents, gold = _corpus()
    # English prefers the template, Bulgarian the bare quotes: the similarity rewards exactly that.
    def similarity(predictions, golds):
        return [1.0 if p.startswith("The article claims") or (p and not p.startswith(("The", "Статията"))) else 0.0
                for p in predictions]

    result = tune_explainer(documents, gold, similarity, folds=3)
    assert result.settings["en"]["use_template"] is True and result.settings["bg"]["use_template"] is False
    assert len(result.fold_choices) == 3 and set(result.held_out) == set(gold)
    assert result.held_out["d0"].startswith("The article claims") and not result.held_out["d1"].startswith("Статията")
    explainer = ExtractiveExplainer(per_language=result.settings)
    assert explainer.explain(documents["d1"], NARRATIVE).text == result.held_out["d1"]


def test_the_grid_tunes_the_settings_explicit_arguments_protect():
    assert all(set(config) == TUNED_SETTINGS for config in GRID)


def test_choose_uses_only_the_given_documents():
    scores = [{"a": 1.0, "b": 0.0}, {"a": 0.0, "b": 1.0}] + [{"a": 0.0, "b": 0.0}] * (len(GRID) - 2)
    languages = {"a": "en", "b": "en"}
    assert choose(scores, ["a"], languages) == {"en": 0}
    assert choose(scores, ["b"], languages) == {"en": 1}
    assert choose(scores, ["a", "b"], languages) == {"en": 0}  # a tie keeps the earlier setting


def test_saved_settings_load_back(tmp_path):
    documents, gold = _corpus(4)
    result = tune_explainer(documents, gold, lambda p, g: [float(len(x.split())) / 100 for x in p], folds=2)
    path = tmp_path / "settings.json"
    result.save(path, "length", 2)
    explainer = ExtractiveExplainer(per_language=path)
    assert explainer.per_language == result.settings
