"""Mutation check: do the tests fail when the code they guard is broken?

Each mutant in ``scripts/mutants.json`` (``id``, ``file`` under src/narrascope, ``old`` snippet that occurs exactly
once there, its ``new`` replacement, the ``tests`` that should kill it, ``why``: the behaviour it breaks) is applied
to a fresh copy of ``src/`` in a temporary directory, and its tests run with that copy first on ``PYTHONPATH``, so the
mutated code is imported instead of the editable install. A pytest plugin written next to the copy stops the run with
a usage error unless ``narrascope`` really comes from the copy. Nothing under ``src/`` is ever written.

    python scripts/mutants.py                 # baseline (no mutant), then every mutant
    python scripts/mutants.py --only ID[,ID]  # just these mutants
    python scripts/mutants.py --list          # ids, files and what each mutant breaks

A mutant is ``killed`` when its tests fail (pytest exit 1, or 2 for a collection error), ``SURVIVED`` when they pass,
and an ``error`` otherwise (wrong import, usage error, timeout): the output of an error is printed. Exit status: 1
if a mutant survived, 2 if one ended in an error (or the baseline or mutants.json is wrong), else 0.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, NoReturn

ROOT = Path(__file__).resolve().parents[1]
MUTANTS = ROOT / "scripts" / "mutants.json"
PACKAGE = ROOT / "src" / "narrascope"
KEYS = {"id", "file", "old", "new", "tests", "why"}
TIMEOUT_S = 300
GUARD = '''
import os, narrascope, pytest

def pytest_configure(config):
    expected = os.environ["MUTANTS_SRC"]
    if not os.path.realpath(narrascope.__file__).startswith(expected + os.sep):
        raise pytest.UsageError(f"narrascope imported from {narrascope.__file__}, not from the copy in {expected}")
'''


def fail(message: str) -> NoReturn:
    print(message, file=sys.stderr)
    raise SystemExit(2)


def load(path: Path = MUTANTS) -> list[dict[str, Any]]:
    """The mutants of ``path``, checked: known keys, unique ids, ``old`` exactly once in its file, existing tests."""
    mutants: list[dict[str, Any]] = json.loads(path.read_text(encoding="utf-8"))
    ids = [m.get("id") for m in mutants]
    if len(set(ids)) != len(ids):
        fail(f"{path}: duplicate ids")
    for m in mutants:
        if set(m) != KEYS:
            fail(f"{path}: mutant {m.get('id')!r} has keys {sorted(m)}, expected {sorted(KEYS)}")
        count = (PACKAGE / m["file"]).read_text(encoding="utf-8").count(m["old"])
        if count != 1 or m["old"] == m["new"]:
            fail(f"mutant {m['id']}: 'old' occurs {count} times in src/narrascope/{m['file']} (must be once, "
                     "and differ from 'new')")
        missing = [t for t in m["tests"] if not (ROOT / t.split("::")[0]).exists()]
        if not m["tests"] or missing:
            fail(f"mutant {m['id']}: no tests, or missing test files {missing}")
    return mutants


def run_tests(mutant: dict[str, Any] | None, tests: list[str]) -> tuple[int, str, float]:
    """pytest's exit status, output and seconds for ``tests`` against a copy of src/ with ``mutant`` applied."""
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="narrascope-mutant-") as tmp:
        base = Path(tmp).resolve()
        src = base / "src"
        shutil.copytree(ROOT / "src", src, ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info"))
        if mutant is not None:
            target = src / "narrascope" / mutant["file"]
            text = target.read_text(encoding="utf-8")
            if text.count(mutant["old"]) != 1:
                fail(f"mutant {mutant['id']}: 'old' does not occur exactly once in the copy")
            target.write_text(text.replace(mutant["old"], mutant["new"]), encoding="utf-8")
        (base / "plugins").mkdir()
        (base / "plugins" / "_mutants_guard.py").write_text(GUARD, encoding="utf-8")
        path = [str(src), str(base / "plugins"), os.environ.get("PYTHONPATH", "")]
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in path if p), "MUTANTS_SRC": str(src),
               "PYTHONDONTWRITEBYTECODE": "1"}
        command = [sys.executable, "-m", "pytest", "-x", "-q", "-rfE", "-p", "no:cacheprovider", "-p", "_mutants_guard",
                   *tests]
        try:
            done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=TIMEOUT_S,
                                  check=False)
            status, output = done.returncode, done.stdout + done.stderr
        except subprocess.TimeoutExpired:
            status, output = -1, f"timed out after {TIMEOUT_S} s"
    return status, output, time.monotonic() - started


def first_failure(output: str) -> str:
    """The first failing test in pytest's short summary (``-rfE``), or ''."""
    lines = [line.split(" - ")[0] for line in output.splitlines() if line.startswith(("FAILED ", "ERROR "))]
    return lines[0].split(" ", 1)[1] if lines else ""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", help="comma-separated mutant ids")
    parser.add_argument("--list", action="store_true", help="list the mutants and exit")
    args = parser.parse_args(argv)
    mutants = load()
    if args.only:
        wanted = args.only.split(",")
        unknown = set(wanted) - {m["id"] for m in mutants}
        if unknown:
            fail(f"unknown mutant id(s): {', '.join(sorted(unknown))}")
        mutants = [m for m in mutants if m["id"] in wanted]
    if args.list:
        for m in mutants:
            print(f"{m['id']:<40} {m['file']:<28} {m['why']}")
        return 0

    tests = list(dict.fromkeys(t for m in mutants for t in m["tests"]))
    status, output, seconds = run_tests(None, tests)
    if status != 0:
        print(output[-4000:])
        fail(f"baseline: the tests fail without any mutant (exit {status}, {seconds:.1f} s); fix them first")
    print(f"baseline passed        {seconds:5.1f} s  ({len(tests)} test files or ids)")

    survived, errors = [], []
    for m in mutants:
        status, output, seconds = run_tests(m, m["tests"])
        verdict = {0: "SURVIVED", 1: "killed", 2: "killed"}.get(status, "error")
        print(f"{verdict:<8} {seconds:5.1f} s  {m['id']:<40} {first_failure(output)}", flush=True)
        if verdict == "SURVIVED":
            survived.append(m)
            print(f"         {m['file']}: {m['why']}")
        elif verdict == "error":
            errors.append(m)
            print("\n".join("         " + line for line in output.strip().splitlines()[-15:]))
    killed = len(mutants) - len(survived) - len(errors)
    print(f"{len(mutants)} mutants: {killed} killed, {len(survived)} survived"
          + (f", {len(errors)} errors" if errors else ""))
    return 1 if survived else 2 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
