"""Stance and neutral reporting: does the model follow what the text argues? (hand-written, never trained on)

    python benchmarks/stance.py [--model DIR] [--data tests/data/stance/articles.jsonl]

For each language of the stance set (pairs on one event: an article pushing a narrative, a neutral or opposite
report), prints how many narrative articles get their expected narrative among the labels, how many neutral reports
get no narrative (the bare ``Other``), and the domain (URW/CC) accuracy of the narrative articles.
"""

from __future__ import annotations

import argparse
import json
import time
from collections import defaultdict
from pathlib import Path

import narrascope
from narrascope.documents import Document

DATA = Path(__file__).resolve().parents[1] / "tests" / "data" / "stance" / "articles.jsonl"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default=None, help="a model directory (default: the shipped model)")
    parser.add_argument("--data", default=str(DATA))
    parser.add_argument("--verbose", action="store_true", help="print every article's labels")
    parser.add_argument("--shared-thresholds", action="store_true",
                        help="an ablation: decode every language with the model's global thresholds")
    args = parser.parse_args()
    rows = [json.loads(line) for line in Path(args.data).read_text(encoding="utf-8").splitlines() if line.strip()]
    nlp = narrascope.load(model=args.model, steps=["language", "narratives"])
    if args.shared_thresholds:
        next(s for s in nlp.steps if s.name == "narratives").model.language_thresholds = {}
    docs = [Document(id=r["id"], text=r["text"]) for r in rows]
    started = time.perf_counter()
    analyses = list(nlp.pipe(docs))
    elapsed = time.perf_counter() - started
    stats: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    for row, analysis in zip(rows, analyses):
        labels = [n.label for n in analysis.narratives]
        lang = row["language"]
        if row["kind"] == "narrative":
            expected = set(row["narratives"]) - {"Other"}
            for key in (lang, "ALL"):
                stats[key]["found"][0] += bool(expected & set(labels))
                stats[key]["found"][1] += 1
                stats[key]["domain"][0] += any(label.startswith(row["domain"] + ":") for label in labels)
                stats[key]["domain"][1] += 1
        else:
            for key in (lang, "ALL"):
                stats[key]["neutral"][0] += labels in ([], ["Other"])
                stats[key]["neutral"][1] += 1
        if args.verbose:
            print(f"{row['id']:<16} {row['kind']:<9} expected {row['narratives']} got {labels}")
    print(f"stance set: {len(rows)} articles, {len(stats) - 1} languages, {len(rows) / elapsed:.1f} docs/s")
    print(f"{'lang':<6}{'narrative found':>17}{'domain right':>14}{'neutral clean':>15}")
    for lang in sorted(stats, key=lambda k: (k == "ALL", k)):
        s = stats[lang]
        cell = lambda k: f"{s[k][0]}/{s[k][1]}" if s[k][1] else "-"  # noqa: E731
        print(f"{lang:<6}{cell('found'):>17}{cell('domain'):>14}{cell('neutral'):>15}")
    total = stats["ALL"]
    print(f"expected narrative among the labels: {total['found'][0] / max(total['found'][1], 1):.0%}; "
          f"neutral reports without a narrative: {total['neutral'][0] / max(total['neutral'][1], 1):.0%}")


if __name__ == "__main__":
    main()
