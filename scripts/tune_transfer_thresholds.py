"""Tune the thresholds of the transfer route (languages without training articles) on held-out-language predictions.

    python scripts/tune_transfer_thresholds.py [--work /tmp/narrascope-encoder] [--model src/narrascope/models/default]
                                               [--data ../shared/data/semeval2025-task10] [--write]

``narrascope train --encoder`` tunes the transfer thresholds on the e5 head's in-language out-of-fold predictions,
which are more confident than what the head gives a language it never saw. ``python benchmarks/encoder.py
--holdout-language --supplement --work W`` leaves in ``W/lolo-L2-E2-C4-sup`` each release language's probabilities
from a head fine-tuned without it (nor its supplement articles). This script scores every language with the model's
transfer thresholds and with thresholds tuned on the other languages' held-out predictions (the clean protocol), then
tunes one set on all of them; ``--write`` puts that set into the model's ``config.json`` (``transfer_thresholds``).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from narrascope.semeval.io import read_semeval_folder
from narrascope.training import evaluation as ev

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--work", default="/tmp/narrascope-encoder")
    parser.add_argument("--tag", default="L2-E2-C4-sup")
    parser.add_argument("--model", default=str(ROOT / "src" / "narrascope" / "models" / "default"))
    parser.add_argument("--data", default=str(ROOT.parent / "shared" / "data" / "semeval2025-task10"))
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()

    corpus = read_semeval_folder(args.data)
    ids, _docs, languages, _folds = ev._split(corpus, 5, 0)
    decoder = ev._decoder(corpus, ev.with_taxonomy(corpus))
    split = len(decoder.coarse_labels_)
    langs = np.array([languages[i] for i in ids])
    order = sorted(set(langs))
    groups = [np.flatnonzero(langs == lang) for lang in order]
    work = Path(args.work) / f"lolo-{args.tag}"
    P = np.zeros((len(ids), split + len(decoder.fine_labels_)), np.float32)
    for k, group in enumerate(groups):
        P[group] = np.load(work / f"oof-{k}.npy")
    config_file = Path(args.model) / "config.json"
    config = json.loads(config_file.read_text(encoding="utf-8"))
    current = config["transfer_thresholds"]
    no_language = {i: "" for i in ids}

    def score(rows: np.ndarray, thresholds: dict) -> tuple[float, float]:
        decoder.set_params(**thresholds)
        decoder.language_thresholds = {}
        result = ev._score(decoder, (P[rows, :split], P[rows, split:]), [ids[i] for i in rows], corpus.narratives,
                           no_language)["ALL"]
        return result["fine"], result["coarse"]

    print("held-out language: F1 fine / coarse with the model's transfer thresholds | tuned on the other languages")
    table = []
    for k, lang in enumerate(order):
        rest = np.setdiff1d(np.arange(len(ids)), groups[k])
        others = ev.tune_thresholds(decoder, (P[rest, :split], P[rest, split:]), [ids[i] for i in rest],
                                    corpus.narratives)["global"]
        table.append((score(groups[k], current), score(groups[k], others)))
        (f0, c0), (f1, c1) = table[-1]
        print(f"{lang.upper():>4}  {f0:.3f} / {c0:.3f}  |  {f1:.3f} / {c1:.3f}   {others}")
    means = np.mean([[a[0], a[1], b[0], b[1]] for a, b in table], axis=0)
    print(f"mean  {means[0]:.3f} / {means[1]:.3f}  |  {means[2]:.3f} / {means[3]:.3f}")
    tuned = ev.tune_thresholds(decoder, (P[:, :split], P[:, split:]), ids, corpus.narratives)["global"]
    print(f"model's transfer thresholds: {current}\ntuned on all held-out predictions: {tuned}")
    if args.write:
        config["transfer_thresholds"] = tuned
        config_file.write_text(json.dumps(config, ensure_ascii=False, indent=2), encoding="utf-8")
        print(f"written to {config_file}")


if __name__ == "__main__":
    main()
