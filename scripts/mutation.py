"""Mutation testing with mutmut, one module group at a time, and the mutation score of each group.

mutmut (pinned in the ``dev`` extra) reads ``[tool.mutmut]`` in pyproject.toml: the files worth mutating
(``only_mutate``), the tests that guard them and the lines excluded as equivalent mutants, each with its reason
(``do_not_mutate_patterns``). ``mutmut run`` in the repository root runs that whole set at once; this script runs it
per group, so one group's tests are the only ones mutmut traces and runs (a group's stats and results stay in
``.mutation/GROUP/mutants/`` and are reused by the next run: only new or changed code and tests run again).

    python scripts/mutation.py run semeval              # one group (a few minutes to an hour, see README)
    python scripts/mutation.py run all                  # every group, one after another
    python scripts/mutation.py run semeval --only 'narrascope.semeval.metrics.*'   # a quick subset: mutmut globs
    python scripts/mutation.py score                    # killed / (killed + survived) per group, from the last runs
    python scripts/mutation.py run semeval --recheck    # after new tests: re-test the survivors and timeouts
    python scripts/mutation.py run taxonomy --sample 60 # a seeded random sample: an estimate in a fraction of the time
    python scripts/mutation.py survivors semeval        # the surviving mutants' names (mutmut show NAME: the diff)

The score leaves out the equivalent mutants (never generated: ``do_not_mutate_patterns``), mutants no test reaches
(``no tests``, listed separately) and timeouts (counted as killed, as mutmut does).
"""

from __future__ import annotations

import argparse
import fnmatch
import hashlib
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / ".mutation"


@dataclass(frozen=True)
class Group:
    """A module group: the source files mutated and the tests that must kill their mutants."""

    files: tuple[str, ...]
    tests: tuple[str, ...]


SRC, TESTS = "src/narrascope/", "tests/"
GROUPS: dict[str, Group] = {
    "semeval": Group((SRC + "semeval/metrics.py", SRC + "semeval/writer.py", SRC + "semeval/io.py"),
                     (TESTS + "semeval",)),
    "training": Group((SRC + "training/folds.py", SRC + "training/label_thresholds.py", SRC + "training/evaluation.py"),
                      (TESTS + "training/test_folds.py", TESTS + "training/test_label_thresholds.py",
                       TESTS + "training/test_label_thresholds_exact.py", TESTS + "training/test_evaluation.py",
                       TESTS + "training/test_evaluation_exact.py", TESTS + "training/test_transfer.py",
                       TESTS + "training/test_evaluation_explanations.py")),
    "narratives": Group((SRC + "components/narratives/classifier.py",),
                        (TESTS + "components/narratives/test_decoding.py",
                         TESTS + "components/narratives/test_classifier.py",
                         TESTS + "components/narratives/test_classifier_exact.py",
                         TESTS + "components/narratives/test_fewshot.py",
                         TESTS + "components/narratives/test_language_support.py")),
    "web": Group((SRC + "web/app.py", SRC + "web/state.py", SRC + "web/queries.py", SRC + "web/ratelimit.py"),
                 (TESTS + "web/test_auth.py", TESTS + "web/test_gate_asgi.py", TESTS + "web/test_state.py",
                  TESTS + "web/test_queries.py", TESTS + "web/test_api.py", TESTS + "web/test_ratelimit.py",
                  TESTS + "web/test_untrusted_input.py")),
    "store": Group((SRC + "store/review.py", SRC + "store/schema.py"),
                   (TESTS + "store/test_review.py", TESTS + "store/test_review_rules.py",
                    TESTS + "store/test_audit_protection.py")),
    "taxonomy": Group((SRC + "taxonomy/__init__.py", SRC + "taxonomy/files.py"),
                      (TESTS + "test_taxonomy.py", TESTS + "test_taxonomy_files.py")),
    "io": Group((SRC + "io/readers.py",), (TESTS + "io/test_readers.py", TESTS + "io/test_readers_exact.py",
                                          TESTS + "io/test_readers_fuzz.py")),
    "corpus": Group((SRC + "corpus/dedup.py", SRC + "corpus/storylines.py", SRC + "corpus/trends.py"),
                    (TESTS + "corpus/test_dedup.py", TESTS + "corpus/test_storylines.py", TESTS + "corpus/test_trends.py",
                     TESTS + "corpus/test_storylines_exact.py", TESTS + "corpus/test_trends_exact.py",
                     TESTS + "corpus/test_bounded_memory.py")),
}

