"""Getting articles in: file and folder readers (text, HTML, JSONL, CSV, SemEval folders) and language identification."""

from __future__ import annotations

from narrascope.ingest.readers import MAX_BYTES, SUPPORTED_SUFFIXES, read_file, read_inputs

__all__ = ["MAX_BYTES", "SUPPORTED_SUFFIXES", "read_file", "read_inputs"]
