"""The evaluation tool: QA validator, metrics, calibration, gate, SQuAD
converter, and ``askhist eval`` end to end on a tiny collection."""

from __future__ import annotations

import json
import math
import shutil
from collections import Counter
from pathlib import Path

import pytest

from askhist import cli
from askhist.evaluation import (
    EXIT_GATE,
    QAFormatError,
    SquadError,
    ablation,
    best_abstain_threshold,
    check_gate,
    check_qa_file,
    convert_squad,
    evaluate,
    load_qa,
    select_split,
    validate_qa,
)
from askhist.evaluation.calibrate import ScoredPair, ScoredQuestion, best_claim_thresholds, claim_f1, correct_at
from askhist.evaluation.metrics import (
    contains_phrase,
    covers,
    evidence_recall,
    ndcg,
    precision_recall_f1,
    quote_spans,
    ranx_rank_metrics,
    reciprocal_rank,
)
from askhist.evaluation.qa import TYPES, parse_qa
from askhist.evaluation.runner import ClaimRecord, QuestionRecord, summarise
from askhist.frontend import percentile

ROOT = Path(__file__).resolve().parents[2]
SEEDS = ROOT / "seeds"
QA_FILE = ROOT / "eval" / "qa.jsonl"
DATA = Path(__file__).resolve().parent / "data"
TINY = DATA / "tiny"


def _line(**fields) -> str:
    item = {"id": "x", "split": "dev", "type": "factoid", "question": "Q?", "history": [], "evidence": []}
    item.update(answers=[], supports={}, note="")
    item.update(fields)
    return json.dumps(item)


# --- the QA set ---------------------------------------------------------------


def test_seed_qa_set_is_valid():
    """Schema, unique ids, every quote verbatim in its file, every key phrase
    inside an evidence quote of its item, every claim source real."""
    errors = check_qa_file(QA_FILE, SEEDS)
    assert errors == [], "\n".join(errors)
    items = load_qa(QA_FILE)
    assert len(items) >= 88
    counts = Counter(i.type for i in items)
    assert set(counts) == set(TYPES), counts
    assert {i.split for i in items} == {"dev", "test"}


def test_validator_reports_every_kind_of_problem(tmp_path):
    docs = {"a.txt": "Stalin became General Secretary in 1922. Trotsky lost."}
    lines = [
        _line(id="ok", evidence=[{"doc": "a.txt", "quote": "General Secretary in 1922"}], answers=["1922"]),
        _line(id="paraphrased", evidence=[{"doc": "a.txt", "quote": "Stalin was General Secretary"}]),
        _line(id="phrase", evidence=[{"doc": "a.txt", "quote": "Trotsky lost."}], answers=["1922"]),
        _line(id="nodoc", evidence=[{"doc": "b.txt", "quote": "x"}]),
        _line(id="noevidence"),
        _line(id="claimdoc", type="claim", supports={"c.txt": "supported"}),
        _line(id="related", type="claim", supports={"a.txt#related": "partly"}),
        _line(id="fu", type="followup", evidence=[{"doc": "a.txt", "quote": "Trotsky lost."}]),
    ]
    items, schema = parse_qa(lines)
    assert len(items) == 8 and len(schema) == 2  # noevidence, fu: rules that need no documents
    errors = "\n".join(validate_qa(items, docs))
    assert "ok:" not in errors
    for expected in (
        "paraphrased: quote is not verbatim in a.txt",
        "phrase: key phrase '1922' is in none",
        "nodoc: evidence document 'b.txt' is not in the collection",
        "noevidence: an answerable question needs evidence",
        "claimdoc: supports names 'c.txt'",
        "related: a.txt has no related-essays section",
        "fu: a followup needs the earlier questions",
    ):
        assert expected in errors


