"""Fuzz every file reader with hostile inputs and count tracebacks (issue 27: "the JSONL fuzz, at least 5,000 inputs
across all readers, 0 tracebacks").

    python scripts/fuzz_readers.py                 # 6,000 inputs, seed 0; prints the counts, exits 1 on a traceback
    python scripts/fuzz_readers.py --inputs 500 --seed 7

Each input is a file built from a valid row or document by the kinds of damage the audit used: nesting deeper than
the parser's recursion limit, integers of thousands of digits, lone surrogates and NULs in every field, bytes that are
not UTF-8, BOMs, every date form (RFC 822, ISO with zones, impossible and out-of-range dates), broken CSV quotes,
bare carriage returns, binary magic numbers, cut lines and random bytes. The files go through the analysis readers
(``read_inputs``: .jsonl, .csv, .txt, .html) and the training-data reader (``read_training_data``: .jsonl, .csv).

A traceback is any exception other than the documented one: ``read_inputs`` must turn every problem into a
``FailedInput`` with a reason, ``read_training_data`` into an ``InputError`` naming the file. Every document that
comes out must also be storable: UTF-8 encodable fields and a ``published`` that is a real date or nothing.
"""

from __future__ import annotations

import argparse
import json
import logging
import random
import sys
import tempfile
import traceback
from collections import Counter
from pathlib import Path

from narrascope.dates import stored_day
from narrascope.documents import Document, FailedInput
from narrascope.errors import InputError
from narrascope.io.readers import read_inputs
from narrascope.taxonomy import load_default_taxonomy
from narrascope.training.data import read_training_data

TEXT = "NATO troops are in Ukraine, Moscow says. The harbour authority announced new shipping rules."
LABEL = "URW: Discrediting Ukraine"
DATES = ["Mon, 01 Jan 2024 10:00:00 GMT", "2024-02-30", "2024-99-99", "0000-01-01", "99999-01-01", "not a date",
         "2024-03-01T10:00:00Z", "2024-03-01 10:00:00+05:30", "01.03.2024", "03/04/2024", "1 March 2024", "", " ",
         "Tue, 07 May 99999 10:00:00 GMT", "2024-03-01T25:61:00", "1899-12-31", "2200-01-01", "\ud800", "2024\x00-01"]
VALUES = ["", " ", "\x00", "\ud800", "\udfff", "a\ud800b", "\ufeff", "\u202e", "\u2028", "=cmd|' /C calc'!A0", "\t\n\r",
          "x" * 300, 0, -1, 1.5, 1e308, True, None, [], {}, ["a", "\ud800"], {"a": "\ud800"}]
FIELDS = ["id", "text", "title", "url", "outlet", "published", "language", "labels"]
SPECIAL = [b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff", b"\x00", b"%PDF", b"\x89PNG", b"PK\x03\x04", b"\r", b"\n", b"\r\n",
           b"\xc3", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b",", b'"', b'""', b"{", b"}", b"[", b"<", b"\\", b"\\u",
           b"\\ud800", b"\\u0000", b"\x85", b"\xe2\x80\xa8"]


def _row(rng: random.Random) -> dict[str, object]:
    row: dict[str, object] = {"id": f"r{rng.randrange(1000)}", "text": TEXT, "labels": LABEL}
    for _ in range(rng.randrange(4)):
        name = rng.choice(FIELDS)
        row[name] = rng.choice(DATES) if name == "published" or rng.random() < 0.2 else rng.choice(VALUES)
    if rng.random() < 0.1:
        row["published"] = rng.choice(DATES)
    return row


def _json_line(rng: random.Random) -> bytes:
    kind = rng.randrange(10)
    if kind == 0:
        depth = rng.choice([10, 999, 1001, 5000, 100_000])
        return ("[" * depth + "]" * depth).encode()
    if kind == 1:
        digits = rng.choice([4300, 4301, 5000, 100_000])
        return b'{"text": "x", "n": ' + b"9" * digits + b"}"
    if kind == 2:
        return b'{"text": "' + b"\\ud800" * rng.randrange(1, 4) + b'", "id": "\\udc00"}'
    if kind == 3:
        return b'{"text": "a\\u0000b", "title": "\\u0000", "published": "\\u0000"}'
    raw = json.dumps(_row(rng), ensure_ascii=rng.random() < 0.5).encode("utf-8", "surrogatepass")
    if kind == 4:
        raw = raw[: rng.randrange(len(raw) + 1)]
    elif kind == 5:
        at = rng.randrange(len(raw) + 1)
        raw = raw[:at] + rng.choice(SPECIAL) + raw[at:]
    elif kind == 6:
        raw = json.dumps(rng.choice(VALUES)).encode("utf-8", "surrogatepass")
    return raw


