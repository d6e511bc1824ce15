"""Embedder figures: speed (texts/s) of "static" and "e5", cross-lingual similarity, and a narrative probe.

    .venv/bin/python benchmarks/embedders.py [--probe-docs 200] [--e5-docs 8]

Speed and the probe use the SemEval training articles in ../shared (skipped when absent); the translation pairs are
hand-written below. The probe embeds a stratified subset of documents with both embedders and reports 5-fold
cross-validated sample-F1 of coarse narratives for kNN and logistic regression (e5 vectors are cached on disk, so a
re-run is fast). Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import random
import time
from pathlib import Path

import numpy as np

from narrascope.embeddings.e5_tokenizer import E5Tokenizer
from narrascope.embeddings.embedders import E5Embedder, get_embedder
from narrascope.embeddings.static import StaticEmbedder
from narrascope.sentences import split_sentences

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "semeval2025-task10"
LANGS = ["EN", "BG", "HI", "PT", "RU"]

# (English, Bulgarian, Russian, Portuguese, Hindi): five statements, each in five languages
TRANSLATIONS = [
    ("NATO is sending more weapons to Ukraine.", "НАТО изпраща още оръжия на Украйна.", "НАТО отправляет Украине больше оружия.",
     "A OTAN está enviando mais armas para a Ucrânia.", "नाटो यूक्रेन को और हथियार भेज रहा है।"),
    ("Climate change is caused by humans.", "Изменението на климата е причинено от хората.", "Изменение климата вызвано людьми.",
     "As mudanças climáticas são causadas pelos seres humanos.", "जलवायु परिवर्तन मनुष्यों के कारण होता है।"),
    ("Sanctions against Russia are hurting Europe.", "Санкциите срещу Русия вредят на Европа.", "Санкции против России вредят Европе.",
     "As sanções contra a Rússia estão prejudicando a Europa.", "रूस के खिलाफ प्रतिबंध यूरोप को नुकसान पहुंचा रहे हैं।"),
    ("The price of gas has doubled this winter.", "Цената на газа се удвои тази зима.", "Цена на газ этой зимой удвоилась.",
     "O preço do gás dobrou neste inverno.", "इस सर्दी में गैस की कीमत दोगुनी हो गई है।"),
    ("My grandmother bakes bread every Sunday.", "Баба ми пече хляб всяка неделя.", "Моя бабушка печёт хлеб каждое воскресенье.",
     "Minha avó faz pão todo domingo.", "मेरी दादी हर रविवार रोटी बनाती हैं।"),
]


def read_articles(limit: int | None = None, seed: int = 0) -> list[tuple[str, str]]:
    """``(doc_id, text)`` of training articles (all languages, shuffled), or [] without the data."""
    files = sorted(DATA.glob("*/raw-documents/*.txt")) if DATA.is_dir() else []
    random.Random(seed).shuffle(files)
    return [(f.stem, f.read_text(encoding="utf-8", errors="replace")) for f in files[:limit]]


def speed(static: StaticEmbedder, e5_docs: int) -> None:
    articles = [t for _, t in read_articles(200, seed=1)]
    if not articles:
        print("speed: SemEval data absent, skipped")
        return
    fresh = StaticEmbedder(tokenizer=E5Tokenizer())  # cold tokenizer memo: worst case
    tokens = np.mean([len(fresh.tokenizer.encode(a)) for a in articles[:50]])
    fresh = StaticEmbedder(tokenizer=E5Tokenizer())
    t0 = time.perf_counter()
    for art in articles:
        sents = [s.text for s in split_sentences(art)]
        fresh.embed([art, *sents])
    dt = time.perf_counter() - t0
    n_sents = sum(len(split_sentences(a)) for a in articles)
    print(f"static: {len(articles)} articles (mean {tokens:.0f} tokens, {n_sents / len(articles):.0f} sentences each), "
          f"article + its sentences, cold tokenizer memo: {1000 * dt / len(articles):.1f} ms/article, "
          f"{len(articles) / dt:.1f} articles/s")
    t0 = time.perf_counter()
    static.embed(articles)
    dt = time.perf_counter() - t0
    print(f"static: articles only, warm tokenizer memo: {len(articles) / dt:.0f} texts/s")
    e5 = E5Embedder(cache=False)
    sample = articles[:e5_docs]
    e5.embed(sample[:1])
    t0 = time.perf_counter()
    e5.embed(sample)
    dt = time.perf_counter() - t0
    print(f"e5: {len(sample)} articles (truncated to {e5.max_tokens} tokens), no cache: {len(sample) / dt:.2f} texts/s")


def crosslingual(name: str, emb) -> None:  # noqa: ANN001
    langs = ["BG", "RU", "PT", "HI"]
    en = emb.embed([row[0] for row in TRANSLATIONS])
    same, other, hits = [], [], 0
    for j, lang in enumerate(langs, start=1):
        tr = emb.embed([row[j] for row in TRANSLATIONS])
        sim = en @ tr.T
        same.extend(np.diag(sim))
        other.extend(sim[~np.eye(len(sim), dtype=bool)])
        hits += int((sim.argmax(1) == np.arange(len(sim))).sum())
    total = len(TRANSLATIONS) * len(langs)
    print(f"{name}: cross-lingual cosine translation {np.mean(same):.3f} vs unrelated {np.mean(other):.3f}; "
          f"EN->X retrieval top-1 {hits}/{total}")


def probe(static: StaticEmbedder, n_docs: int) -> None:
    if not DATA.is_dir():
        print("probe: SemEval data absent, skipped")
        return
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import KFold
    from sklearn.multiclass import OneVsRestClassifier
    from sklearn.preprocessing import MultiLabelBinarizer

    from narrascope.semeval.io import read_subtask2

    labels: dict[str, list[str]] = {}
    for lang in LANGS:
        for doc_id, ann in read_subtask2(DATA / lang / "subtask-2-annotations.txt").items():
            labels[doc_id] = sorted(set(ann.narratives))
    docs = [(d, t) for d, t in read_articles(seed=2) if d in labels][:n_docs]
    ids, texts = [d for d, _ in docs], [t for _, t in docs]
    mlb = MultiLabelBinarizer()
    Y = mlb.fit_transform([labels[d] for d in ids])
    keep = Y.sum(0) >= 5  # classes with at least 5 documents in the subset
    Y = Y[:, keep]
    classes = np.array(mlb.classes_)[keep]
    print(f"probe: {len(ids)} documents, {len(classes)} coarse narratives with >= 5 documents, 5-fold CV")
    t0 = time.perf_counter()
    x_e5 = E5Embedder().embed(texts)
    print(f"probe: e5 embeddings in {time.perf_counter() - t0:.0f} s (cached on disk for re-runs)")
    for name, X in (("static", static.embed(texts)), ("e5", x_e5)):
        pred_knn, pred_lr = np.zeros_like(Y), np.zeros_like(Y)
        for train, test in KFold(5, shuffle=True, random_state=0).split(X):
            sim = X[test] @ X[train].T
            nn = np.argsort(-sim, axis=1)[:, :5]
            pred_knn[test] = (Y[train][nn].mean(1) >= 0.4).astype(int)
            fit_cols = Y[train].sum(0) > 0
            lr = OneVsRestClassifier(LogisticRegression(C=10.0, max_iter=2000))
            lr.fit(X[train], Y[train][:, fit_cols])
            proba = np.zeros((len(test), Y.shape[1]))
            proba[:, fit_cols] = lr.predict_proba(X[test])
            top = proba.argmax(1)
            pred = (proba >= 0.3).astype(int)
            pred[np.arange(len(test)), top] = 1  # at least one label per document
            pred_lr[test] = pred
        print(f"probe {name}: sample-F1 kNN(k=5) {_sample_f1(Y, pred_knn):.3f}, "
              f"logistic regression {_sample_f1(Y, pred_lr):.3f}")


def _sample_f1(gold: np.ndarray, pred: np.ndarray) -> float:
    tp = (gold & pred).sum(1)
    denom = gold.sum(1) + pred.sum(1)
    return float(np.mean(np.where(denom > 0, 2 * tp / np.maximum(denom, 1), 0.0)))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--probe-docs", type=int, default=200)
    ap.add_argument("--e5-docs", type=int, default=8)
    ap.add_argument("--skip", nargs="*", default=[], choices=["speed", "crosslingual", "probe"])
    args = ap.parse_args()
    t0 = time.perf_counter()
    static = get_embedder("static")
    print(f"static: loaded in {time.perf_counter() - t0:.1f} s, dim {static.dim}")
    if "speed" not in args.skip:
        speed(static, args.e5_docs)
    if "crosslingual" not in args.skip:
        crosslingual("static", static)
        crosslingual("e5", E5Embedder(cache=False))
    if "probe" not in args.skip:
        probe(static, args.probe_docs)


if __name__ == "__main__":
    main()
