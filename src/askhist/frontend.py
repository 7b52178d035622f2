"""What every front end shares: errors, logging, the progress bar, loading
the assistant from command-line arguments, and process-wide set-up.

The command line, the web app and the evaluation import this module; nothing
imports ``cli``. It stays light (no NumPy at import) so that ``askhist
--help`` starts fast.
"""

from __future__ import annotations

import argparse
import hashlib
import math
import os
import re
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

# One list of each, shown by the web app and used to warm it up.
EXAMPLE_QUESTIONS = (
    "Why did Trotsky lose the power struggle?",
    "How did being General Secretary help Stalin?",
    "What was the Lenin Enrolment?",
    "What happened at Lenin's funeral?",
)
EXAMPLE_CLAIMS = (
    "Stalin became General Secretary in 1922",
    "Stalin became General Secretary in 1925",
    "Trotsky missed Lenin's funeral",
    "Lenin died in 1922",  # one source says 1922, another 1924: a contradicted claim
)


class CliError(Exception):
    """An expected failure of a command: printed as one line, exit code 1."""


def log(message: str) -> None:
    """A ``LogFn`` that writes one line to stderr."""
    print(message, file=sys.stderr, flush=True)


class ProgressBar:
    """A one-line progress display on stderr for index builds (a ``ProgressFn``)."""

    def __init__(self) -> None:
        self._last = -1

    def __call__(self, stage: str, done: int, total: int) -> None:
        percent = int(100 * done / max(total, 1))
        if percent == self._last:
            return
        self._last = percent
        bar = "#" * (percent // 4)
        end = "\n" if done >= total else ""
        print(f"\r{stage}: [{bar:<25}] {percent:3d}% ({done}/{total})", end=end, file=sys.stderr, flush=True)


def configure_process(model: str | None = None) -> None:
    """Process-wide settings, made once by an entry point (never by library code).

    - No hub requests for a local model: there may be no network.
    - NumPy's BLAS on one thread: the query encoder's matrices are small, and
      with two threads on a busy machine OpenBLAS spent 10x longer waiting
      than computing. Concurrent questions run in parallel across requests.
    - FAISS searches on one thread: with an OpenMP team per search, a busy
      2-core machine searched 100k passages in 75 ms instead of 30 ms.
    """
    try:
        from .embedding import ModelError, default_model

        local = Path(model or default_model()).exists()
    except ModelError:
        local = False
    if local:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import faiss
    import numpy  # noqa: F401  (loaded first: threadpoolctl limits the libraries already loaded)

    faiss.omp_set_num_threads(1)
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # comes with sentence-transformers (via scikit-learn)
        return
    threadpool_limits(limits=1, user_api="blas")


# Where the indexes of collections other than the bundled seeds are kept (see ``index_root``).
INDEX_ROOT_ENV = "ASKHIST_INDEX_ROOT"


def project_root() -> Path | None:
    """The repository checkout askhist runs from (``src/askhist`` beside
    ``pyproject.toml`` and ``seeds/``), or None for an installed copy."""
    root = Path(__file__).resolve().parents[2]
    return root if (root / "pyproject.toml").is_file() and (root / "seeds").is_dir() else None


def bundled_docs() -> Path:
    """The bundled collection (the seed essays), wherever askhist is run from."""
    root = project_root()
    if root is None:
        raise CliError(
            "the bundled seed essays come with askhist's repository checkout, not with an installed copy: "
            "pass --docs FOLDER (a folder of .txt/.md/.pdf/.docx files)"
        )
    return root / "seeds"


def default_data_dir() -> Path:
    """The web app's data folder (uploads): ``data/`` of the checkout, else
    ``$XDG_DATA_HOME/askhist`` (``~/.local/share/askhist``)."""
    root = project_root()
    if root is not None:
        return root / "data"
    return Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share") / "askhist"


def index_root() -> Path:
    """Where collections keep their indexes: ``$ASKHIST_INDEX_ROOT``, else
    ``indexes/`` of the checkout, else ``$XDG_CACHE_HOME/askhist/indexes``."""
    configured = os.environ.get(INDEX_ROOT_ENV)
    if configured:
        return Path(configured)
    root = project_root()
    if root is not None:
        return root / "indexes"
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "askhist" / "indexes"


def collection_folders(args: argparse.Namespace) -> list[Path]:
    """The folders of a command's collection: ``--docs``, and the uploads of
    ``--data`` when one is given (``serve`` always has one)."""
    folders = [Path(args.docs)]
    if getattr(args, "data", None):
        folders.append(Path(args.data) / "uploads")
    return folders


def collection_index_dir(folders: Sequence[Path]) -> Path:
    """The default index of a collection: its own folder, so that two
    collections never rebuild each other's index. The bundled seeds alone
    use the checkout's ``index/``; any other set of folders
    ``<index_root>/<names>-<hash of their absolute paths>``."""
    resolved = [Path(f).resolve() for f in folders]
    root = project_root()
    if root is not None and resolved == [(root / "seeds").resolve()]:
        return root / "index"
    key = hashlib.sha256("\n".join(map(str, resolved)).encode("utf-8", "surrogateescape")).hexdigest()[:12]
    names = "+".join(re.sub(r"[^A-Za-z0-9_.-]+", "_", p.name) or "root" for p in resolved)[:80]
    return index_root() / f"{names}-{key}"


def resolve_collection(args: argparse.Namespace) -> None:
    """Fill in a command's defaults that depend on where askhist is, not on
    the current folder: ``--docs`` (the bundled seeds), ``--data`` (for
    ``serve``) and ``--index`` (the collection's own)."""
    if getattr(args, "docs", None) is None:
        args.docs = str(bundled_docs())
    if getattr(args, "data", "") is None and getattr(args, "command", "") == "serve":
        args.data = str(default_data_dir())
    if getattr(args, "index", None) is None:
        args.index = str(collection_index_dir(collection_folders(args)))


def load_assistant(args: argparse.Namespace, *, build_in_child: bool = False):
    """The assistant for a command's collection (``--docs``, ``--data``),
    ``--index``, ``--model``, ``--backend`` and ``--milvus-uri``, logging and
    showing build progress on stderr.

    ``build_in_child``: when the index must be built, build it in a child
    process (``askhist index``), so that this process never loads torch and
    keeps only what serving needs (a long-running server).
    """
    from .assistant import Assistant, Settings
    from .retrieval import RetrievalSettings

    if build_in_child:
        reasons = index_build_reasons(args)
        if reasons:
            build_index_in_child(args, reasons)
    return Assistant.load(
        docs=collection_folders(args),
        index_dir=Path(args.index),
        model=args.model,
        settings=Settings(
            retrieval=RetrievalSettings(
                backend=getattr(args, "backend", "embedded"), milvus_uri=getattr(args, "milvus_uri", "")
            )
        ),
        log=log,
        progress=ProgressBar(),
    )


def index_build_reasons(args: argparse.Namespace) -> list[str]:
    """Why the collection's index must be (re)built before it is loaded ([] if it is fresh).

    Reads the documents and the manifest only; a damaged index that passes
    this check is still rebuilt when it is loaded."""
    from .assistant import Settings
    from .documents import load_documents
    from .embedding import default_model, model_identity
    from .index import IndexCorrupt, IndexMissing, load_manifest, stale_reasons

    documents = load_documents(*collection_folders(args))
    try:
        manifest = load_manifest(Path(args.index))
    except IndexMissing:
        return ["no index built yet"]
    except IndexCorrupt as exc:
        return [str(exc)]
    settings = Settings()
    identity = model_identity(args.model or default_model())
    return stale_reasons(manifest, documents, identity, settings.chunking, settings.tokenizer)


def build_index_in_child(args: argparse.Namespace, reasons: Sequence[str]) -> None:
    """Build the collection's index with ``askhist index`` in a child process,
    its progress shown on this terminal; the child's memory (torch and the
    encoder's batches) is given back when it exits."""
    log(f"Building the index in {args.index} in a separate process ({'; '.join(reasons)}) ...")
    command = [sys.executable, "-m", "askhist.cli", "index", "--docs", str(args.docs), "--index", str(args.index)]
    if getattr(args, "data", None):
        command += ["--data", str(args.data)]
    if args.model:
        command += ["--model", str(args.model)]
    done = subprocess.run(command, stdout=subprocess.DEVNULL)
    if done.returncode != 0:
        raise CliError(f"the index could not be built (askhist index exited with status {done.returncode}; see above)")


def percentile(values: Sequence[float], q: float) -> float | None:
    """The q-th percentile (0-100), linear between closest ranks."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)
