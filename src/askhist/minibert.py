"""A NumPy forward pass of BERT sentence encoders, for encoding questions.

Answering a question encodes one short text. Loading sentence-transformers
for that means importing torch and transformers (several seconds, ~400 MB)
and, on a busy 2-core machine, torch's thread pool made a 12-token forward
pass take 100-400 ms. The same arithmetic in NumPy, on one thread, loads in
under a second and takes ~15-30 ms on the 2-core bench machine (bound by
reading the 42 MB of layer weights from memory, as torch on one thread is). It computes what
sentence-transformers computes for a BERT model with mean pooling and
normalisation (all-MiniLM-L6-v2): the vectors agree to ~1e-6.

Index builds still use sentence-transformers: for large batches torch is
about twice as fast. NumPy's BLAS is limited to one thread by the entry
points (:func:`askhist.frontend.configure_process`), not here: a library does
not change process-wide settings.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np


def supports(path: str | Path) -> bool:
    """Whether ``path`` is a local sentence-transformers model this module
    computes exactly: BERT (absolute positions, GELU), mean pooling, and
    optionally normalisation, with safetensors weights and a fast tokenizer."""
    path = Path(path)
    try:
        modules = json.loads((path / "modules.json").read_text(encoding="utf-8"))
        config = json.loads((path / "config.json").read_text(encoding="utf-8"))
        types = [m["type"].rsplit(".", 1)[-1] for m in modules]
        pooling_dir = next(m["path"] for m in modules if m["type"].endswith("Pooling"))
        pooling = json.loads((path / pooling_dir / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError, KeyError, StopIteration, TypeError):
        return False
    mean_only = pooling.get("pooling_mode_mean_tokens") and not any(
        pooling.get(k)
        for k in (
            "pooling_mode_cls_token",
            "pooling_mode_max_tokens",
            "pooling_mode_mean_sqrt_len_tokens",
            "pooling_mode_weightedmean_tokens",
            "pooling_mode_lasttoken",
        )
    )
    return bool(
        types in (["Transformer", "Pooling"], ["Transformer", "Pooling", "Normalize"])
        and mean_only
        and config.get("model_type") == "bert"
        and config.get("position_embedding_type", "absolute") == "absolute"
        and config.get("hidden_act") == "gelu"
        and (path / "model.safetensors").is_file()
        and (path / "tokenizer.json").is_file()
    )


_ERF_P = np.float32(0.3275911)
_ERF_A = tuple(np.float32(a) for a in (1.061405429, -1.453152027, 1.421413741, -0.284496736, 0.254829592))
_ROOT_HALF = np.float32(1.0 / np.sqrt(2.0))


def _gelu(x: np.ndarray) -> np.ndarray:
    """BERT's exact (erf) GELU, with erf from Abramowitz & Stegun 7.1.26
    (error < 1.5e-7): 3x faster than scipy.special.erf on float32, and
    scipy.special is not imported (0.2 s of a cold start)."""
    z = x * _ROOT_HALF
    a = np.abs(z)
    t = 1.0 / (1.0 + _ERF_P * a)
    y = _ERF_A[0] * t
    for coefficient in _ERF_A[1:]:
        y += coefficient
        y *= t
    y *= np.exp(-a * a)
    return 0.5 * x * (1.0 + np.copysign(1.0 - y, z))


class MiniBert:
    """Mean-pooled, L2-normalised BERT sentence vectors in NumPy (float32)."""

    def __init__(self, path: str | Path) -> None:
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        path = Path(path)
        config = json.loads((path / "config.json").read_text(encoding="utf-8"))
        try:
            st_config = json.loads((path / "sentence_bert_config.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            st_config = {}
        max_length = min(
            int(st_config.get("max_seq_length") or config["max_position_embeddings"]),
            int(config["max_position_embeddings"]),
        )
        self.heads = int(config["num_attention_heads"])
        self.eps = float(config["layer_norm_eps"])
        self.normalize = (path / "modules.json").read_text(encoding="utf-8").count("Normalize") > 0
        weights = load_file(str(path / "model.safetensors"))

        def get(name: str) -> np.ndarray:
            value = weights.get(name)
            return weights[f"bert.{name}"] if value is None else value

        self.word = get("embeddings.word_embeddings.weight")
        # Every text is one segment: token type 0, folded into the positions.
        self.position = get("embeddings.position_embeddings.weight") + get("embeddings.token_type_embeddings.weight")[0]
        self.embedding_norm = (get("embeddings.LayerNorm.weight"), get("embeddings.LayerNorm.bias"))
        self.layers = []
        for i in range(int(config["num_hidden_layers"])):
            p = f"encoder.layer.{i}."
            qkv = ("query", "key", "value")
            self.layers.append(
                {
                    # Weights keep torch's (out, in) layout: see _linear.
                    "qkv_w": np.concatenate([get(f"{p}attention.self.{n}.weight") for n in qkv]),
                    "qkv_b": np.concatenate([get(f"{p}attention.self.{n}.bias") for n in qkv]),
                    "out_w": np.ascontiguousarray(get(f"{p}attention.output.dense.weight")),
                    "out_b": get(f"{p}attention.output.dense.bias"),
                    "norm1": (get(f"{p}attention.output.LayerNorm.weight"), get(f"{p}attention.output.LayerNorm.bias")),
                    "up_w": np.ascontiguousarray(get(f"{p}intermediate.dense.weight")),
                    "up_b": get(f"{p}intermediate.dense.bias"),
                    "down_w": np.ascontiguousarray(get(f"{p}output.dense.weight")),
                    "down_b": get(f"{p}output.dense.bias"),
                    "norm2": (get(f"{p}output.LayerNorm.weight"), get(f"{p}output.LayerNorm.bias")),
                }
            )
        self.dimension = int(self.word.shape[1])
        self.tokenizer = Tokenizer.from_file(str(path / "tokenizer.json"))
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(max_length)

    def _norm(self, x: np.ndarray, params: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
        mean = x.mean(-1, keepdims=True)
        centred = x - mean
        variance = (centred * centred).mean(-1, keepdims=True)
        return centred / np.sqrt(variance + self.eps) * params[0] + params[1]

    @staticmethod
    def _linear(x: np.ndarray, weight: np.ndarray, bias: np.ndarray) -> np.ndarray:
        """``x @ weight.T + bias`` for x of shape (tokens, in), weight in
        torch's (out, in) layout."""
        return (weight @ x.T).T + bias

    def encode(self, texts: list[str]) -> np.ndarray:
        """Vectors for a (small) batch of texts, shape (len(texts), dimension)."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        encodings = self.tokenizer.encode_batch(list(texts))
        n, length = len(encodings), max(len(e.ids) for e in encodings)
        ids = np.zeros((n, length), dtype=np.int64)
        mask = np.zeros((n, length), dtype=np.float32)
        for row, encoding in enumerate(encodings):
            ids[row, : len(encoding.ids)] = encoding.ids
            mask[row, : len(encoding.ids)] = 1.0
        # Hidden states as (texts x tokens, features): 2-D for the linear layers.
        x = self._norm(self.word[ids] + self.position[:length], self.embedding_norm).reshape(n * length, -1)
        heads = self.heads
        size = x.shape[-1] // heads
        scale = np.float32(1.0 / np.sqrt(size))
        padding = ((1.0 - mask) * np.finfo(np.float32).min)[:, None, None, :]
        for layer in self.layers:
            qkv = self._linear(x, layer["qkv_w"], layer["qkv_b"])
            q, k, v = (part.reshape(n, length, heads, size) for part in np.split(qkv, 3, axis=-1))
            scores = (q.transpose(0, 2, 1, 3) @ k.transpose(0, 2, 3, 1)) * scale + padding
            scores = np.exp(scores - scores.max(-1, keepdims=True))
            scores /= scores.sum(-1, keepdims=True)
            attended = (scores @ v.transpose(0, 2, 1, 3)).transpose(0, 2, 1, 3).reshape(n * length, heads * size)
            x = self._norm(self._linear(attended, layer["out_w"], layer["out_b"]) + x, layer["norm1"])
            hidden = self._linear(x, layer["up_w"], layer["up_b"])
            hidden = _gelu(hidden)
            x = self._norm(self._linear(hidden, layer["down_w"], layer["down_b"]) + x, layer["norm2"])
        x = x.reshape(n, length, -1)
        pooled = (x * mask[..., None]).sum(1) / np.maximum(mask.sum(1, keepdims=True), 1e-9)
        if self.normalize:
            pooled = pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
        return np.asarray(pooled, dtype=np.float32)
