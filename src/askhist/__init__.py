"""askhist: extractive, cited answers from a collection of history documents.

Pipeline, one module per stage: documents -> cleaning -> chunking -> index
(embedding, bm25) -> retrieval -> answer -> assistant (the API), with the
command line (cli), the web app (webapp) and the evaluation (evaluation) on top.
"""

from .answer import Answer, AnswerSentence, ClaimReport, Evidence, PassageResult, SourceSupport
from .assistant import Assistant, InputError, Settings
from .documents import Document, DocumentError
from .index import IndexCorrupt, IndexMissing, IndexProblem

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
