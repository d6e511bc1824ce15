"""The SemEval-2025 Task 10 adapter, on top of the components: official file formats (``io``, ``writer``), metrics
(``metrics``) and the official tasks run from their input files (``tasks``)."""

from narrascope.annotations import (
    ExplanationAnnotation,
    MentionAnnotation,
    NarrativeAnnotation,
    index_to_utf16,
    mention_span,
    official_span,
    utf16_to_index,
)
from narrascope.io.semeval_layout import LANGUAGES, read_raw_document
from narrascope.semeval.io import (
    SemevalCorpus,
    read_gold,
    read_semeval_folder,
    read_subtask1,
    read_subtask2,
    read_subtask3,
    read_subtask3_predictions,
    write_subtask1,
    write_subtask2,
    write_subtask3,
)
from narrascope.semeval.metrics import (
    Subtask1Scores,
    Subtask2Scores,
    Subtask3Scores,
    official_class_lists,
    score_subtask1,
    score_subtask2,
    score_subtask3,
    similarities,
    token_f1_similarity,
)

__all__ = [
    "LANGUAGES",
    "ExplanationAnnotation",
    "MentionAnnotation",
    "NarrativeAnnotation",
    "SemevalCorpus",
    "Subtask1Scores",
    "Subtask2Scores",
    "Subtask3Scores",
    "index_to_utf16",
    "mention_span",
    "official_class_lists",
    "official_span",
    "read_gold",
    "read_raw_document",
    "read_semeval_folder",
    "read_subtask1",
    "read_subtask2",
    "read_subtask3",
    "read_subtask3_predictions",
    "score_subtask1",
    "score_subtask2",
    "score_subtask3",
    "similarities",
    "token_f1_similarity",
    "utf16_to_index",
    "write_subtask1",
    "write_subtask2",
    "write_subtask3",
]
