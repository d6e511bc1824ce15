"""Articles in and analyses out: file and folder readers (text, HTML, JSONL, CSV, SemEval folders), web sources
(feeds, URLs) and writers (JSONL, CSV, SemEval)."""

from __future__ import annotations

from narrascope.io.readers import MAX_BYTES, read_file, read_inputs

__all__ = ["MAX_BYTES", "read_file", "read_inputs"]  # the supported suffixes: narrascope.registry.readers.names()
