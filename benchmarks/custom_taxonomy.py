"""A user's own taxonomy: the SemEval training articles relabelled to two custom narratives, K-fold CV.

Usage: python benchmarks/custom_taxonomy.py [DATA_DIR] [--folds 5] [--languages EN,BG,...]

The taxonomy is the minimal file of docs/custom-narratives.md (no domains): "War blame shifted" and "Climate change
downplayed" with the subnarrative "Climate cycles are natural". Relabelling: any URW "Blaming the war on others rather
than the invader" label -> "War blame shifted"; CC "Downplaying climate change" -> "Climate change downplayed", its
subnarrative "Climate cycles are natural" -> "Climate change downplayed: Climate cycles are natural"; everything else
-> none. Out-of-fold predictions, each fold decoded with thresholds tuned by the inner CV of its training part (as
``narrascope evaluate``). Prints binary F1 (precision, recall) per custom label and F1 samples, and checks that no
label outside the custom taxonomy is ever predicted.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path


from narrascope.semeval.io import NarrativeAnnotation, SemevalCorpus, read_semeval_folder
from narrascope.taxonomy import OTHER, Taxonomy
from narrascope.training.data import annotation_of
from narrascope.training.evaluation import _split, nested_predictions, scored_classes
from narrascope.semeval.metrics import score_subtask2

TAXONOMY = Path(__file__).resolve().parents[1] / "docs" / "examples" / "analyst-demo.yaml"
WAR = "URW: Blaming the war on others rather than the invader"
DOWNPLAY = "CC: Downplaying climate change"
CYCLES = "CC: Downplaying climate change: Climate cycles are natural"


def relabel(annotation: NarrativeAnnotation, taxonomy: Taxonomy) -> NarrativeAnnotation:
    labels = []
    if WAR in annotation.narratives:
        labels.append("War blame shifted")
    if DOWNPLAY in annotation.narratives:
        labels.append("Climate change downplayed")
    if CYCLES in annotation.subnarratives:
        labels.append("Climate change downplayed: Climate cycles are natural")
    return annotation_of(annotation.id, labels, taxonomy)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("data", nargs="?", default=str(Path(__file__).resolve().parents[2] / "shared" / "data" / "semeval2025-task10"))
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--languages", default="BG,EN,HI,PT,RU")
    args = parser.parse_args()

    taxonomy = Taxonomy.from_file(TAXONOMY)
    corpus = SemevalCorpus(taxonomy=taxonomy)  # the models trained on it label with the custom taxonomy
    for lang in args.languages.split(","):
        part = read_semeval_folder(Path(args.data) / lang)
        corpus.documents.update(part.documents)
        corpus.narratives.update({i: relabel(a, taxonomy) for i, a in part.narratives.items()})

    started = time.perf_counter()
    ids, docs, languages, fold_index = _split(corpus, args.folds, 0)
    predicted = nested_predictions(corpus, ids, docs, languages, fold_index)
    seconds = time.perf_counter() - started

    foreign = {label for a in predicted.values() for label in a.narratives + a.subnarratives} - taxonomy.labels
    assert not foreign, f"labels outside the custom taxonomy: {sorted(foreign)}"

    gold = {i: corpus.narratives[i] for i in ids}
    print(f"custom taxonomy {taxonomy.name!r}: {len(ids)} SemEval training articles ({args.languages}), "
          f"{args.folds}-fold CV, thresholds tuned by inner CV; {seconds:.0f} s")
    print(f"{'label':<58}{'gold':>6}{'pred':>6}{'P':>7}{'R':>7}{'F1':>7}")
    targets = [n.label for n in taxonomy.narratives] + [s.label for n in taxonomy.narratives for s in n.subnarratives]
    for label in targets:
        fine = taxonomy.is_fine(label)
        g = {i for i in ids if label in (gold[i].subnarratives if fine else gold[i].narratives)}
        p = {i for i in ids if label in (predicted[i].subnarratives if fine else predicted[i].narratives)}
        tp = len(g & p)
        precision, recall = tp / max(len(p), 1), tp / max(len(g), 1)
        f1 = 2 * precision * recall / max(precision + recall, 1e-12)
        print(f"{label:<58}{len(g):>6}{len(p):>6}{precision:7.3f}{recall:7.3f}{f1:7.3f}")
    scores = score_subtask2(gold, predicted, **scored_classes(taxonomy))
    print(f"F1 samples over the custom labels: coarse {scores.coarse:.3f}, fine {scores.fine:.3f}")
    none = sum(1 for i in ids if gold[i].narratives == [OTHER])
    print(f"articles with no custom narrative: {none} of {len(ids)}; labels outside the taxonomy predicted: 0")


if __name__ == "__main__":
    main()
