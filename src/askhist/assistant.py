"""The Python API: one object, loaded once, that answers and checks claims.

    from askhist import Assistant
    assistant = Assistant.load(docs="seeds", index_dir="index")
    answer = assistant.ask("Why did Trotsky lose the power struggle?")
    print(answer.text)
    report = assistant.check("Stalin became General Secretary in 1922")

The command line and the web app are thin layers over this class.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from .answer import Answer, AnswerSettings, answer_question
from .bm25 import TokenizerParams
from .callbacks import LogFn, ProgressFn
from .chunking import ChunkingParams
from .claims import ClaimReport, check_claim
from .documents import Document, load_documents
from .index import (
    DocumentInfo,
    Index,
    IndexCorrupt,
    IndexMissing,
    IndexProblem,
    build_index,
    index_lock,
    load_index,
    remove_leftovers,
    stale_reasons,
)
from .reader import Reader, load_reader
from .retrieval import RetrievalSettings, Retriever, make_query
from .text import clean_user_text
from .timing import Timings

MAX_QUESTION_CHARS = 2000


class InputError(ValueError):
    """A question or claim that cannot be answered as given; the message says why."""


def validate_text(text: object, what: str = "question") -> str:
    """Clean a user's question or claim, or raise InputError saying what is wrong."""
    if not isinstance(text, str):
        raise InputError(f"the {what} must be text")
    cleaned = clean_user_text(text)
    if not cleaned:
        raise InputError(f"please type a {what}: it is empty")
    if len(cleaned) > MAX_QUESTION_CHARS:
        raise InputError(f"the {what} is too long ({len(cleaned):,} characters); the limit is {MAX_QUESTION_CHARS:,}")
    if not any(ch.isalnum() for ch in cleaned):
        raise InputError(f"the {what} has no words in it")
    return cleaned


@dataclass(frozen=True)
class Settings:
    """Everything that shapes the index and the answers."""

    chunking: ChunkingParams = ChunkingParams()
    tokenizer: TokenizerParams = TokenizerParams()
    retrieval: RetrievalSettings = RetrievalSettings()
    answer: AnswerSettings = AnswerSettings()


def open_index(
    documents: Sequence[Document],
    index_dir: Path,
    encoder_factory: Callable[[], object],
    model_identity: str,
    settings: Settings = Settings(),
    log: LogFn = lambda message: None,
    progress: ProgressFn | None = None,
) -> Index:
    """Load the index for these documents, rebuilding it when it is missing,
    damaged or stale (the log says why). Source documents are only read."""
    index, reasons = _load_checked(documents, index_dir, model_identity, settings)
    if index is not None:
        _tidy(index_dir, log)
        return index
    log(f"Building the index in {index_dir}: {'; '.join(reasons)}")
    try:
        with index_lock(index_dir):
            # Another process may have finished the same build while we waited.
            index, _ = _load_checked(documents, index_dir, model_identity, settings)
            if index is not None:
                return index
            index = build_index(
                documents,
                encoder_factory(),
                index_dir,
                chunking=settings.chunking,
                tokenizer=settings.tokenizer,
                progress=progress,
            )
            remove_leftovers(index_dir)
    except OSError as exc:  # disk full, read-only folder, index path is a file...
        raise IndexProblem(f"cannot build the index in {index_dir} ({exc})") from None
    counts = index.manifest["counts"]
    log(
        f"Indexed {counts['documents']} documents: {counts['passages']} passages, "
        f"{counts['sentences']} sentences ({index.manifest['encoded_now']} texts encoded, "
        f"{index.manifest['build_seconds']:.1f}s)"
    )
    return index


def _tidy(index_dir: Path, log: LogFn) -> None:
    """Remove leftovers of interrupted builds, unless a build is running now."""
    from filelock import Timeout

    try:
        with index_lock(index_dir, timeout=0):
            removed = remove_leftovers(index_dir)
    except (Timeout, OSError):
        return
    if removed:
        log(f"Removed what an interrupted index build left in {index_dir}: {', '.join(sorted(removed))}")


def _load_checked(
    documents: Sequence[Document], index_dir: Path, model_identity: str, settings: Settings
) -> tuple[Index | None, list[str]]:
    """The index if it is usable as it is, else None and the reasons why not."""
    try:
        index = load_index(index_dir)
    except IndexMissing:
        return None, ["no index built yet"]
    except IndexCorrupt as exc:
        return None, [str(exc)]
    reasons = stale_reasons(index.manifest, documents, model_identity, settings.chunking, settings.tokenizer)
    return (None, reasons) if reasons else (index, [])


