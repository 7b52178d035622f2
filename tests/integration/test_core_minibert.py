"""The NumPy query encoder must give the same vectors as sentence-transformers."""

from __future__ import annotations

import numpy as np
import pytest

from askhist import minibert
from askhist.embedding import Encoder, default_model

TEXTS = [
    "Why did Trotsky lose the power struggle?",
    "stalin general sec when",
    "Amongst party members Stalin was known as “Comrade Card-Index,” one who assembled party paperwork.",
    "Почему Троцкий проиграл? 托洛茨基 🙂 <script>alert(1)</script>",
    "a",
    # Past MiniLM's 256 word-piece window: both must truncate the same way.
    " ".join(["The Lenin Enrolment doubled party membership with young urban workers."] * 40),
]


@pytest.fixture(scope="module")
def reference():
    return Encoder.load(fast=False)


def test_packaged_model_is_supported():
    assert minibert.supports(default_model())


def test_numpy_forward_pass_matches_sentence_transformers(reference):
    fast = minibert.MiniBert(default_model())
    ours = fast.encode(TEXTS)
    theirs = reference.encode(TEXTS)
    assert ours.shape == theirs.shape == (len(TEXTS), 384)
    assert np.allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)
    assert np.max(np.abs(ours - theirs)) < 1e-4


def test_encoder_uses_the_fast_path_for_questions_and_agrees_for_batches(encoder, reference):
    few = encoder.encode(TEXTS[:2])
    many = encoder.encode(TEXTS * 2)  # more than FAST_MAX_TEXTS: sentence-transformers
    assert np.max(np.abs(few - reference.encode(TEXTS[:2]))) < 1e-4
    assert np.max(np.abs(many[:2] - few)) < 1e-4
