"""Compact storage for the sentence vectors of large collections.

Sentence vectors (for answer selection and the claim check) are the largest
part of an index: 360k sentences x 384 float32 = 526 MB at 100k passages.
Above ``QUANTIZE_ABOVE`` sentences they are stored as int8 with one scale
per vector (132 MB; cosines change by ~1e-3, see README, Performance);
smaller collections keep exact float32 vectors.

``Int8Vectors`` answers the two operations askhist uses,
``vectors[ids] @ v`` and ``vectors @ v``, with float32 results.
"""

from __future__ import annotations

import numpy as np

QUANTIZE_ABOVE = 200_000
SCALES_FILE = "sentence_scales.npy"
_SLICE = 32_768  # rows converted at a time (bounds temporary memory)


class Int8Vectors:
    """Vectors as ``codes * scale`` (int8 codes, a float32 scale per row)."""

    def __init__(self, codes: np.ndarray, scales: np.ndarray) -> None:
        if codes.ndim != 2 or scales.shape != (len(codes),):
            raise ValueError("int8 vectors and their scales disagree")
        self.codes = codes
        self.scales = scales.astype(np.float32, copy=False)

    @classmethod
    def quantize(cls, vectors: np.ndarray) -> Int8Vectors:
        codes = np.empty(vectors.shape, dtype=np.int8)
        scales = np.empty(len(vectors), dtype=np.float32)
        for start in range(0, len(vectors), _SLICE):
            part = np.asarray(vectors[start : start + _SLICE], dtype=np.float32)
            scale = np.abs(part).max(axis=1) / 127.0
            scale[scale == 0] = 1.0
            codes[start : start + _SLICE] = np.rint(part / scale[:, None])
            scales[start : start + _SLICE] = scale
        return cls(codes, scales)

    @property
    def shape(self) -> tuple[int, int]:
        return self.codes.shape

    @property
    def ndim(self) -> int:
        return 2

    dtype = np.dtype(np.float32)  # what reading them gives

    def __len__(self) -> int:
        return len(self.codes)

    def __getitem__(self, rows) -> np.ndarray:
        if isinstance(rows, np.ndarray) and rows.ndim == 1 and len(rows) > 1 and rows[-1] - rows[0] == len(rows) - 1:
            if np.all(np.diff(rows) == 1):  # a run of rows: a view, not a gathered copy
                rows = slice(int(rows[0]), int(rows[-1]) + 1)
        out = self.codes[rows].astype(np.float32)
        out *= self.scales[rows][..., None] if out.ndim == 2 else self.scales[rows]
        return out

    def __matmul__(self, vector: np.ndarray) -> np.ndarray:
        vector = np.asarray(vector, dtype=np.float32)
        out = np.empty(len(self.codes), dtype=np.float32)
        for start in range(0, len(self.codes), _SLICE):
            stop = start + _SLICE
            out[start:stop] = (self.codes[start:stop].astype(np.float32) @ vector) * self.scales[start:stop]
        return out

    def __array__(self, dtype=None, copy=None) -> np.ndarray:
        full = self[:]
        return full if dtype is None else full.astype(dtype)
