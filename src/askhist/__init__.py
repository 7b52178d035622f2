"""askhist: extractive, cited answers from a collection of history documents.

Pipeline, one module per stage: documents -> cleaning -> chunking -> index
(embedding, bm25) -> retrieval -> answer -> claims -> assistant (the API), with the
command line (cli), the web app (web) and the evaluation (evaluation) on top.

The names below are imported on first use, so that ``askhist --help`` and
other light commands do not pay for NumPy, SciPy and FAISS (about a second).
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .answer import Answer, AnswerSentence, PassageResult
    from .assistant import Assistant, InputError, Settings
    from .claims import ClaimReport, Evidence, SourceSupport
    from .documents import Document, DocumentError
    from .index import IndexCorrupt, IndexMissing, IndexProblem

_EXPORTS = {
    "Answer": ".answer",
    "AnswerSentence": ".answer",
    "Assistant": ".assistant",
    "ClaimReport": ".claims",
    "Document": ".documents",
    "DocumentError": ".documents",
    "Evidence": ".claims",
    "IndexCorrupt": ".index",
    "IndexMissing": ".index",
    "IndexProblem": ".index",
    "InputError": ".assistant",
    "PassageResult": ".answer",
    "Settings": ".assistant",
    "SourceSupport": ".claims",
}
__all__ = [
    "Answer",
    "AnswerSentence",
    "Assistant",
    "ClaimReport",
    "Document",
    "DocumentError",
    "Evidence",
    "IndexCorrupt",
    "IndexMissing",
    "IndexProblem",
    "InputError",
    "PassageResult",
    "Settings",
    "SourceSupport",
]
__version__ = "0.1.0"


def __getattr__(name: str):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'askhist' has no attribute {name!r}")
    value = getattr(import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))