def _csv_cell(value: object, rng: random.Random) -> str:
    text = value if isinstance(value, str) else json.dumps(value)
    style = rng.randrange(4)
    if style == 0:
        return '"' + text.replace('"', '""') + '"'
    if style == 1:
        return '"' + text  # a quote never closed
    return text


def _file(suffix: str, rng: random.Random) -> bytes:
    if suffix == ".jsonl":
        lines = [_json_line(rng) for _ in range(rng.randrange(1, 6))]
        return rng.choice([b"\n", b"\r\n", b"\r"]).join(lines) + rng.choice([b"", b"\n"])
    if suffix == ".csv":
        columns = rng.sample(FIELDS, rng.randrange(1, len(FIELDS)))
        if rng.random() < 0.8:
            columns += [c for c in ("text", "labels") if c not in columns]
        lines = [",".join(columns)]
        for _ in range(rng.randrange(0, 5)):
            row = _row(rng)
            width = len(columns) + rng.choice([0, 0, 0, -1, 1])
            lines.append(",".join(_csv_cell(row.get(c, ""), rng) for c in (columns * 2)[:max(width, 0)]))
        raw = rng.choice(["\n", "\r\n", "\r"]).join(lines).encode("utf-8", "surrogatepass")
    elif suffix == ".html":
        title = rng.choice(VALUES + DATES)
        raw = (f'<html><head><title>{title}</title><meta name="date" content="{rng.choice(DATES)}">'
               f'<meta property="og:url" content="{rng.choice(["javascript:alert(1)", "https://news.example/a", "//x"])}">'
               f"</head><body><article><p>{TEXT * rng.randrange(1, 4)}</p></article></body></html>"
               ).encode("utf-8", "surrogatepass")
    else:
        raw = (TEXT + rng.choice(["", "\n", "\r\n\r\n"]) + str(rng.choice(VALUES))).encode("utf-8", "surrogatepass")
    for _ in range(rng.randrange(3)):  # a little damage anywhere
        at = rng.randrange(len(raw) + 1)
        raw = raw[:at] + (rng.choice(SPECIAL) if rng.random() < 0.8 else rng.randbytes(rng.randrange(1, 16))) + raw[at:]
    return raw


def _check_document(doc: Document) -> None:
    for name in ("id", "text", "title", "url", "outlet", "published", "language"):
        value = getattr(doc, name)
        assert value is None or isinstance(value, str), (name, value)
        if value is not None:
            value.encode("utf-8")  # storable: no lone surrogate
    assert doc.id and doc.text.strip()
    assert doc.published is None or stored_day(doc.published) == doc.published[:10], doc.published


def run(inputs: int, seed: int) -> tuple[Counter[str], list[str]]:
    """Fuzz ``inputs`` files; returns the inputs per reader and the tracebacks (as text)."""
    rng = random.Random(seed)
    taxonomy = load_default_taxonomy()
    counts: Counter[str] = Counter()
    tracebacks: list[str] = []
    suffixes = [".jsonl"] * 4 + [".csv"] * 3 + [".txt", ".html"]
    with tempfile.TemporaryDirectory() as folder:
        for number in range(inputs):
            suffix = rng.choice(suffixes)
            path = Path(folder) / f"input{number}{suffix}"
            path.write_bytes(_file(suffix, rng))
            training = suffix in (".jsonl", ".csv") and rng.random() < 0.4
            reader = f"{'training' if training else 'analysis'} {suffix}"
            counts[reader] += 1
            try:
                if training:
                    try:
                        read_training_data([path], taxonomy)
                    except InputError as exc:
                        assert exc.path and str(exc).startswith(exc.path), exc
                else:
                    for item in read_inputs([path], max_bytes=rng.choice([64, 4096, 5 * 1_048_576])):
                        if isinstance(item, Document):
                            _check_document(item)
                        else:
                            assert isinstance(item, FailedInput) and item.reason.strip(), item
            except Exception:  # noqa: BLE001 - counting them is the point
                tracebacks.append(f"{reader} input {number} (seed {seed}):\n{traceback.format_exc()}")
            path.unlink()
    return counts, tracebacks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--inputs", type=int, default=6000, help="how many input files to generate (default 6000)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    logging.disable(logging.WARNING)  # the readers' warnings about dropped dates and URLs, thousands of them
    counts, tracebacks = run(args.inputs, args.seed)
    for reader, count in sorted(counts.items()):
        print(f"  {reader:16} {count:6,} inputs")
    print(f"inputs: {sum(counts.values()):,}  tracebacks: {len(tracebacks)}")
    for text in tracebacks[:5]:
        print(text, file=sys.stderr)
    sys.exit(1 if tracebacks else 0)


if __name__ == "__main__":
    main()