class Assistant:
    """Answers questions and checks claims against one document collection."""

    def __init__(
        self,
        index: Index,
        encoder,
        doc_dirs: Sequence[Path] = (),
        settings: Settings = Settings(),
        reader: Reader | None = None,
    ) -> None:
        self.encoder = encoder
        self.reader = reader  # None: today's scorer chooses and abstains alone
        self.doc_dirs = tuple(Path(d) for d in doc_dirs)
        self.settings = settings
        # Replaced as one tuple so a query never pairs an old index with a new retriever.
        self._state = (index, Retriever(index, encoder, settings.retrieval))
        # Held while the collection changes (a refresh, an upload batch); an
        # RLock because an upload batch refreshes while it holds it.
        self.collection_lock = threading.RLock()

    @classmethod
    def load(
        cls,
        docs: Path | str | Sequence[Path | str] = "seeds",
        index_dir: Path | str = "index",
        model: str | None = None,
        settings: Settings = Settings(),
        log: LogFn = lambda message: None,
        progress: ProgressFn | None = None,
        encoder=None,
        reader: Reader | str | bool | None = None,
    ) -> Assistant:
        """Read the documents, load (or build) the index and the models once.

        ``docs`` is a folder, or several (the first is the main collection;
        documents of the others are named ``<folder>/<file>``). An already
        loaded ``encoder`` may be passed to share it between assistants.
        ``reader`` is the cross-encoder that reads the best candidates: None
        for ``$ASKHIST_READER`` or the default ("off" there disables it),
        ``False`` for none, a folder or model name, or a loaded ``Reader``.
        """
        from .embedding import Encoder, default_model, model_identity

        doc_dirs = [Path(docs)] if isinstance(docs, (str, Path)) else [Path(d) for d in docs]
        model = encoder.model if encoder is not None else (model or default_model())
        documents = load_documents(*doc_dirs)
        encoder_holder: list = [encoder] if encoder is not None else []

        def encoder_factory():
            if not encoder_holder:
                log(f"Loading embedding model {model_identity(model)}")
                encoder_holder.append(Encoder.load(model))
            return encoder_holder[0]

        index = open_index(documents, Path(index_dir), encoder_factory, model_identity(model), settings, log, progress)
        return cls(index, encoder_factory(), doc_dirs, settings, load_reader(reader))

    @property
    def index(self) -> Index:
        return self._state[0]

    def ask(
        self,
        question: str,
        history: Sequence[str] | None = None,
        top_k: int = 5,
        timings: Timings | None = None,
    ) -> Answer:
        """Answer a question with quoted, cited sentences, or abstain.

        ``history`` holds the conversation's earlier questions, oldest first;
        a follow-up ("and what about Bukharin?") is read together with the
        one before it. ``timings``, if given, gets the seconds of each stage
        added in: query_encoding, bm25, dense_search, fusion, answer_selection
        and, with a reader, reading.
        """
        question = validate_text(question)
        if top_k < 1:
            raise InputError("top-k must be at least 1")
        past = [clean_user_text(h) for h in (history or []) if isinstance(h, str) and clean_user_text(h)]
        index, retriever = self._state
        query = make_query(question, [p[:MAX_QUESTION_CHARS] for p in past])
        return answer_question(
            question, query, index, retriever, self.settings.answer, top_k=top_k, timings=timings, reader=self.reader
        )

    def check(self, claim: str, timings: Timings | None = None) -> ClaimReport:
        """Which sources support a claim, each with its best sentence.

        ``timings``, if given, gets the seconds of query_encoding and
        claim_scoring (reading included) added in, and reading alone.
        """
        claim = validate_text(claim, "claim")
        index, retriever = self._state
        return check_claim(claim, index, retriever, self.settings.answer, timings=timings, reader=self.reader)

    def documents(self) -> list[DocumentInfo]:
        return list(self.index.documents.values())

    def document(self, doc_id: str) -> DocumentInfo:
        try:
            return self.index.documents[doc_id]
        except KeyError:
            raise InputError(f"no document named {doc_id!r} in the collection") from None

    def refresh(self, log: LogFn = lambda message: None, progress: ProgressFn | None = None) -> list[str]:
        """Re-read the document folders and update the index if they changed.

        Queries keep being served by the old index until the new one is
        ready. Returns the reasons for rebuilding ([] if nothing changed).
        """
        from .embedding import model_identity

        with self.collection_lock:
            documents = load_documents(*self.doc_dirs)
            identity = model_identity(self.encoder.model)
            settings = self.settings
            reasons = stale_reasons(self.index.manifest, documents, identity, settings.chunking, settings.tokenizer)
            if reasons:
                index = open_index(
                    documents, self.index.directory, lambda: self.encoder, identity, self.settings, log, progress
                )
                self._state = (index, Retriever(index, self.encoder, self.settings.retrieval))
            return reasons
