"""The grouped split's fast pair search finds exactly the pairs the pairwise
definition links (``linked`` on every pair), on generated QA sets."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from askhist.evaluation.qa import QAItem, Quote
from askhist.evaluation.split import linked, linked_pairs

pytestmark = pytest.mark.unit

TEXT = "Stalin rose. Trotsky fell. Lenin died in 1924. Stalin rose. Bukharin spoke out."
TEXTS = {"a.txt": TEXT, "b.txt": TEXT[::-1]}
WORDS = ("why", "did", "stalin", "rise", "trotsky", "fall", "who", "lenin", "die", "when")
QUOTES = ("Stalin rose.", ". Trotsky", "Trotsky fell", "fell. Lenin", "Lenin died in 1924.", "spoke", ".esor", "absent")

questions = st.lists(st.sampled_from(WORDS), min_size=1, max_size=5).map(" ".join)
items = st.lists(
    st.tuples(
        questions,
        st.lists(st.sampled_from(("Who was Stalin?", "why did he rise", "when")), max_size=2),
        st.lists(st.tuples(st.sampled_from(sorted(TEXTS)), st.sampled_from(QUOTES)), max_size=2),
        st.sampled_from(("factoid", "followup", "claim")),
    ),
    max_size=14,
)


@settings(max_examples=150, deadline=None)
@given(items)
def test_linked_pairs_are_the_pairwise_relation(generated):
    qa = [
        QAItem(f"q{n}", "dev", kind, question, tuple(history), tuple(Quote(d, q) for d, q in evidence))
        for n, (question, history, evidence, kind) in enumerate(generated)
    ]
    expected = {
        (i, j): reason
        for i in range(len(qa))
        for j in range(i + 1, len(qa))
        if (reason := linked(qa[i], qa[j], TEXTS))
    }
    assert linked_pairs(qa, TEXTS) == expected
