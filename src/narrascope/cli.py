"""The ``narrascope`` command line: a thin layer over the library API.

Every command prints results to stdout (JSONL by default) or to ``--out``; errors print one line and exit 2
(``--debug`` shows the traceback).
"""

from __future__ import annotations

import json
import logging
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from pathlib import Path
from typing import TYPE_CHECKING, Any, Optional

import typer
from rich.console import Console
from rich.markup import escape

from narrascope import __version__
from narrascope.errors import NarrascopeError

if TYPE_CHECKING:  # imported lazily at run time: the CLI starts fast
    from narrascope.pipeline import Pipeline
    from narrascope.semeval.io import SemevalCorpus
    from narrascope.taxonomy import Taxonomy

app = typer.Typer(
    help="narrascope: propaganda narratives, entity framing and grounded explanations for multilingual news.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
taxonomy_app = typer.Typer(help="Inspect and check narrative taxonomies (SemEval's or your own YAML file).", no_args_is_help=True)
app.add_typer(taxonomy_app, name="taxonomy")

err = Console(stderr=True)
_state: dict[str, bool] = {"debug": False}


def cli_errors(func: Callable[..., Any]) -> Callable[..., Any]:
    """Turn library errors into one clear line on stderr and exit status 2."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except (NarrascopeError, OSError, ValueError) as exc:
            if _state["debug"]:
                raise
            _print_error(str(exc))
            raise typer.Exit(2) from None
        except Exception as exc:
            if _state["debug"] or not _is_database_error(exc):
                raise
            db = kwargs.get("db", "the store")
            _print_error(f"database {db}: {exc} ({type(exc).__name__}); is --db a narrascope store, and is it intact?")
            raise typer.Exit(2) from None

    return wrapper


def _print_error(message: str) -> None:
    err.print(f"[red]error:[/red] {escape(message)}", highlight=False, markup=True, soft_wrap=True)


def _is_database_error(exc: Exception) -> bool:
    """An error of the database driver (sqlite3 or psycopg): a store that is foreign, corrupt, locked or read-only."""
    import sqlite3

    if isinstance(exc, sqlite3.Error):
        return True
    psycopg = sys.modules.get("psycopg")  # imported only when a postgresql:// store was opened
    return psycopg is not None and isinstance(exc, psycopg.Error)


@app.callback()
def _main(
    debug: bool = typer.Option(False, "--debug", help="Show full tracebacks on errors."),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Log progress details to stderr."),
) -> None:
    _state["debug"] = debug
    logging.basicConfig(level=logging.DEBUG if debug else logging.INFO if verbose else logging.WARNING)


@app.command()
def version() -> None:
    """Print the narrascope version."""
    typer.echo(f"narrascope {__version__}")


MODEL_HELP = ("A narrative model directory made by `narrascope train`, or a shipped one: default (n-grams + fine-tuned "
              "e5) or lexical (n-grams only: the fast route).")


def _taxonomy(model: Path | None, taxonomy: Path | None) -> Taxonomy:
    """The taxonomy of --taxonomy FILE, else of --model DIR, else of the shipped narrative model."""
    from narrascope.shipped import narrative_model_dir
    from narrascope.taxonomy import load_taxonomy

    return load_taxonomy(taxonomy or narrative_model_dir(model))


@taxonomy_app.command("show")
@cli_errors
def taxonomy_show(
    model: Optional[Path] = typer.Option(None, "--model", help="Show the taxonomy this model directory carries."),
    taxonomy: Optional[Path] = typer.Option(None, "--taxonomy", help="Show this taxonomy YAML file."),
    domain: Optional[str] = typer.Option(None, help="Only this domain (e.g. URW or CC)."),
    roles: bool = typer.Option(False, "--roles", help="Show the entity roles instead of narratives."),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
) -> None:
    """List narratives and subnarratives (or entity roles) with their labels and definitions.

    Default: the SemEval-2025 Task 10 taxonomy shipped with narrascope.
    """
    tax = _taxonomy(model, taxonomy)
    if roles:
        rows = [{"main_role": r.main_role, "fine_role": r.name, "definition": r.definition} for r in tax.roles]
        if as_json:
            typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
            return
        if not rows:
            err.print(f"the taxonomy {tax.name!r} has no entity roles", highlight=False, markup=False)
        for row in rows:
            typer.echo(f"{row['main_role']:<12} {row['fine_role']:<18} {row['definition'][:90]}")
        return
    narratives = [n for n in tax.narratives if domain is None or n.domain == domain.upper()]
    if as_json:
        data = [
            {"label": n.label, "definition": n.definition, "subnarratives": [{"label": s.label, "definition": s.definition} for s in n.subnarratives]}
            for n in narratives
        ]
        typer.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    for n in narratives:
        typer.echo(f"{n.label}\n    {n.definition}")
        for s in n.subnarratives:
            typer.echo(f"  - {s.name}: {s.definition[:100]}")
        typer.echo(f"  - {n.other_label.split(': ')[-1]} (narrative applies, no listed subnarrative fits)")


@taxonomy_app.command("validate")
@cli_errors
def taxonomy_validate(
    file: Path = typer.Argument(..., help="A taxonomy YAML file (format: docs/custom-narratives.md)."),
) -> None:
    """Check a taxonomy file and print the labels it defines; errors name the file and line (exit status 2)."""
    from narrascope.taxonomy import Taxonomy

    tax = Taxonomy.from_file(file)
    subs = sum(len(n.subnarratives) for n in tax.narratives)
    domains = f", domains {', '.join(tax.domains)}" if tax.domains else ""
    typer.echo(f"{file}: ok: taxonomy {tax.name!r}, {len(tax.narratives)} narratives, {subs} subnarratives"
               f"{domains}, {len(tax.roles)} entity roles")
    missing = [n.label for n in tax.narratives if not n.definition] + \
              [s.label for n in tax.narratives for s in n.subnarratives if not s.definition]
    for label in missing:
        err.print(f"warning: {label!r} has no definition (explanations use it)", highlight=False, markup=False)
    for label in tax.coarse_labels + [l for l in tax.fine_labels if l != "Other"]:
        typer.echo(f"  {label}")


@contextmanager
def _progress(label: str, delay: float = 2.0) -> Iterator[Callable[[int], None] | None]:
    """A transient progress bar on stderr, shown only on a terminal and only once the run takes over ``delay`` s."""
    if not err.is_terminal:
        yield None
        return
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    bar = Progress(SpinnerColumn(), TextColumn(label), TextColumn("{task.completed} documents"), TimeElapsedColumn(), console=err, transient=True)
    start, done, task = time.monotonic(), 0, None

    def advance(count: int) -> None:
        nonlocal done, task
        done += count
        if task is None and time.monotonic() - start >= delay:
            bar.start()
            task = bar.add_task(label, total=None)
        if task is not None:
            bar.update(task, completed=done)

    try:
        yield advance
    finally:
        if task is not None:
            bar.stop()


@app.command()
@cli_errors
def analyze(
    paths: list[Path] = typer.Argument(..., help="Files (.txt, .html, .jsonl, .csv) and folders (read recursively; SemEval folders too)."),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="Write here instead of stdout."),
    fmt: str = typer.Option("jsonl", "--format", "-f", help="jsonl (one analysis per line), csv (flat columns) or semeval (subtask-2 submission)."),
    steps: Optional[str] = typer.Option(None, "--steps", help="Comma-separated pipeline steps (default: the standard pipeline)."),
    model: Optional[Path] = typer.Option(None, "--model", help=MODEL_HELP),
    batch_size: int = typer.Option(32, "--batch-size", min=1, help="Documents per pipeline batch."),
    engine: str = typer.Option("local", "--engine", help='local (this machine) or ray (a Ray cluster; pip install "narrascope\\[ray]").'),
    workers: Optional[int] = typer.Option(None, "--workers", min=0, help="Parallel workers: 1 runs in-process (the local default), 0 uses every core (local) or every cluster CPU (the ray default)."),
    address: Optional[str] = typer.Option(None, "--address", help="Ray cluster: auto (the running cluster) or ray://host:10001; default starts a local Ray."),
) -> None:
    """Analyse articles: language, narratives, entity framing and explanations, one record per document.

    Reads every PATH (folders recursively), runs the pipeline and writes JSONL to stdout (or --out). Unreadable
    inputs and documents a step fails on are reported, not fatal: a summary on stderr lists them. Exit status 0
    when at least one document was analysed, 1 when all failed, 2 on usage errors.
    """
    from narrascope.errors import ConfigError
    from narrascope.io import read_inputs
    from narrascope.io.writers import RunSummary, analyze_items, open_writer
    from narrascope.registry import writers

    if fmt not in writers:
        raise ConfigError(f"unknown --format {fmt!r}; choose one of: {', '.join(writers.names())}")
    names = _step_names(steps)
    if fmt == "semeval" and "narratives" not in names:
        raise ConfigError(f"--format semeval needs the 'narratives' step (steps: {', '.join(names)})")
    options = _step_options(model)
    pipeline = _pipeline(names, options)
    pipeline.batch_size = batch_size
    runner: Any = _engine_run(engine, workers, address, names, options, batch_size) or pipeline
    summary = RunSummary()
    writer = open_writer(fmt, out)
    try:
        with _progress("analysing") as advance:
            inputs = read_inputs(paths, skip=[out] if out is not None else [])  # never its own output
            for analysis, info in analyze_items(runner, inputs, progress=advance):
                writer.write(analysis, info)
                summary.add(analysis, info)
    finally:
        writer.close()
    if summary.analysed + summary.failed == 0:
        raise ConfigError(f"no input documents found in {', '.join(map(str, paths))}")
    for line in summary.report():
        err.print(line, highlight=False, markup=False, soft_wrap=True)
    if summary.analysed == 0:
        raise typer.Exit(1)


def _engine_run(engine: str, workers: int | None, address: str | None, names: list[str],
                options: dict[str, dict[str, Any]], batch_size: int) -> Any:
    """The ``EngineRun`` that ``--engine``, ``--workers`` and ``--address`` ask for; ``None`` for the in-process run
    (the local engine with one worker, its default)."""
    if workers is None:
        workers = 1 if engine == "local" else 0
    if engine == "local" and workers == 1:
        return None
    from narrascope.engines import EngineRun, PipelineSpec, create_engine

    engine_options: dict[str, Any] = {"workers": workers or None, **({"address": address} if engine == "ray" else {})}
    return EngineRun(create_engine(engine, **engine_options), PipelineSpec(tuple(names), options=options, batch_size=batch_size))


def _step_names(steps: str | None) -> list[str]:
    """The pipeline steps named by a ``--steps`` value (None: the default ones), checked against the registry."""
    from narrascope.errors import ConfigError
    from narrascope.pipeline import DEFAULT_STEPS
    from narrascope.registry import steps as step_registry

    names = [n.strip() for n in steps.split(",") if n.strip()] if steps is not None else list(DEFAULT_STEPS)
    if not names:
        raise ConfigError("--steps is empty; name at least one step")
    for name in names:
        if name not in step_registry:
            raise ConfigError(f"unknown step {name!r}; available: {', '.join(step_registry.names())}")
    return names


def _step_options(model: Path | None) -> dict[str, dict[str, Any]]:
    """Step options for ``--model DIR``: the narratives step loads that model (checked now, not at the first batch)."""
    if model is None:
        return {}
    from narrascope.errors import ConfigError

    if not (model / "config.json").is_file():
        raise ConfigError(f"--model {model}: not a narrative model directory (no config.json); "
                          "make one with `narrascope train FILES --out DIR`")
    return {"narratives": {"model": str(model)}}


def _pipeline(names: list[str], options: dict[str, dict[str, Any]] | None = None, load: bool = True) -> Pipeline:
    """The pipeline of ``names``; ``load``: its models now (a damaged one fails here, naming its file), else when it
    first analyses (its taxonomy is read without them)."""
    from narrascope.errors import ConfigError
    from narrascope.pipeline import Pipeline

    try:
        pipeline = Pipeline.from_names(names, **(options or {}))
        return pipeline.prepare() if load else pipeline
    except ImportError as exc:
        raise ConfigError(f"a step is unavailable: {exc}; install its optional dependencies") from exc


def _read_training(data_dirs: list[Path]) -> SemevalCorpus:
    from narrascope.semeval.io import SemevalCorpus, read_semeval_folder

    corpus = SemevalCorpus()
    for folder in data_dirs:
        corpus.extend(read_semeval_folder(folder))
    return corpus


@app.command()
@cli_errors
def train(
    paths: Optional[list[Path]] = typer.Argument(None, help="Labelled .csv/.jsonl files (id, text, labels, optional language), folders of them, or SemEval folders."),
    out: Path = typer.Option(..., "--out", help="Directory to write the trained narrative model to."),
    taxonomy: Optional[Path] = typer.Option(None, "--taxonomy", help="Your taxonomy YAML file (default: SemEval-2025 Task 10's)."),
    folds: int = typer.Option(5, help="Folds used to tune the decision thresholds on out-of-fold predictions."),
    db: Optional[str] = typer.Option(None, "--db", help="Also train on the articles reviewed in this corpus (SQLite file or postgresql:// URL); they win over a file row with the same id."),
    encoder: bool = typer.Option(False, "--encoder", help="Also fine-tune multilingual-e5-small's top layers (needs the 'train' extra: PyTorch) and blend it with the n-gram heads: ~45 min on 2 cores for the SemEval release."),
    epochs: int = typer.Option(2, "--epochs", help="With --encoder: passes over the training articles."),
    work_dir: Path = typer.Option(Path(".narrascope-train"), "--work-dir", help="With --encoder: cached frozen-layer states and per-fold checkpoints; a rerun resumes from them."),
    supplement: bool = typer.Option(True, "--supplement/--no-supplement", help="With --encoder: add narrascope's hand-written training supplement (neutral reports and narratives in languages the release lacks)."),
    cv_supplement: bool = typer.Option(True, "--cv-supplement/--final-supplement", help="With --encoder --supplement: also in every fold (default), or only in the final fit, with the blend and thresholds tuned on folds trained without it (their folds are reused: ~10 min instead of ~50)."),
    fold_supplement: Optional[int] = typer.Option(None, "--fold-supplement", min=0, help="With --encoder --supplement: the folds (that tune the blend and thresholds) use only the supplement's first N articles, the final fit all of it; the folds of an earlier, smaller supplement are then reused (~40 min instead of ~2 h)."),
    language_thresholds: bool = typer.Option(True, "--language-thresholds/--shared-thresholds", help="With --encoder: tune decision thresholds per training language (default; they also learn each language's share of narratives in the training data) or one set for all languages."),
    blend: Optional[float] = typer.Option(None, "--blend", min=0.05, max=1.0, help="With --encoder: the encoder's weight in the blend, 0.05 to 1 (default: the one of 0.25, 0.5, 0.75, 1 with the best cross-validated fine F1)."),
    base: Optional[Path] = typer.Option(None, "--base", help="With --db and no FILES: the model the corpus was analysed with (default: the shipped one); its taxonomy and its training data are used with the reviewed articles."),
) -> None:
    """Train the narrative classifier and save it, with its taxonomy, to --out.

    CSV/JSONL rows: 'labels' joins the taxonomy's labels ('Narrative' or 'Narrative: Subnarrative') with ';'; empty
    means no narrative. A label the taxonomy does not know is an error naming the file and line. With --db, the
    articles reviewed in the dashboard are added (`narrascope export-labels` shows them); with --db and no FILES, the
    training data of the --base model (what its TRAINING_DATA.json names; for the shipped model the SemEval release)
    is used with them, so a handful of reviewed articles is enough. It says what it trained on. Thresholds are tuned
    on out-of-fold predictions (K-fold by document), then the model is refit on all documents. Use it with
    `narrascope analyze --model DIR` and `narrascope reanalyze --db DB --model DIR`.
    """
    from functools import partial

    from narrascope.components.narratives.classifier import DEFAULT_MODEL_DIR, NarrativeClassifier
    from narrascope.components.narratives.fewshot import FEWSHOT_BELOW
    from narrascope.errors import InputError
    from narrascope.semeval.io import SemevalCorpus
    from narrascope.training.data import read_training_data
    from narrascope.training.evaluation import train_narratives
    from narrascope.training.sources import MIN_ARTICLES, model_training_data, record_training_data

    if not paths and not db:
        raise InputError("nothing to train on: give labelled files or folders, or --db with reviewed articles")
    base_dir = base or DEFAULT_MODEL_DIR
    tax = _taxonomy(None if taxonomy or paths else base_dir, taxonomy)
    files, notes = (list(paths), []) if paths else model_training_data(base_dir) if db else ([], [])
    corpus = read_training_data(files, tax) if files else SemevalCorpus(taxonomy=tax)
    from_files = len(corpus.narratives)
    reviewed = 0
    if db:
        mine = _reviewed_corpus(db, tax)
        reviewed = len(mine.narratives)
        corpus.extend(mine)
        if not reviewed and not paths:
            raise InputError(f"{db} has no reviewed articles yet: review some in the dashboard (/review) first")
    used = [f"{reviewed} reviewed articles from {db}"] if db else []
    used += [f"{from_files} labelled articles from {', '.join(map(str, files))}"] if files else []
    err.print("training on " + " and ".join(used) + "".join(f"; note: {n}" for n in notes), highlight=False, markup=False)
    if len(corpus.narratives) < MIN_ARTICLES:
        raise InputError(
            f"{len(corpus.narratives)} labelled articles are too few to train a narrative model (at least {MIN_ARTICLES}: "
            "thresholds are tuned on held-out folds, and a model made from a handful of articles forgets what the "
            "current one knew). Add them to the data the current model learned from: give its training files "
            f"(narrascope train FILES --db {db or 'DB'} --out DIR), or name that model with --base DIR"
            + (f" ({'; '.join(notes)})" if notes else ""))
    folds = min(folds, len(corpus.narratives))
    # your own taxonomy: a narrative with fewer than FEWSHOT_BELOW labelled articles is scored from its definition,
    # examples and those articles (docs/custom-narratives.md, "Few labelled articles")
    fewshot_below = FEWSHOT_BELOW if taxonomy is not None else 0
    make_model = partial(NarrativeClassifier, taxonomy=tax, fewshot_below=fewshot_below)
    if encoder:
        from narrascope.training.encoder_tuning import EncoderSettings, train_narratives_with_encoder

        settings = EncoderSettings(work_dir=work_dir, epochs=epochs, supplement=supplement,
                                   cv_supplement=cv_supplement, fold_supplement=fold_supplement,
                                   language_thresholds=language_thresholds)
        if blend is not None:
            settings.blends = (blend,)
        model, thresholds, blend_table = train_narratives_with_encoder(
            corpus, settings, folds=max(folds, 3), make_model=make_model, progress=lambda m: err.print(m))
        typer.echo(blend_table)
        cv = None
        extra = (f"- **Fine-tuned e5 head** (`encoder/`), blended with weight {model.encoder_blend}:\n\n```\n"
                 f"{blend_table}\n```\n")
    else:
        model, thresholds, cv = train_narratives(corpus, folds=folds, progress=lambda m: err.print(m),
                                                 make_model=make_model)
        extra = ""
    card = out / "MODEL_CARD.md"
    if card.is_file():  # a hand-written card (the shipped model's) is kept
        text = card.read_text(encoding="utf-8")
    else:
        languages = sorted({(d.language or "unknown") for i, d in corpus.documents.items() if i in corpus.narratives})
        text = (f"# narrative model\n\n- **Taxonomy**: {tax.name} (`taxonomy.yaml`)\n- **Training data**: "
                f"{len(corpus.narratives)} articles ({'; '.join(used)}; `TRAINING_DATA.json`); languages: "
                f"{', '.join(languages)} (other languages take the "
                f"{'fine-tuned encoder' if encoder else 'dense transfer head'}: less reliable)\n- **Thresholds**: "
                f"{thresholds}\n" + extra
                + (f"- **{folds}-fold CV** (F1 samples, mean ± std over folds):\n\n```\n{cv.table()}\n```\n" if cv else ""))
    model.save(out, model_card=text)  # atomically: `out` holds the old model until the new one is complete
    record_training_data(out, files, reviewed, db)
    if cv is not None:
        typer.echo(f"{folds}-fold CV of this configuration, F1 samples (mean ± std over folds)")
        typer.echo(cv.table())
    err.print(f"trained on {len(corpus.narratives)} documents, taxonomy {tax.name!r}; thresholds {thresholds['global']}; "
              f"saved to {out}", highlight=False, markup=False)


def _reviewed_corpus(db: str, taxonomy: Taxonomy) -> SemevalCorpus:
    from narrascope.training.labelled import labelled_corpus
    from narrascope.store import open_store

    store = open_store(db)
    try:
        return labelled_corpus(store.reviewed_examples(), taxonomy)
    finally:
        store.close()


@app.command("export-labels")
@cli_errors
def export_labels(
    db: str = typer.Option("narrascope.db", "--db", help="SQLite file or postgresql:// URL."),
    fmt: str = typer.Option("csv", "--format", help="csv or jsonl (id, text, language, labels; jsonl adds reviewed entity roles), or semeval (subtask-2 annotation lines)."),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="Write here instead of stdout."),
    taxonomy: Optional[Path] = typer.Option(None, "--taxonomy", help="Taxonomy YAML of the labels, for --format semeval (default: SemEval-2025 Task 10's)."),
) -> None:
    """Write the articles reviewed in the dashboard with their reviewed labels.

    'labels' joins narratives ('Narrative') and subnarratives ('Narrative: Subnarrative') with ';', the format
    `narrascope train FILES` reads; `narrascope train --db DB` trains on the same set directly.
    """
    from narrascope.errors import ConfigError
    from narrascope.training.labelled import LABELLED_FORMATS, write_labelled
    from narrascope.store import open_store

    if fmt not in LABELLED_FORMATS:
        raise ConfigError(f"unknown --format {fmt!r}; use one of {', '.join(LABELLED_FORMATS)}")
    tax = _taxonomy(None, taxonomy) if fmt == "semeval" else None
    store = open_store(db)
    try:
        examples = store.reviewed_examples()
    finally:
        store.close()
    if out is None:
        write_labelled(sys.stdout, examples, fmt, tax)
        return
    with open(out, "w", encoding="utf-8", newline="") as handle:
        count = write_labelled(handle, examples, fmt, tax)
    err.print(f"{count} reviewed articles written to {out}", highlight=False, markup=False)


@app.command()
@cli_errors
def evaluate(
    data_dirs: list[Path] = typer.Argument(..., help="SemEval folders (a release folder or language folders)."),
    folds: int = typer.Option(5, help="Number of cross-validation folds (split by document id, stratified by language)."),
    subtask: int = typer.Option(2, "--subtask", min=1, max=3, help="Subtask to evaluate (1: entity framing, 2: narratives, 3: explanations)."),
    similarity: str = typer.Option("e5", help="Subtask 3 similarity (a registered name: e5 = multilingual-e5-small cosine, token-f1)."),
    holdout_language: bool = typer.Option(False, "--holdout-language", help="Subtask 2: also hold out each language in turn (train on the others, score it) and print it beside the in-language CV, with the mean."),
) -> None:
    """Cross-validate on SemEval data and print official scores per language (mean ± std over folds).

    Subtask 2 with --holdout-language adds leave-one-language-out scores: for each language, a model trained on the
    other languages scores it through the route a trained model takes for a language without training articles (the
    dense head on static multilingual embeddings), with thresholds tuned leave-one-language-out on the training
    languages only (never on the held-out language's labels).

    Subtask 1 frames the gold mentions (EMR, micro P/R/F1 over fine roles, main-role accuracy; pooled over folds).

    Subtask 3 explains each gold dominant narrative and prints the mean similarity to the gold explanations per
    language for: the extractive explainer with per-language settings chosen by CV on the other folds (the unbiased
    figure), the same with the shipped settings (chosen on all of this data), and the first-80-words baseline.
    """
    if subtask == 1:
        from narrascope.training.entities import cross_validate_framer

        scores = cross_validate_framer(_read_training(data_dirs), n_folds=folds)
        typer.echo(f"Subtask 1, {folds}-fold CV by document on gold mentions (pooled over folds)")
        typer.echo(scores.summary())
        return
    if subtask == 3:
        _evaluate_explanations(data_dirs, similarity, folds)
        return
    from narrascope.training.evaluation import cross_validate_narratives

    corpus = _read_training(data_dirs)
    result = cross_validate_narratives(corpus, folds=folds, progress=lambda m: err.print(m))
    typer.echo(f"Subtask 2, {folds}-fold CV, official F1 samples (mean ± std over folds)")
    typer.echo(result.table())
    if holdout_language:
        from narrascope.training.transfer import cross_validate_holdout_language

        held_out = cross_validate_holdout_language(corpus, progress=lambda m: err.print(m))
        typer.echo("\nSubtask 2, each language held out (trained on the others), official F1 samples, beside the "
                   f"in-language {folds}-fold CV")
        typer.echo(held_out.table(result))


DOCS_OPTION = typer.Option(..., "--docs", help="The articles: a SemEval language folder or a folder of <id>.txt files.")
OUT_OPTION = typer.Option(None, "--out", "-o", help="Write the predictions here instead of stdout.")


def _official_output(out: Path | None, write: Callable[[Path, Any], None], predictions: list[Any],
                     line: Callable[[Any], str], what: str) -> None:
    """Official predictions to ``out`` with ``write``, or one ``line`` each to stdout."""
    if out is None:
        for prediction in predictions:
            typer.echo(line(prediction))
        return
    write(out, predictions)
    err.print(f"{len(predictions)} {what}; written to {out}")


@app.command()
@cli_errors
def frame(
    mentions: Path = typer.Argument(..., help="Official subtask-1-entity-mentions.txt (id, mention, start, end; offsets as in SemEval)."),
    docs: Path = DOCS_OPTION,
    out: Optional[Path] = OUT_OPTION,
    model: Optional[Path] = typer.Option(None, "--model", help="An entity framer directory (default: the shipped one)."),
) -> None:
    """Assign main and fine roles to given entity mentions (SemEval subtask 1).

    Writes the official prediction format (id, mention, start, end, main_role, fine_role...) in input order.
    """
    from narrascope.semeval.tasks import frame_mention_file
    from narrascope.semeval.io import write_subtask1

    predictions = frame_mention_file(mentions, docs, model)
    _official_output(out, write_subtask1, predictions, what="mentions framed",
                     line=lambda m: "\t".join([m.id, m.mention, str(m.start), str(m.end), m.main_role or "", *m.fine_roles]))


@app.command()
@cli_errors
def explain(
    dominant: Path = typer.Argument(..., help="Official subtask-3-dominant-narratives.txt (id, dominant narrative, dominant subnarrative or none)."),
    docs: Path = DOCS_OPTION,
    out: Optional[Path] = OUT_OPTION,
    explainer: str = typer.Option("extractive", "--explainer", help="A registered explainer: extractive (default) or llm."),
) -> None:
    """Explain each article's given dominant narrative (SemEval subtask 3).

    Writes the official prediction format (id, explanation of at most 80 words) in input order.
    """
    from narrascope.semeval.tasks import explain_dominant_file
    from narrascope.semeval.io import write_subtask3

    predictions = explain_dominant_file(dominant, docs, explainer)
    _official_output(out, write_subtask3, predictions, what="explanations",
                     line=lambda p: f"{p[0]}\t{' '.join(p[1].split())}")


def _evaluate_explanations(data_dirs: list[Path], similarity: str, folds: int) -> None:
    from narrascope.training.evaluation import cross_validate_explainer, explanation_similarity, explanation_table
    from narrascope.training.explainer_tuning import GRID
    from narrascope.components.explain.explainers import default_embedder
    from narrascope.training.explanations import evaluate_explanations

    function, name = explanation_similarity(similarity)
    corpus = _read_training(data_dirs)
    if not corpus.explanations:
        raise typer.BadParameter("no subtask-3-annotations.txt (explanations) in the given folders")
    result = evaluate_explanations(corpus.documents, corpus.explanations, similarity=function, similarity_name=name,
                                   taxonomy=corpus.taxonomy)
    mine, base = result["explainer"], result["baseline"]
    err.print(f"cross-validating the explainer's per-language settings ({len(GRID)} settings x {mine.n_documents} documents; "
              "e5 embeddings are cached on disk, the first run takes a while)")
    tuned, cv = cross_validate_explainer(corpus.documents, corpus.explanations, function, name, folds, default_embedder(),
                                         progress=lambda m: err.print(m), taxonomy=corpus.taxonomy)
    typer.echo(f"Subtask 3 on {mine.n_documents} gold dominant narratives; similarity: {name}")
    typer.echo("(the official metric, BERTScore with bert-base-multilingual-cased, needs a download and is not used)")
    typer.echo(explanation_table({f"extractive, {folds}-fold CV": cv, "extractive, shipped": mine, "baseline: first 80 words": base}))
    typer.echo(f"CV: settings chosen per language on the other folds; shipped: settings chosen on all of this data "
               f"({', '.join(f'{lang} {c}' for lang, c in tuned.settings.items())})")
    typer.echo(f"explained {mine.n_documents} documents in {result['seconds']:.1f} s "
               f"({mine.n_documents / max(result['seconds'], 1e-9):.1f} docs/s)")


@app.command()
@cli_errors
def score(
    gold: Path = typer.Argument(..., help="Gold annotation file, or a SemEval language/release folder (adds per-language scores)."),
    pred: Path = typer.Argument(..., help="Predictions in the official submission format of the subtask."),
    subtask: int = typer.Option(2, "--subtask", min=1, max=3, help="1: entity framing, 2: narratives, 3: explanations."),
    similarity: str = typer.Option("token-f1", help="Subtask 3 explanation similarity (a registered name)."),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
) -> None:
    """Score predictions with the official SemEval-2025 Task 10 metrics.

    Subtask 2: F1 samples, coarse and fine. Subtask 1: EMR, micro P/R/F1 over fine roles, main-role accuracy.

    Subtask 3: mean explanation similarity (default: token F1, a lexical proxy for BERTScore) and lengths.

    Gold documents without a prediction count as empty predictions and are reported on stderr.
    """
    from narrascope.semeval.metrics import score_files

    scores = score_files(subtask, gold, pred, similarity=similarity)
    typer.echo(json.dumps(scores.to_dict(), ensure_ascii=False, indent=2) if as_json else scores.summary())
    for note in scores.warnings():
        err.print(f"warning: {note}", highlight=False, markup=False, soft_wrap=True)


@app.command()
@cli_errors
def ingest(
    sources: list[str] = typer.Argument(..., help="Files, folders (.txt/.html/.jsonl/.csv), web pages or RSS/Atom feed URLs."),
    db: str = typer.Option("narrascope.db", "--db", help="SQLite file or postgresql:// URL."),
    analyze: bool = typer.Option(True, "--analyze/--no-analyze", help="Run the analysis pipeline on new documents."),
    batch_size: int = typer.Option(64, min=1, help="Documents per committed batch."),
    engine: str = typer.Option("local", "--engine", help='Where new documents are analysed: local (this machine) or ray (a Ray cluster; pip install "narrascope\\[ray]"). This process alone writes the store.'),
    workers: Optional[int] = typer.Option(None, "--workers", min=0, help="Parallel workers: 1 runs in-process (the local default), 0 uses every core (local) or every cluster CPU (the ray default)."),
    address: Optional[str] = typer.Option(None, "--address", help="Ray cluster: auto (the running cluster) or ray://host:10001; default starts a local Ray."),
    storylines: bool = typer.Option(True, "--storylines/--no-storylines", help="Group new documents into storylines."),
    rate: float = typer.Option(1.0, help="Seconds between two requests to the same host."),
    steps: Optional[str] = typer.Option(None, "--steps", help="Comma-separated pipeline steps (default: the standard pipeline; add entities for entity framing)."),
    model: Optional[Path] = typer.Option(None, "--model", help=MODEL_HELP),
    fetch_deadline: float = typer.Option(60.0, "--fetch-deadline", min=0.1, help="Seconds one fetch (a page, a feed, with redirects) may take in all; a slower one is reported for its URL."),
    allow_private_links: bool = typer.Option(False, "--allow-private-links", help="Fetch links found in feeds (and redirects) that point to loopback, private or link-local addresses (refused by default)."),
    dedup_weeks: int = typer.Option(4, "--dedup-weeks", min=0, help="Syndicated copies are looked for among the articles published within this many calendar weeks (Monday to Sunday) of each article; a copy published later than that counts as an original."),
) -> None:
    """Add new documents to a corpus store, incrementally.

    Documents already stored (same URL or same text) are skipped, and stored URLs are not fetched again. Each batch
    commits on its own, so an interrupted run loses nothing when restarted. Syndicated copies are linked to their
    earliest origin. Prints a JSON summary.

    With --workers N (or --engine ray) the analysis runs on N worker processes (or Ray actors) while this process
    reads the sources and stores each batch as its analyses come back: the store ends as an in-process run leaves it.
    """
    from narrascope.corpus.dedup import DuplicateDetector
    from narrascope.corpus.ingestion import ingest as run_ingest
    from narrascope.io.sources import Fetcher, iter_sources
    from narrascope.pipeline import Pipeline
    from narrascope.store import open_store

    names, options = _step_names(steps), _step_options(model)
    analyser = _engine_run(engine, workers, address, names, options, Pipeline.batch_size) if analyze else None
    # In this process the models load now, so that a damaged one fails before anything is read. On an engine the
    # workers load them, and this process, the writer, keeps no copy (a damaged model then fails every document:
    # each is stored with its error and analysed again by the next ingest).
    pipeline = _pipeline(names, options, load=analyser is None) if analyze else None
    store = open_store(db)
    for advice in store.tuning_advice():
        typer.echo(f"narrascope: {advice}", err=True)
    if pipeline is not None and pipeline.taxonomy is not None:
        try:  # refused before reading anything: a store keeps the taxonomy of its first model
            store.check_taxonomy([pipeline.taxonomy.name])
        except Exception:
            store.close()
            raise
    fetcher = Fetcher(min_interval=rate, deadline=fetch_deadline, allow_private=allow_private_links)
    try:
        known = lambda url: bool(store.known(urls=[url])[0])  # noqa: E731
        with _progress("ingesting") as advance:
            summary = run_ingest(iter_sources(sources, fetcher, skip_url=known), store, analyser or pipeline, sources=sources,
                                 batch_size=batch_size, storylines=storylines, progress=advance, record_ids=False,
                                 detector=DuplicateDetector(window_weeks=dedup_weeks))
    finally:
        fetcher.close()
        store.close()
    typer.echo(json.dumps(summary.to_dict()))


@app.command()
@cli_errors
def reanalyze(
    db: str = typer.Option("narrascope.db", "--db", help="SQLite file or postgresql:// URL."),
    model: Optional[Path] = typer.Option(None, "--model", help=MODEL_HELP),
    steps: Optional[str] = typer.Option(None, "--steps", help="Comma-separated pipeline steps (default: the standard pipeline); entity roles of earlier runs are kept without the entities step."),
    batch_size: int = typer.Option(64, min=1, help="Documents per committed batch."),
) -> None:
    """Label the stored corpus again with a new narrative model (e.g. one made by `narrascope train --db`).

    Incremental and resumable: documents whose analysis this model already made are skipped, each batch commits on
    its own, so a run killed at any moment goes on where it stopped. Reviewed labels are kept. Prints a JSON summary
    (documents re-analysed, failed, already done, seconds).
    """
    from narrascope.corpus.reanalysis import reanalyze as run_reanalysis
    from narrascope.store import open_store

    pipeline = _pipeline(_step_names(steps), _step_options(model))
    pipeline.batch_size = batch_size
    store = open_store(db)
    try:
        with _progress(f"re-analysing with {pipeline.model_id}") as advance:
            summary = run_reanalysis(store, pipeline, batch_size=batch_size, progress=advance,
                                     started=lambda s: err.print(f"{s.todo} documents to re-analyse with {s.model} "
                                                                 f"({s.already} already done)", highlight=False,
                                                                 markup=False))
    finally:
        store.close()
    typer.echo(json.dumps(summary.to_dict()))


@app.command()
@cli_errors
def trends(
    db: str = typer.Option("narrascope.db", "--db", help="SQLite file or postgresql:// URL."),
    by: str = typer.Option("narrative", "--by", help="narrative, subnarrative, outlet or language."),
    since: Optional[str] = typer.Option(None, help="First day (YYYY-MM-DD)."),
    until: Optional[str] = typer.Option(None, help="Last day (YYYY-MM-DD)."),
    alpha: float = typer.Option(1e-4, help="A surge's p-value is at most this."),
    min_docs: int = typer.Option(3, help="A surge needs at least this many documents of the key."),
    min_ratio: float = typer.Option(2.0, help="A surge's share is at least this many times its baseline share."),
) -> None:
    """Daily counts (syndicated copies counted once) as JSONL, then surge alerts on stderr.

    Surge: since some day (at most 14 days back), a key has more documents than its rate over the 28 days before
    explains: exact Poisson test p <= --alpha, at least --min-docs documents, and a share of all documents at least
    --min-ratio times its baseline share.
    """
    from narrascope.corpus.trends import trends as compute
    from narrascope.store import open_store

    store = open_store(db)
    rows, surges = compute(store, by, since, until, alpha=alpha, min_docs=min_docs,  # type: ignore[arg-type]
                           min_ratio=min_ratio)
    store.close()
    for r in rows:
        typer.echo(json.dumps({"day": r.day, by: r.key, "count": r.count}, ensure_ascii=False))
    for s in surges:
        err.print(f"surge {s.key} since {s.since} (to {s.day}): {s.count} docs, expected {s.expected:.1f}; "
                  f"share {s.share:.2f} vs {s.baseline:.2f} (p={s.p_value:.1g})", highlight=False, markup=False)


@app.command()
@cli_errors
def entities(
    db: str = typer.Option("narrascope.db", "--db", help="SQLite file or postgresql:// URL."),
    entity: Optional[str] = typer.Option(None, "--entity", help="Only this entity (its name or one of its mentions)."),
    by: Optional[str] = typer.Option(None, "--by", help="One row per entity and outlet, or per entity and language."),
    since: Optional[str] = typer.Option(None, help="First day (YYYY-MM-DD)."),
    until: Optional[str] = typer.Option(None, help="Last day (YYYY-MM-DD)."),
    limit: int = typer.Option(20, "--limit", min=1, help="The entities framed in the most documents."),
) -> None:
    """How the corpus frames its entities, as JSONL: per entity (and outlet or language), the documents casting it
    as Protagonist, Antagonist or Innocent (each document once, by the role of most of its mentions there; syndicated
    copies counted once). Needs analyses made with the entities step."""
    from narrascope.corpus.entities import entity_framing
    from narrascope.store import open_store

    store = open_store(db)
    try:
        rows = entity_framing(store, entity, by, since, until, limit)  # type: ignore[arg-type]
    finally:
        store.close()
    if not rows:
        err.print("no framed entities in this corpus" + (f" for {entity!r}" if entity else "")
                  + " (ingest with --steps ...,entities,... to frame them)", highlight=False, markup=False)
    for row in rows:
        typer.echo(json.dumps(row.to_dict(), ensure_ascii=False))


@app.command()
@cli_errors
def report(
    db: str = typer.Option("narrascope.db", "--db", help="SQLite file or postgresql:// URL."),
    out: Path = typer.Option(Path("report.html"), "--out", help="HTML file to write."),
    since: Optional[str] = typer.Option(None, help="First day (YYYY-MM-DD)."),
    until: Optional[str] = typer.Option(None, help="Last day (YYYY-MM-DD)."),
) -> None:
    """Write a self-contained HTML report (inline SVG charts): narratives over time, outlets, languages,
    surges, top storylines and entity roles."""
    from narrascope.corpus.report import render_report
    from narrascope.store import open_store

    store = open_store(db)
    out.write_text(render_report(store, since, until), encoding="utf-8")
    store.close()
    typer.echo(str(out))


@app.command()
@cli_errors
def serve(
    db: str = typer.Option("narrascope.db", "--db", help="SQLite file or postgresql:// URL."),
    host: str = typer.Option("127.0.0.1", "--host", help="Interface to listen on (0.0.0.0 for every interface)."),
    port: int = typer.Option(8000, "--port", min=1, max=65535, help="TCP port."),
    token: Optional[str] = typer.Option(None, "--token", envvar="NARRASCOPE_API_TOKEN", show_envvar=True,
                                        help="Bearer token for the write endpoints; without one they are disabled."),
    preload: bool = typer.Option(True, "--preload/--no-preload",
                                 help="Load the models before listening, so the first analysis is not slow."),
    model: Optional[Path] = typer.Option(None, "--model", help=MODEL_HELP + " Pages and analyses use its taxonomy."),
    forwarded_allow_ips: Optional[str] = typer.Option(
        None, "--forwarded-allow-ips",
        help="Behind a reverse proxy: the proxy addresses (comma-separated, or *) whose X-Forwarded-For and "
             "X-Forwarded-Proto headers are trusted for the client address (the anonymous paste limit is per "
             "address). Default: trusted from nobody; every client is its connection's address."),
    dedup_weeks: int = typer.Option(4, "--dedup-weeks", min=0, help="Articles stored through the API: syndicated copies are looked for among the articles published within this many calendar weeks (as `ingest --dedup-weeks`)."),
) -> None:
    """Serve the dashboard and the JSON API (OpenAPI spec at /openapi.json) over a corpus store.

    Pages: overview, articles with highlighted evidence, narratives, storylines, and a form to analyse a pasted article.

    POST /api/analyze and /api/analyze/batch need 'Authorization: Bearer TOKEN'.
    """
    import uvicorn

    from narrascope.pipeline import DEFAULT_STEPS, Pipeline
    from narrascope.store import open_store
    from narrascope.web import create_app
    from narrascope.web.app import warm_up

    pipeline = Pipeline.from_names(DEFAULT_STEPS, **_step_options(model))
    if preload or model is not None:
        pipeline.prepare()  # a damaged --model fails now, naming its file
    store = open_store(db)
    try:  # the pages label with the model's taxonomy: it must be the store's
        store.check_taxonomy([pipeline.taxonomy.name])
    except Exception:
        store.close()
        raise
    if preload:
        started = time.perf_counter()
        warm_up(pipeline)
        err.print(f"models loaded in {time.perf_counter() - started:.1f} s", highlight=False, markup=False)
    if not token:
        err.print("write endpoints disabled (no --token / NARRASCOPE_API_TOKEN)", highlight=False, markup=False)
    unprotected = store.audit_rewritable() if hasattr(store, "audit_rewritable") else None
    if unprotected:
        err.print(f"warning: the review audit trail can be rewritten through this connection ({unprotected}); run "
                  "`narrascope protect-audit --db OWNER_URL --app-role ROLE` as the database owner and connect as ROLE",
                  highlight=False, markup=False)
    try:
        uvicorn.run(create_app(store, pipeline, token=token, dedup_weeks=dedup_weeks), host=host, port=port, log_level="warning",
                    proxy_headers=forwarded_allow_ips is not None, forwarded_allow_ips=forwarded_allow_ips or "")
    finally:
        store.close()


@app.command("protect-audit")
@cli_errors
def protect_audit(
    db: str = typer.Option(..., "--db", help="postgresql:// URL of the corpus, connecting as the database owner or a superuser."),
    app_role: str = typer.Option(..., "--app-role", help="The PostgreSQL role that `serve` and `ingest` connect as."),
) -> None:
    """PostgreSQL: make the review audit trail append-only for the application's own role.

    The role that created the tables owns them, and a table's owner can disable its triggers. This hands
    review_audit to a role without login (narrascope_audit_owner) and lets APP_ROLE only read it and add rows. Run
    it once as the database owner; then connect the application as APP_ROLE. SQLite needs nothing: the store's
    connection cannot drop, alter or unprotect the table.
    """
    from narrascope.errors import ConfigError
    from narrascope.store import open_store

    store = open_store(db)
    try:
        if not hasattr(store, "protect_audit"):
            raise ConfigError(f"{db}: protect-audit is for PostgreSQL stores; a SQLite store's connection already "
                              "cannot rewrite its audit trail")
        store.protect_audit(app_role)
    finally:
        store.close()
    typer.echo(f"review_audit is append-only for {app_role!r} (owned by narrascope_audit_owner)")


def main() -> None:
    """Console-script entry point."""
    try:
        app()
    except KeyboardInterrupt:
        err.print("interrupted")
        sys.exit(130)


if __name__ == "__main__":
    main()
