"""narrascope: narrative intelligence for multilingual online news.

>>> import narrascope
>>> nlp = narrascope.load()                       # the shipped model; narrascope.load(model="my-model/") for yours
>>> analysis = nlp("NATO troops are in Ukraine, Moscow says.")
>>> analysis.narratives, analysis.explanation     # labels with scores and evidence sentences, and the why
>>> for analysis in nlp.pipe(texts, batch_size=64): ...
"""

from narrascope.documents import Analysis, Document, EntityMention, Evidence, Explanation, FailedInput, LabelScore
from narrascope.errors import ConfigError, InputError, ModelError, NarrascopeError
from narrascope.pipeline import Pipeline, load
from narrascope.store import open_store
from narrascope.taxonomy import Taxonomy, load_taxonomy

__version__ = "0.1.0"

__all__ = [
    "Analysis",
    "ConfigError",
    "Document",
    "EntityMention",
    "Evidence",
    "Explanation",
    "FailedInput",
    "InputError",
    "LabelScore",
    "ModelError",
    "NarrascopeError",
    "Pipeline",
    "Taxonomy",
    "__version__",
    "load",
    "load_taxonomy",
    "open_store",
]
