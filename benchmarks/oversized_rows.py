"""Peak memory of reading an oversized row (issue 27, item 14): a single-line .jsonl of 195 MB and a .csv with a
216 MB field between ordinary rows. Each file is read with ``read_inputs`` in a fresh process; prints the peak RSS
of that process, what came out, and whether the rows after the oversized one were still read.

    python benchmarks/oversized_rows.py            # writes the two files to a temporary folder (about 410 MB)
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

TEXT = "The harbour authority announced new shipping rules for the winter season."
READ = """
import resource, sys
from narrascope.io.readers import read_inputs
from narrascope.documents import Document
items = list(read_inputs([sys.argv[1]]))
kinds = ["doc" if isinstance(i, Document) else f"failed:{i.line}" for i in items]
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024, " ".join(kinds))
"""


def write_files(folder: Path) -> list[Path]:
    jsonl = folder / "one-line.jsonl"
    with open(jsonl, "w", encoding="utf-8") as handle:
        handle.write('{"id": "huge", "text": "')
        for _ in range(195):
            handle.write("word " * 209_715)  # about 1 MB
        handle.write('"}\n')
    csv = folder / "big-field.csv"
    with open(csv, "w", encoding="utf-8") as handle:
        handle.write(f'id,text\na,{TEXT}\nb,"')
        for _ in range(216):
            handle.write('a ""quoted"", word\n' * 52_429)  # about 1 MB, with line breaks inside the field
        handle.write(f'"\nc,{TEXT}\nd,{TEXT}\n')
    return [jsonl, csv]


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        for path in write_files(Path(folder)):
            result = subprocess.run([sys.executable, "-c", READ, str(path)], capture_output=True, text=True, check=True)
            peak, _, kinds = result.stdout.strip().partition(" ")
            size = path.stat().st_size / 1_048_576
            print(f"{path.name:16} {size:6.0f} MB  peak RSS {int(peak):5d} MB  items: {kinds}")


if __name__ == "__main__":
    main()
