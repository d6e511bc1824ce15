"""The SemEval-2025 Task 10 adapter, on top of the components: official file formats (``semeval.io``, and
``semeval.writer`` for ``analyze --format semeval``), official metrics (``semeval.metrics``) and the official tasks
run from their input files (``semeval.tasks``). Import from those modules."""
