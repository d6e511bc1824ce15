"""Time to re-analyse a stored corpus with a new narrative model (``narrascope reanalyze``), the last step of the
review loop (issue 26).

Builds a SQLite store of ``--docs`` distinct articles (the SemEval training articles and word-swapped variants,
``article_variants.py``) whose analyses claim an older model and 1 % of which are reviewed, then re-analyses it with
a shipped model copied to another directory (a "new" model: another model id) and the standard steps (language,
narratives, explain). ``--model default`` is the shipped default (n-gram heads and the fine-tuned e5 encoder, about
a second of CPU per article); ``--model lexical`` the n-gram model, the kind ``narrascope train --db`` makes without
``--encoder``; or a model directory. Prints the documents, wall-clock and CPU seconds of this process (on a busy
machine the wall clock mostly measures waiting for a core), documents per second, the reviewed articles whose
reviewed labels were kept, and the time of a second run (nothing left to do).

    python benchmarks/reanalysis.py --docs 10000 --model lexical
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from article_variants import read_articles, varied_documents  # noqa: E402

from narrascope.corpus.reanalysis import reanalyze  # noqa: E402
from narrascope.documents import Analysis, LabelScore  # noqa: E402
from narrascope.pipeline import DEFAULT_STEPS, Pipeline  # noqa: E402
from narrascope.shipped import MODELS_DIR  # noqa: E402
from narrascope.store import open_store  # noqa: E402

OLD = "URW: Discrediting Ukraine"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=10_000)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--model", default="default", help="default, lexical (shipped models) or a model directory")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        model = Path(tmp) / "new-model"
        shipped = MODELS_DIR / args.model
        shutil.copytree(shipped if shipped.is_dir() else Path(args.model), model)
        pipeline = Pipeline.from_names(DEFAULT_STEPS, narratives={"model": str(model)})
        pipeline.batch_size = args.batch_size
        store = open_store(Path(tmp) / "corpus.db")
        documents = varied_documents(args.docs, read_articles(), language=True)
        with store.transaction():
            store.add_documents(documents)
            store.add_analyses([Analysis(d.id, language=d.language, narratives=[LabelScore(OLD, 0.5)],
                                         model="narratives:old@000000000000", taxonomy=pipeline.taxonomy.name)
                                for d in documents])
        reviewed = [d.id for d in documents[:: 100]]
        with store.transaction():
            for doc_id in reviewed:
                store.review(doc_id, "narrative", OLD, "accepted", user="benchmark")
        pipeline.analyze_batch(documents[:2])  # load the models before the clock starts
        started, cpu = time.perf_counter(), time.process_time()
        summary = reanalyze(store, pipeline, batch_size=args.batch_size)
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        kept = sum(1 for i in reviewed if OLD in store.get_analysis(i).narrative_labels)  # type: ignore[union-attr]
        again = reanalyze(store, pipeline, batch_size=args.batch_size)
        store.close()
    print(json.dumps({"documents": summary.done, "failed": summary.failed, "seconds": round(seconds, 1),
                      "cpu_seconds": round(cpu, 1),
                      "documents_per_second": round(summary.done / seconds, 1), "reviewed": len(reviewed),
                      "reviewed_labels_kept": kept, "second_run_seconds": again.seconds,
                      "second_run_documents": again.done, "batch_size": args.batch_size, "model": args.model,
                      "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}))


if __name__ == "__main__":
    main()
