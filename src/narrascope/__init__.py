"""narrascope: narrative intelligence for multilingual online news."""

from narrascope.documents import Analysis, Document, EntityMention, Evidence, Explanation, FailedInput, LabelScore
from narrascope.errors import ConfigError, InputError, ModelError, NarrascopeError

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
    "__version__",
]
