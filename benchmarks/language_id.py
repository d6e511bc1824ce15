"""Language identification on the SemEval-2025 Task 10 training articles: accuracy and speed per lingua mode.

Usage: python benchmarks/language_id.py [DATA_DIR] [--per-language N]
DATA_DIR defaults to ../shared/data/semeval2025-task10 (the folder names give the true language). Prints accuracy,
model-loading time (first article of each language) and mean time per article for the mode narrascope uses and the alternatives.
"""

from __future__ import annotations

import argparse
import time
from collections import Counter
from pathlib import Path

from narrascope.components.language.detector import SUPPORTED, build_detector, detect_language
from narrascope.semeval.io import LANGUAGE_CODES, read_raw_document


def main() -> None:
    root = Path(__file__).resolve().parents[1]
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", nargs="?", type=Path, default=root.parent / "shared" / "data" / "semeval2025-task10")
    parser.add_argument("--per-language", type=int, default=0, help="Only the first N articles of each language (0: all).")
    parser.add_argument("--max-chars", type=int, default=0, help="Characters of each article given to lingua (0: the default).")
    args = parser.parse_args()
    limit = {"max_chars": args.max_chars} if args.max_chars else {}
    articles: list[tuple[str, str]] = []
    for folder, code in LANGUAGE_CODES.items():
        paths = sorted((args.data / folder / "raw-documents").glob("*.txt"))
        if args.per_language:
            paths = paths[: args.per_language]
        articles += [(code, read_raw_document(p).text) for p in paths]
    if not articles:
        raise SystemExit(f"no SemEval articles under {args.data}")
    print(f"{len(articles)} articles, candidate languages: {', '.join(SUPPORTED)}")
    for mode in ("low", "high"):
        detector = build_detector(low_accuracy=mode == "low")
        start = time.perf_counter()
        for code in LANGUAGE_CODES.values():  # one article per language loads the models lazily
            detect_language(next((t for gold, t in articles if gold == code), ""), detector=detector, **limit)
        first = time.perf_counter() - start
        start = time.perf_counter()
        predicted = [detect_language(text, detector=detector, **limit) for _, text in articles]
        elapsed = time.perf_counter() - start
        correct = Counter(gold for (gold, _), pred in zip(articles, predicted) if gold == pred)
        totals = Counter(gold for gold, _ in articles)
        errors = Counter((gold, pred) for (gold, _), pred in zip(articles, predicted) if gold != pred)
        per_lang = " ".join(f"{lang}={correct[lang] / totals[lang]:.3f}" for lang in sorted(totals))
        print(
            f"{mode}-accuracy mode: accuracy {sum(correct.values()) / len(articles):.4f} ({per_lang}); "
            f"model loading (first article of each language) {first:.2f} s; {1000 * elapsed / len(articles):.2f} ms/article"
        )
        if errors:
            print("  confusions (gold -> predicted):", ", ".join(f"{g}->{p}: {n}" for (g, p), n in errors.most_common(5)))


if __name__ == "__main__":
    main()