def test_schema_problems_are_all_listed(tmp_path):
    path = tmp_path / "qa.jsonl"
    lines = [
        _line(id="a", split="train"),
        _line(id="a", type="opinion"),
        "{not json",
        json.dumps({"id": "b", "split": "dev"}),
        _line(id="c", answers="1922"),
        _line(id="d", type="claim", supports={"a.txt": "maybe"}),
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(QAFormatError) as caught:
        load_qa(path)
    errors = "\n".join(caught.value.errors)
    for expected in (
        "split 'train'",
        "type 'opinion'",
        "line 3: invalid JSON",
        "missing field 'type'",
        "answers must be a list",
        "supports must map",
        "id 'a' is used 2 times",
    ):
        assert expected in errors
    assert check_qa_file(path, {}) == caught.value.errors


def test_select_split():
    items, _ = parse_qa([_line(id="1", split="dev"), _line(id="2", split="test")])
    assert [i.id for i in select_split(items, "dev")] == ["1"]
    assert [i.id for i in select_split(items, "all")] == ["1", "2"]


# --- metrics on hand-made cases ---------------------------------------------------


def test_quote_spans_and_coverage():
    text = "abc 1922 def 1922"
    assert quote_spans(text, "1922") == [(4, 8), (13, 17)]
    assert quote_spans(text, "1923") == []
    quote = (10, 20)
    assert covers((0, 15), quote)  # exactly half
    assert not covers((0, 14), quote)
    assert covers((12, 40), quote)
    assert not covers((20, 30), quote)  # touching is not covering


def test_key_phrase_matching_folds_case_quotes_and_spaces():
    assert contains_phrase("Lenin\u2019s  Testament was read", ["lenin's testament"])
    assert contains_phrase("In 1922 he became", ["1921", "1922"])
    assert not contains_phrase("In 1923 he became", ["1922"])


def test_rank_metrics_known_values():
    # Two gold quotes: one first covered at rank 2, the other never.
    assert evidence_recall([2, None], 1) == 0.0
    assert evidence_recall([2, None], 3) == 0.5
    assert evidence_recall([1, 3], 3) == 1.0
    relevant = [False, True, True, False]
    assert reciprocal_rank(relevant) == 0.5
    expected = (1 / math.log2(3) + 1 / math.log2(4)) / (1 + 1 / math.log2(3))
    assert ndcg(relevant, n_relevant=2) == pytest.approx(expected)
    # Three relevant passages in the collection, only one retrieved, at rank 1.
    assert ndcg([True, False], n_relevant=3) == pytest.approx(1 / (1 + 1 / math.log2(3) + 0.5))


def test_ranx_agrees_with_the_hand_computed_values():
    rankings = {"q1": ["4", "7", "9", "1"], "q2": ["3", "5"], "q3": []}
    qrels = {"q1": {"7", "9"}, "q2": {"8", "3", "2"}, "q3": {"1"}}
    scores = ranx_rank_metrics(rankings, qrels)
    assert scores["q1"]["mrr@10"] == pytest.approx(0.5)
    assert scores["q1"]["ndcg@10"] == pytest.approx(ndcg([False, True, True, False], 2))
    assert scores["q2"]["mrr@10"] == pytest.approx(1.0)
    assert scores["q2"]["ndcg@10"] == pytest.approx(ndcg([True, False], 3))
    assert scores["q3"] == {"mrr@10": 0.0, "ndcg@10": 0.0}


def test_prf_and_percentile():
    assert precision_recall_f1(3, 1, 2) == {"precision": 0.75, "recall": 0.6, "f1": pytest.approx(2 / 3)}
    assert precision_recall_f1(0, 0, 0) == {"precision": None, "recall": None, "f1": None}
    assert percentile([10, 20, 30, 40], 50) == 25
    assert percentile([1.0], 95) == 1.0
    assert percentile([], 50) is None


def _question(id, type="factoid", abstained=False, hit=True, covered=(1,), latency=10.0, bad=0):
    return QuestionRecord(
        id=id,
        split="dev",
        type=type,
        question="?",
        history=[],
        answers=["x"] if hit is not None else [],
        abstained=abstained,
        answer=None,
        passages=[],
        covered_at=list(covered),
        n_relevant=len(covered),
        hit=hit,
        hit_any=hit,
        citation_errors=["wrong"] * bad,
        n_spans=4,
        latency_ms=latency,
        mrr=1.0 if covered and covered[0] == 1 else 0.0,
        ndcg=0.5,
    )


def _claim(sources):
    return ClaimRecord(
        id="c",
        split="dev",
        claim="c",
        sources=[{"key": k, "predicted": p, "gold": g} for k, p, g in sources],
        citation_errors=[],
        n_spans=len(sources),
        latency_ms=1.0,
    )


def test_summary_on_hand_made_records():
    questions = [
        _question("a", covered=(1, None)),
        _question("b", abstained=True, hit=False, covered=(4,), latency=30.0),
        _question("u1", type="unanswerable", abstained=True, hit=None, covered=()),
        _question("u2", type="unanswerable", abstained=False, hit=None, covered=(), bad=1),
    ]
    claims = [
        _claim(
            [
                ("a.txt", "supported", "supported"),  # tp
                ("b.txt", "partly supported", None),  # fp
                ("c.txt", "not found", "partly"),  # fn
                ("c.txt#related", "not found", None),  # tn
            ]
        )
    ]
    s = summarise(questions, claims)
    assert s["ranked"] == 2
    assert s["recall@1"] == pytest.approx(0.25)  # (0.5 + 0) / 2
    assert s["recall@5"] == pytest.approx(0.75)
    assert s["mrr@10"] == pytest.approx(0.5)
    assert s["answer_hit@1"] == pytest.approx(0.5)
    assert s["abstention_rate"] == pytest.approx(0.5)
    assert s["false_abstention_rate"] == pytest.approx(0.5)
    assert (s["claim_precision"], s["claim_recall"], s["claim_f1"]) == (0.5, 0.5, 0.5)
    assert s["claim_supported_f1"] == 1.0
    assert s["citation_exactness"] == pytest.approx(1 - 1 / 20)
    assert s["latency_p50_ms"] == 10.0


def test_abstention_threshold_search():
    scored = [
        ScoredQuestion("a", "dev", "factoid", True, 0.8, True),
        ScoredQuestion("b", "dev", "factoid", True, 0.6, True),
        ScoredQuestion("c", "dev", "factoid", True, 0.5, False),  # wrong either way
        ScoredQuestion("u", "dev", "unanswerable", False, 0.4, True),
        ScoredQuestion("v", "dev", "unanswerable", False, 0.55, True),
    ]
    assert correct_at(scored, 0.0) == 2
    choice = best_abstain_threshold(scored)
    assert choice.score == 4 and choice.total == 5
    assert 0.55 < choice.value < 0.6  # abstains on u, v (and c), answers a, b
    assert choice.value == pytest.approx(0.575)
    assert best_abstain_threshold(scored, prefer=0.58).value == 0.58  # as good: the setting stays
    assert best_abstain_threshold(scored, prefer=0.3).value == pytest.approx(0.575)


def test_claim_threshold_search():
    pairs = [
        ScoredPair("c1", "dev", frozenset(), "a.txt", "supported", 0.8, "x"),
        ScoredPair("c1", "dev", frozenset(), "b.txt", "partly", 0.55, "x"),
        ScoredPair("c1", "dev", frozenset(), "c.txt", None, 0.4, "x"),
        # a sentence with another year never supports a dated claim, whatever its score
        ScoredPair("c2", "dev", frozenset({"1922"}), "a.txt", None, 0.9, "in 1924"),
    ]
    partly, supported = best_claim_thresholds(pairs, current_supported=0.62)
    assert partly.score == 1.0 and 0.4 < partly.value < 0.55
    assert supported.score == 1.0 and 0.55 < supported.value < 0.8
    assert claim_f1(pairs, 0.3, 0.9) == pytest.approx(0.8)


def test_gate():
    metrics = {"recall@5": 0.8, "false_abstention_rate": 0.3, "claim_f1": None}
    ok = check_gate(metrics, {"min": {"recall@5": 0.8, "claim_f1": 0.5}, "max": {"false_abstention_rate": 0.3}})
    assert ok["passed"] and ok["skipped"] == ["claim_f1"]
    bad = check_gate(metrics, {"min": {"recall@5": 0.85, "recal@5": 0.1}, "max": {"false_abstention_rate": 0.2}})
    assert not bad["passed"]
    assert bad["failures"] == [
        "recall@5 = 0.800 < 0.850",
        "recal@5: no such metric",
        "false_abstention_rate = 0.300 > 0.200",
    ]


# --- the evaluation on the seeds (session index) ------------------------------------


def test_evaluate_on_seed_items(assistant):
    items = {i.id: i for i in load_qa(QA_FILE)}
    chosen = [next(i for i in items.values() if i.type == t) for t in ("factoid", "followup", "unanswerable", "claim")]
    result = evaluate(assistant, chosen)
    assert set(result.by_type) == {"factoid", "followup", "unanswerable", "claim"}
    assert result.overall["citation_exactness"] == 1.0
    followup = next(q for q in result.questions if q.type == "followup")
    assert followup.history and followup.context  # read together with the earlier question
    claim = result.claims[0]
    gold = {k for k, v in chosen[3].supports.items()}
    assert gold <= {s["key"] for s in claim.sources}
    answered = next(q for q in result.questions if q.type == "factoid")
    assert len(answered.passages) == 10 and answered.mrr is not None
    data = result.to_dict()
    assert json.loads(json.dumps(data))["overall"]["questions"] == 3

    # Settings overrides make variants without re-indexing.
    never = evaluate(assistant, chosen[:1], {"abstain_below": 5.0}, claims=False)
    assert never.overall["false_abstention_rate"] == 1.0
    variants = ablation(assistant, chosen[:2], [("bm25", {"fusion": "bm25"}), ("dense", {"fusion": "dense"})])
    assert [v.name for v in variants] == ["bm25", "dense"]
    assert variants[0].settings["retrieval"]["fusion"] == "bm25"
    with pytest.raises(ValueError, match="unknown setting"):
        evaluate(assistant, chosen[:1], {"abstain_bellow": 0.3})


# --- SQuAD converter ---------------------------------------------------------------


def test_squad_round_trip(tmp_path):
    source = json.loads((DATA / "squad_tiny.json").read_text(encoding="utf-8"))
    result = convert_squad(DATA / "squad_tiny.json", tmp_path / "out")
    assert result.documents == 2 and result.questions == 8 and result.unanswerable == 2
    assert result.skipped == []
    docs = tmp_path / "out" / "docs"
    titles = json.loads((docs / "sources.json").read_text(encoding="utf-8"))
    assert sorted(v["title"] for v in titles.values()) == ["Congress of Vienna", "Zollverein"]
    assert check_qa_file(result.qa_path, docs) == []
    items = {i.id: i for i in load_qa(result.qa_path)}
    texts = {p.name: p.read_text(encoding="utf-8") for p in docs.glob("*.txt")}
    for article, name in zip(source["data"], sorted(texts)):
        contexts = [p["context"] for p in article["paragraphs"]]
        assert texts[name] == "\n\n".join(contexts) + "\n"  # paragraphs kept, blank lines between
        for paragraph in article["paragraphs"]:
            for qa in paragraph["qas"]:
                item = items[qa["id"]]
                assert item.question == qa["question"]
                if qa["is_impossible"]:
                    assert item.type == "unanswerable" and not item.evidence
                    continue
                assert item.type == "factoid"
                assert {a["text"].casefold() for a in qa["answers"]} == {a.casefold() for a in item.answers}
                for quote in item.evidence:  # the whole sentence, from the paragraph
                    assert quote.quote in paragraph["context"] and quote.quote.endswith(".")
    assert items["cv1"].evidence[0].quote == "It was chaired by the Austrian statesman Klemens von Metternich."
    assert items["zv2"].evidence[0].quote == "Prussia led it, and Austria was kept out."  # offset was wrong
    assert [i.split for i in items.values()] == ["dev", "test"] * 4
    with pytest.raises(SquadError, match="not empty"):
        convert_squad(DATA / "squad_tiny.json", tmp_path / "out")


def test_squad_command_then_eval(tmp_path, capsys, patched_model):
    bad = tmp_path / "bad.json"
    bad.write_text('{"version": 1}', encoding="utf-8")
    assert cli.main(["squad", str(bad), "--out", str(tmp_path / "x")]) == 1
    assert "not SQuAD format" in capsys.readouterr().err
    out_dir = tmp_path / "squad"
    assert cli.main(["squad", str(DATA / "squad_tiny.json"), "--out", str(out_dir)]) == 0
    out = capsys.readouterr().out
    assert "Wrote 2 documents" in out and "askhist eval --docs" in out
    # The converted collection evaluates like any other.
    where = ["--docs", str(out_dir / "docs"), "--index", str(out_dir / "index"), "--qa", str(out_dir / "qa.jsonl")]
    assert cli.main(["eval", *where, "--thresholds", "", "--json"]) == 0
    overall = json.loads(capsys.readouterr().out)["overall"]
    assert overall["questions"] == 8 and overall["citation_exactness"] == 1.0
    assert overall["recall@10"] == 1.0  # three paragraphs: everything is in the top 10


# --- askhist eval end to end ---------------------------------------------------------


@pytest.fixture
def patched_model(monkeypatch, encoder):
    """Assistant.load gets the session's model instead of loading another."""
    from askhist import embedding

    monkeypatch.setattr(embedding.Encoder, "load", classmethod(lambda cls, model=None: encoder))


def _eval_args(tmp_path):
    return ["eval", "--docs", str(TINY / "docs"), "--index", str(tmp_path / "index"), "--qa", str(TINY / "qa.jsonl")]


def test_eval_command_end_to_end(tmp_path, capsys, patched_model):
    passing = tmp_path / "pass.json"
    passing.write_text(json.dumps({"min": {"citation_exactness": 1.0, "recall@5": 0.5}}), encoding="utf-8")
    code = cli.main([*_eval_args(tmp_path), "--json", "--thresholds", str(passing)])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    data = json.loads(captured.out)
    overall = data["overall"]
    assert overall["questions"] == 3 and overall["claims"] == 1 and overall["ranked"] == 2
    assert overall["citation_exactness"] == 1.0
    assert overall["recall@5"] == 1.0  # two short documents: the gold passage is always in the top 5
    for key in ("recall@1", "mrr@10", "ndcg@10", "answer_hit@1", "abstention_rate", "claim_f1", "latency_p95_ms"):
        assert key in overall
    assert set(data["by_type"]) == {"factoid", "why", "unanswerable", "claim"}
    assert set(data["by_split"]) == {"dev", "test"}
    assert data["gate"]["passed"] is True
    assert {q["id"] for q in data["questions"]} == {"t1", "t2", "t3"}

    failing = tmp_path / "fail.json"
    failing.write_text(json.dumps({"min": {"recall@5": 1.01}, "max": {"latency_p95_ms": 0}}), encoding="utf-8")
    code = cli.main([*_eval_args(tmp_path), "--split", "dev", "--thresholds", str(failing)])
    captured = capsys.readouterr()
    assert code == EXIT_GATE
    assert "gate FAILED" in captured.err and "recall@5 = 1.000 < 1.010" in captured.err
    assert "latency_p95_ms" in captured.err
    assert "| all |" in captured.out  # the tables were printed before the verdict


def test_eval_report_and_calibration(tmp_path, capsys, patched_model):
    report = tmp_path / "report"
    assert cli.main([*_eval_args(tmp_path), "--thresholds", "", "--report", str(report)]) == 0
    text = (report / "report.md").read_text(encoding="utf-8")
    assert "## By question type" in text and "## Ablation" in text and "bm25" in text
    assert "## Failures" in text
    assert (report / "recall_at_k.png").read_bytes().startswith(b"\x89PNG")
    assert json.loads((report / "results.json").read_text(encoding="utf-8"))["ablation"]
    capsys.readouterr()
    assert cli.main([*_eval_args(tmp_path), "--calibrate"]) == 0
    out = capsys.readouterr().out
    assert "Suggested AnswerSettings" in out and "abstain_below" in out


def test_eval_refuses_an_invalid_qa_file(tmp_path, capsys, patched_model):
    qa = tmp_path / "qa.jsonl"
    shutil.copy(TINY / "qa.jsonl", qa)
    with qa.open("a", encoding="utf-8") as handle:
        handle.write(_line(id="t9", evidence=[{"doc": "canal.txt", "quote": "not in the file"}]) + "\n")
    args = ["eval", "--docs", str(TINY / "docs"), "--index", str(tmp_path / "index"), "--qa", str(qa)]
    assert cli.main(args) == 1
    err = capsys.readouterr().err
    assert "t9: quote is not verbatim in canal.txt" in err
    assert not (tmp_path / "index").exists()  # refused before loading anything