# mutmut's exit codes (mutmut.stats.status_by_exit_code): 1 and 3 killed, 0 survived, 33 and 5 no tests, timeouts
KILLED = {1, 3}
SURVIVED = {0}
NO_TESTS = {5, 33}
TIMEOUT = {24, -24, 36, 152, 255}


def mutmut_config() -> dict:
    """``[tool.mutmut]`` of pyproject.toml."""
    with open(ROOT / "pyproject.toml", "rb") as handle:
        return dict(tomllib.load(handle)["tool"]["mutmut"])


def _toml_value(value: object) -> str:
    """A TOML value for strings, booleans, numbers and lists of them (JSON's string escapes are TOML's)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return json.dumps(value)


def group_pyproject(group: Group) -> str:
    """pyproject.toml with ``[tool.mutmut]`` narrowed to ``group``: its files, its tests, the shared settings."""
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    text = re.sub(r"(?ms)^\[tool\.mutmut\][^\n]*\n.*?(?=^\[|\Z)", "", text)
    config = mutmut_config() | {"only_mutate": list(group.files),
                                "pytest_add_cli_args_test_selection": list(group.tests)}
    return text + "\n[tool.mutmut]\n" + "".join(f"{key} = {_toml_value(value)}\n" for key, value in config.items())


def prepare(name: str) -> Path:
    """``.mutation/NAME`` with fresh copies of src/, tests/, ``also_copy`` and the group's pyproject.toml (mutants/,
    with the verdicts so far, is kept while the group's configuration stays the same)."""
    group = GROUPS[name]
    missing = [p for p in group.files + group.tests if not (ROOT / p).exists()]
    if missing:
        raise SystemExit(f"group {name}: {', '.join(missing)} not found (update GROUPS in {Path(__file__).name})")
    work = WORK / name
    work.mkdir(parents=True, exist_ok=True)
    configuration = group_pyproject(group)
    fingerprint = work / "configuration.sha256"
    digest = hashlib.sha256(configuration.encode("utf-8")).hexdigest()
    if not fingerprint.exists() or fingerprint.read_text(encoding="utf-8") != digest:
        # other modules, tests or exclusions: mutmut would keep mutants of unchanged files and the stats of known tests
        # (a pattern or a module new to the group would not count), so the group starts afresh
        shutil.rmtree(work / "mutants", ignore_errors=True)
        (work / "sample.json").unlink(missing_ok=True)
    for folder in ("src", "tests", *mutmut_config().get("also_copy", [])):  # also_copy: what the tests read
        shutil.rmtree(work / folder, ignore_errors=True)
        shutil.copytree(ROOT / folder, work / folder, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    (work / "pyproject.toml").write_text(configuration, encoding="utf-8")
    fingerprint.write_text(digest, encoding="utf-8")
    return work


def draw_sample(name: str, size: int, seed: int) -> list[str]:
    """``size`` of the group's mutants drawn uniformly (seeded), saved in ``.mutation/NAME/sample.json`` for ``score``."""
    everything = sorted(all_mutants(name))
    chosen = sorted(random.Random(seed).sample(everything, min(size, len(everything))))
    (WORK / name / "sample.json").write_text(json.dumps({"seed": seed, "of": len(everything), "mutants": chosen}),
                                            encoding="utf-8")
    return chosen


def run(name: str, only: list[str], jobs: int, recheck: bool = False, sample: int = 0, seed: int = 0) -> int:
    """mutmut on group ``name``: mutants not yet tested (mutmut keeps earlier verdicts), or only those matching
    ``only``; ``recheck`` also re-tests the survivors and timeouts of the last run (after new tests); ``sample``:
    a uniform random sample of that many mutants (those without a verdict yet are tested), for an estimate of the
    score where the whole group takes too long."""
    work = prepare(name)
    mutmut = Path(sys.executable).with_name("mutmut")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "CI")}  # mutmut puts mutants/src first
    if sample or recheck:  # (re)generate the mutants of the sources as they are now and collect the stats first
        print(f"[{name}] generating the mutants and collecting stats", flush=True)
        subprocess.run([str(mutmut), "run", "narrascope.no-such-mutant"], cwd=work, env=env,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # a name that matches none stops there
    current = all_mutants(name)  # the mutants of changed functions have lost their verdicts
    again = sorted(k for k, code in current.items() if code in SURVIVED | TIMEOUT | NO_TESTS) if recheck else []
    runs = [again] if again else []
    if sample:
        if not current:
            raise SystemExit(f"group {name}: no mutants were generated (run without --sample to see mutmut's output)")
        chosen = [k for k in draw_sample(name, sample, seed) if current.get(k) is None]
        if only or chosen:
            runs.append(only + chosen)
    else:
        runs.append(only)  # [] tests every mutant without a verdict
    status = 0
    # named mutants are re-tested whatever their verdict, and only they
    for names in runs:
        command = [str(mutmut), "run", "--max-children", str(jobs), *names]
        print(f"[{name}] mutmut run {len(names) or 'all untested'} mutants (in {work})", flush=True)
        status = max(status, subprocess.run(command, cwd=work, env=env).returncode)
    return status


def all_mutants(name: str) -> dict[str, int | None]:
    """Every generated mutant of the group -> its mutmut exit code (None: not tested yet)."""
    out: dict[str, int | None] = {}
    for meta in sorted((WORK / name / "mutants").rglob("*.py.meta")):
        out.update(json.loads(meta.read_text(encoding="utf-8")).get("exit_code_by_key", {}))
    return out


def results(name: str) -> dict[str, int]:
    """Mutant name -> mutmut exit code, from the group's last runs (empty when it never ran)."""
    return {key: code for key, code in all_mutants(name).items() if code is not None}


def tally(codes: dict[str, int]) -> dict[str, int]:
    counts = {"killed": 0, "survived": 0, "timeout": 0, "no tests": 0, "other": 0}
    for code in codes.values():
        kind = ("killed" if code in KILLED else "survived" if code in SURVIVED else "timeout" if code in TIMEOUT
                else "no tests" if code in NO_TESTS else "other")
        counts[kind] += 1
    return counts


def _row(label: str, codes: dict[str, int], note: str = "") -> str:
    counts = tally(codes)
    killed = counts["killed"] + counts["timeout"]
    decided = killed + counts["survived"]
    shown = f"{100 * killed / decided:6.1f}%" if decided else "    -  "
    return (f"{label:<24} {counts['killed']:>7} {counts['survived']:>9} {counts['timeout']:>8} {counts['no tests']:>9} "
            f"{shown}" + ("  (not run)" if not decided else note))


def score(names: list[str]) -> None:
    """The table: every tested mutant of each group, and the group's random sample where one was drawn."""
    print(f"{'group':<24} {'killed':>7} {'survived':>9} {'timeout':>8} {'no tests':>9} {'score':>7}")
    for name in names:
        codes = results(name)
        total = len(all_mutants(name))
        print(_row(name, codes, f"  ({len(codes)} of {total} mutants tested)" if len(codes) < total else ""))
        sample_file = WORK / name / "sample.json"
        if sample_file.exists():
            sample = json.loads(sample_file.read_text(encoding="utf-8"))
            chosen = {k: codes[k] for k in sample["mutants"] if k in codes}
            print(_row(f"  sample of {len(sample['mutants'])}", chosen,
                       f"  (seed {sample['seed']}, of {sample['of']}; {len(chosen)} tested)"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    run_p = sub.add_parser("run", help="run mutmut on one group, several, or 'all'")
    run_p.add_argument("groups", nargs="+", choices=[*GROUPS, "all"])
    run_p.add_argument("--only", action="append", default=[], help="mutmut mutant-name glob (repeatable)")
    run_p.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="mutants tested at once")
    run_p.add_argument("--sample", type=int, default=0, help="test a uniform random sample of this many mutants")
    run_p.add_argument("--seed", type=int, default=0, help="seed of --sample")
    run_p.add_argument("--recheck", action="store_true",
                       help="re-test the last run's survivors, timeouts and mutants without tests too")
    score_p = sub.add_parser("score", help="mutation score per group from the last runs")
    score_p.add_argument("groups", nargs="*", help=f"groups (default: all): {', '.join(GROUPS)}")
    surv_p = sub.add_parser("survivors", help="names of the surviving mutants of a group")
    surv_p.add_argument("group", choices=list(GROUPS))
    surv_p.add_argument("--match", default="*", help="glob on the mutant names")
    args = parser.parse_args(argv)
    if args.command == "run":
        names = list(GROUPS) if "all" in args.groups else args.groups
        status = 0
        for name in names:
            status = max(status, run(name, args.only, args.jobs, args.recheck, args.sample, args.seed))
        score(names)
        return status
    if args.command == "score":
        unknown = sorted(set(args.groups) - set(GROUPS))
        if unknown:
            parser.error(f"unknown groups {unknown}; choose from {', '.join(GROUPS)}")
        score(args.groups or list(GROUPS))
        return 0
    for key, code in sorted(results(args.group).items()):
        if code in SURVIVED and fnmatch.fnmatch(key, args.match):
            print(key)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
