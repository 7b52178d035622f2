"""The Python API: one object, loaded once, that answers and checks claims.

    from askhist import Assistant
    assistant = Assistant.load(docs="seeds", index_dir="index")
    answer = assistant.ask("Why did Trotsky lose the power struggle?")
    print(answer.text)
    report = assistant.check("Stalin became General Secretary in 1922")

The command line and the web app are thin layers over this class.

Why this module is over 400 lines: the API object is also where a request
is checked before any work (``validate_request``), where the conversation's
earlier turns become what a follow-up is read with, and where changed
source files are noticed; each is small and needs the assistant's state.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from .answer import Answer, answer_question
from .bm25 import TokenizerParams
from .callbacks import LogFn, ProgressFn
from .chunking import ChunkingParams
from .claims import ClaimReport, check_claim
from .conversation import Reading, Turn, collection_names, read
from .disagreement import find_disagreement
from .documents import Document, DocumentError, list_source_files, load_documents
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
from .retrieval import Query, RetrievalSettings, Retriever
from .scoring import AnswerSettings
from .text import clean_user_text, expand_shorthand
from .timing import Timings

MAX_QUESTION_CHARS = 2000
# Earlier questions given as text are answered again to read the conversation;
# the last few decide what "he" or "that job" means, older ones cannot.
MAX_REPLAYED_TURNS = 5

HistoryItem = str | Answer | Mapping
# A conversation's earlier questions: only the last few shape a follow-up, so
# longer histories are cut to these before any work is done on them.
MAX_HISTORY_ITEMS = 20
# How often, at most, ask and check look at the source files for changes.
FRESHNESS_INTERVAL_SECONDS = 1.0

# What is compared to notice a changed file cheaply: path -> (size, mtime in ns).
Fingerprint = dict[str, tuple[int, int]]

logger = logging.getLogger("askhist")


def source_fingerprint(doc_dirs: Sequence[Path]) -> Fingerprint:
    """Size and modification time of every source file (a stat each, no reading)."""
    stats: Fingerprint = {}
    for number, root in enumerate(doc_dirs):
        if number and not root.exists():
            continue  # as load_documents: extra folders such as uploads may not exist yet
        try:
            paths = list_source_files(root)
        except DocumentError:
            stats[str(root)] = (-1, -1)
            continue
        for path in paths:
            try:
                stat = path.stat()
            except OSError:
                stats[str(path)] = (-1, -1)
                continue
            stats[str(path)] = (stat.st_size, stat.st_mtime_ns)
    return stats


class InputError(ValueError):
    """A question or claim that cannot be answered as given; the message says why."""


class SourcesChanged(InputError):
    """The source files changed under a running app and could not be read again."""


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


def validate_request(
    question: object, history: object = None, top_k: object = 5
) -> tuple[str, list[HistoryItem], int]:
    """Check the arguments of :meth:`Assistant.ask` before any work is done.

    Returns the cleaned question, the history (its last MAX_HISTORY_ITEMS
    items: text cut to MAX_QUESTION_CHARS *before* it is cleaned, so a huge
    item costs no more than a normal one; earlier answers and their dicts
    kept; anything else skipped) and top-k. Raises InputError for wrong
    types or values.
    """
    question = validate_text(question)
    if history is None:
        history = []
    if not isinstance(history, (list, tuple)):
        raise InputError("the history must be a list of the conversation's earlier questions or answers")
    past: list[HistoryItem] = []
    for item in history[-MAX_HISTORY_ITEMS:]:
        if isinstance(item, str):
            cleaned = clean_user_text(item[:MAX_QUESTION_CHARS])
            if cleaned:
                past.append(cleaned)
        elif isinstance(item, (Answer, Mapping)):
            past.append(item)
    if isinstance(top_k, bool) or not isinstance(top_k, int):
        raise InputError("top-k must be a whole number")
    if top_k < 1:
        raise InputError("top-k must be at least 1")
    return question, past, top_k


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
        fingerprint: Fingerprint | None = None,
        reader: Reader | None = None,
    ) -> None:
        """``fingerprint``: of the source files as they were when the index's
        documents were read (taken before reading; now when not given).
        ``reader``: the cross-encoder (None: today's scorer chooses and
        abstains alone)."""
        self.encoder = encoder
        self.reader = reader  # None: today's scorer chooses and abstains alone
        self.doc_dirs = tuple(Path(d) for d in doc_dirs)
        self.settings = settings
        # Replaced as one tuple so a query never pairs an old index with a new retriever.
        self._state = (index, Retriever(index, encoder, settings.retrieval))
        self._names_cache: tuple[Index, frozenset[str]] | None = None
        # Held while the collection changes (a refresh, an upload batch); an
        # RLock because an upload batch refreshes while it holds it.
        self.collection_lock = threading.RLock()
        self._fingerprint = source_fingerprint(self.doc_dirs) if fingerprint is None else fingerprint
        self.freshness_interval = FRESHNESS_INTERVAL_SECONDS
        self._checked_at = time.monotonic()
        self._unreadable = ""  # why the changed sources could not be read again ("" when they could)

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
        fingerprint = source_fingerprint(doc_dirs)
        documents = load_documents(*doc_dirs)
        encoder_holder: list = [encoder] if encoder is not None else []

        def encoder_factory():
            if not encoder_holder:
                log(f"Loading embedding model {model_identity(model)}")
                encoder_holder.append(Encoder.load(model))
            return encoder_holder[0]

        index = open_index(documents, Path(index_dir), encoder_factory, model_identity(model), settings, log, progress)
        return cls(index, encoder_factory(), doc_dirs, settings, fingerprint, load_reader(reader))

    @property
    def index(self) -> Index:
        return self._state[0]

    def ask(
        self,
        question: str,
        history: Sequence[HistoryItem] | None = None,
        top_k: int = 5,
        timings: Timings | None = None,
    ) -> Answer:
        """Answer a question with quoted, cited sentences, or abstain.

        ``history`` is the conversation so far, oldest first: earlier
        ``Answer`` objects (or their ``to_dict()``), or earlier questions as
        text, which are answered again in order (the last
        ``MAX_REPLAYED_TURNS``). A question that lacks something ("why did
        he lose?", "and in 1926?") is read with the earlier turns, the
        answers included (:mod:`askhist.conversation`); the answer says
        what it was resolved to. ``timings``, if given, gets the seconds of
        each stage added in: query_encoding, bm25, dense_search, fusion,
        answer_selection and, with a reader, reading.
        """
        question, history, top_k = validate_request(question, history, top_k)
        self.ensure_fresh()
        return self._answer(question, self._turns(history), top_k, timings)

    def _answer(self, question: str, turns: Sequence[Turn], top_k: int, timings: Timings | None = None) -> Answer:
        return self._read_and_answer(question, turns, top_k, timings)[0]

    def _read_and_answer(
        self, question: str, turns: Sequence[Turn], top_k: int, timings: Timings | None = None
    ) -> tuple[Answer, Reading]:
        """The answer, and how the question was read in its conversation."""
        index, retriever = self._state
        reading = read(question, turns, self._names(index))
        # Searched and read with texting shorthand written out ("wat", "ppl"); shown as typed.
        query = Query(expand_shorthand(reading.searched), reading.context)
        answer = answer_question(
            question,
            query,
            index,
            retriever,
            self.settings.answer,
            top_k=top_k,
            timings=timings,
            reader=self.reader,
            follow_up=reading if reading.is_follow_up else None,
        )
        return dataclasses.replace(
            answer,
            context=reading.follows,
            referent=reading.referent,
            resolved_context=reading.resolved_context,
            disagreement=None if answer.abstained else find_disagreement(query.text, answer.sentences),
        ), reading

    def _turns(self, history: Sequence[HistoryItem]) -> list[Turn]:
        """The earlier turns of a conversation (as ``validate_request`` left
        them), each question with the text of the answer given to it."""
        turns: list[Turn] = []
        replayed = [i for i, item in enumerate(history) if isinstance(item, str)][-MAX_REPLAYED_TURNS:]
        names = self._names(self._state[0])
        for position, item in enumerate(history):
            if isinstance(item, (Answer, Mapping)):
                turn = _turn_from_answer(item)
                # Its resolved form, read again from the turns before it (no search).
                reading = read(turn.question, turns, names)
                turns.append(dataclasses.replace(turn, rewritten=reading.resolved, follows=_followed(reading, turns)))
            elif isinstance(item, str):
                question = item
                if position not in replayed:
                    turns.append(Turn(question))
                    continue
                answer, reading = self._read_and_answer(question, turns, top_k=1)
                said = "" if answer.abstained else " ".join(s.text for s in answer.sentences)
                turns.append(Turn(question, said, reading.resolved, _followed(reading, turns)))
            # Anything else (None, a number) carries no conversation: skipped, as empty text is.
        return turns

    def _names(self, index: Index) -> frozenset[str]:
        """The collection's proper names, read once per loaded index."""
        cached = self._names_cache
        if cached is None or cached[0] is not index:
            cached = (index, collection_names(s.text for s in index.sentences))
            self._names_cache = cached
        return cached[1]

    def check(self, claim: str, timings: Timings | None = None) -> ClaimReport:
        """Which sources support a claim, each with its best sentence.

        ``timings``, if given, gets the seconds of query_encoding and
        claim_scoring (reading included) added in, and reading alone.
        """
        claim = validate_text(claim, "claim")
        self.ensure_fresh()
        index, retriever = self._state
        return check_claim(
            claim, index, retriever, self.settings.answer, timings=timings, names=self._names(index), reader=self.reader
        )

    def documents(self) -> list[DocumentInfo]:
        return list(self.index.documents.values())

    def document(self, doc_id: str) -> DocumentInfo:
        try:
            return self.index.documents[doc_id]
        except KeyError:
            raise InputError(f"no document named {doc_id!r} in the collection") from None

    def ensure_fresh(self, log: LogFn = lambda message: None) -> None:
        """Notice source files changed, added or removed since the index was
        built (a stat of each, at most every ``freshness_interval`` seconds) and
        refresh the index before answering, so no citation points at text the
        file no longer holds. Raises SourcesChanged when the changed files
        cannot be read again: nothing is answered from the stale index then."""
        if time.monotonic() - self._checked_at < self.freshness_interval:
            return
        self._checked_at = time.monotonic()
        if source_fingerprint(self.doc_dirs) != self._fingerprint:
            with self.collection_lock:  # one refresh at a time; the others wait for it
                if source_fingerprint(self.doc_dirs) != self._fingerprint:
                    try:
                        self.refresh(log=log)
                    except (DocumentError, IndexProblem) as exc:
                        logger.warning("The documents changed and the index could not be updated: %s", exc)
                        self._fingerprint = source_fingerprint(self.doc_dirs)  # retried on the next change
                        # A DocumentError names the file; an IndexProblem may name the server's folders.
                        shown = str(exc) if isinstance(exc, DocumentError) else "the index could not be updated"
                        self._unreadable = shown
        if self._unreadable:
            raise SourcesChanged(
                f"the documents changed while askhist was running and could not be read again ({self._unreadable}); "
                "ask your teacher to fix the file"
            )

    def refresh(self, log: LogFn = lambda message: None, progress: ProgressFn | None = None) -> list[str]:
        """Re-read the document folders and update the index if they changed.

        Queries keep being served by the old index until the new one is
        ready. Returns the reasons for rebuilding ([] if nothing changed).
        """
        from .embedding import model_identity

        with self.collection_lock:
            fingerprint = source_fingerprint(self.doc_dirs)  # before reading: a change while reading is seen next time
            documents = load_documents(*self.doc_dirs)
            identity = model_identity(self.encoder.model)
            settings = self.settings
            reasons = stale_reasons(self.index.manifest, documents, identity, settings.chunking, settings.tokenizer)
            if reasons:
                index = open_index(
                    documents, self.index.directory, lambda: self.encoder, identity, self.settings, log, progress
                )
                self._state = (index, Retriever(index, self.encoder, self.settings.retrieval))
            self._fingerprint = fingerprint
            self._unreadable = ""
            return reasons


def _followed(reading: Reading, turns: Sequence[Turn]) -> str:
    """The earlier question, as understood, that a follow-up followed ("" for a question read alone)."""
    return turns[-1].resolved if reading.is_follow_up else ""


def _turn_from_answer(item: Answer | Mapping) -> Turn:
    """A turn from an earlier answer or its ``to_dict()``."""
    if isinstance(item, Answer):
        return Turn(item.question, "" if item.abstained else " ".join(s.text for s in item.sentences))
    question = item.get("question")
    sentences = item.get("sentences") or []
    if not isinstance(question, str) or not isinstance(sentences, list):
        raise InputError("an earlier answer must have a 'question' (text) and a list of 'sentences'")
    texts = [s.get("text") for s in sentences if isinstance(s, Mapping)]
    answer = "" if item.get("abstained") else " ".join(t for t in texts if isinstance(t, str))
    return Turn(clean_user_text(question)[:MAX_QUESTION_CHARS], answer)
