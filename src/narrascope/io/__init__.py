"""Articles in and analyses out: file and folder readers (text, HTML, JSONL, CSV, SemEval folders), web sources
(feeds, URLs) and writers (JSONL, CSV, SemEval)."""

from __future__ import annotations

from narrascope.io.readers import MAX_BYTES, SUPPORTED_SUFFIXES, read_file, read_inputs

__all__ = ["MAX_BYTES", "SUPPORTED_SUFFIXES", "read_file", "read_inputs"]
