"""The bench's verdict and its table: each target with the measured value,
and every figure beside the naive baseline's, as Markdown."""

from __future__ import annotations

# Issue 10's budget with the reader (2 cores, seeds): warm ask p50 120 ms / p95 250 ms, check 300 ms, a
# cold one-shot CLI 3 s, 8 students at once served. It replaced issue 5's 25 / 50 ms for ask, set before
# askhist had a reader (which now takes ~36 ms of a question); issue 5's other targets stand, and its
# 100k ask target (60 ms) is held to the same 120 ms as the seeds now.
TARGETS = {
    "ask_p50_ms": 120.0,
    "ask_p95_ms": 250.0,
    "check_p95_ms": 300.0,
    "cold_cli_seconds": 3.0,
    "students_p95_ms": 1000.0,  # "still served": every one of 8 students at once answered within a second
    "ask_p50_ms_100k": 120.0,
    "build_over_raw_encoder": 1.3,
    "serve_ready_seconds": 6.0,
    "memory_mb_100k": 1024.0,
}


def targets(results: dict) -> list[dict]:
    """Each target (issue 10's budget, issue 5's other targets) with the measured value and whether it is met."""
    rows = []

    def add(name: str, measured, limit, unit: str) -> None:
        if measured is None:
            rows.append({"target": name, "limit": limit, "unit": unit, "measured": None, "hit": None})
        else:
            rows.append({"target": name, "limit": limit, "unit": unit, "measured": measured, "hit": measured <= limit})

    warm = results["warm"]
    add("warm ask p50 (seed collection)", warm["ask"]["p50_ms"], TARGETS["ask_p50_ms"], "ms")
    add("warm ask p95 (seed collection)", warm["ask"]["p95_ms"], TARGETS["ask_p95_ms"], "ms")
    add("warm check p95 (seed collection)", warm["check"]["p95_ms"], TARGETS["check_p95_ms"], "ms")
    cold = results.get("cold_cli", {}).get("seconds")
    add("askhist ask cold start to answer", cold, TARGETS["cold_cli_seconds"], "s")
    concurrent = warm.get("concurrent", {}).get("latency", {})
    add("8 students at once: latency p95", concurrent.get("p95_ms"), TARGETS["students_p95_ms"], "ms")
    biggest = max(results["scaling"], key=lambda e: e["build"]["passages"], default=None)
    at_100k = biggest if biggest and biggest["build"]["passages"] >= 100_000 else None
    add(
        "warm ask p50 at 100k passages",
        at_100k["query"]["ask"]["p50_ms"] if at_100k else None,
        TARGETS["ask_p50_ms_100k"],
        "ms",
    )
    build = results["build"]
    add("index build / raw encoder time", build["build_over_raw_encoder"], TARGETS["build_over_raw_encoder"], "x")
    added = build["add_document"]
    rows.append(
        {
            "target": "adding one document encodes only its texts",
            "limit": added["expected_new_texts"],
            "unit": "texts",
            "measured": added["encoded_now"],
            "hit": added["only_new_texts_encoded"],
        }
    )
    serve = results.get("cold_serve", {})
    add(
        "askhist serve ready to answer",
        serve.get("first_answer_seconds", serve.get("http_ready_seconds")),
        TARGETS["serve_ready_seconds"],
        "s",
    )
    add(
        "peak memory at 100k passages (serving)",
        at_100k["query"]["peak_rss_mb"] if at_100k else None,
        TARGETS["memory_mb_100k"],
        "MB",
    )
    work = warm["per_query_work"]
    encoded, bm25_built = work["max_texts_encoded_per_ask"], work["bm25_statistics_built_during_queries"]
    rows.append(
        {
            "target": "no index-time work per query (texts encoded per ask; BM25 builds)",
            "limit": "<= 2; 0",
            "unit": "",
            "measured": f"{encoded}; {'not measured' if bm25_built is None else bm25_built}",
            "hit": encoded <= 2 and bm25_built == 0 if bm25_built is not None else None,
        }
    )
    return rows


def _ratio(baseline, ours) -> str:
    if not isinstance(baseline, (int, float)) or not isinstance(ours, (int, float)) or not baseline or not ours:
        return ""
    return f"{baseline / ours:.1f}x"


def format_table(results: dict) -> str:
    """The figures as a Markdown table: askhist, the naive baseline, the ratio."""
    lines = ["| measure | askhist | naive baseline | baseline / askhist |", "|---|---:|---:|---:|"]

    def row(label: str, ours, baseline=None, unit: str = "", digits: int = 1) -> None:
        def fmt(v):
            return "" if v is None else (f"{v:,.{digits}f}{unit}" if isinstance(v, (int, float)) else str(v))

        lines.append(f"| {label} | {fmt(ours)} | {fmt(baseline)} | {_ratio(baseline, ours)} |")

    cold = results.get("cold_cli", {})
    row(
        "`askhist ask` cold start to answer",
        cold.get("seconds"),
        results.get("baseline_cold", {}).get("seconds"),
        " s",
        2,
    )
    row("`askhist --help`", cold.get("help_seconds"), None, " s", 2)
    serve = results.get("cold_serve", {})
    runs = f" (median of {len(serve['runs'])})" if len(serve.get("runs", ())) > 1 else ""
    if "http_ready_seconds" in serve:
        row(f"`askhist serve` until HTTP 200{runs}", serve["http_ready_seconds"], None, " s", 2)
    if "first_answer_seconds" in serve:
        row(f"`askhist serve` until first API answer{runs}", serve["first_answer_seconds"], None, " s", 2)
    if "api_ask" in serve:
        row("web API `ask` round trip p50, warm (Gradio queue + HTTP)", serve["api_ask"]["p50_ms"], None, " ms", 0)
    for name, label in (("first_start", "first start, building the index"), ("restart", "restart")):
        memory = results.get("serve_memory", {}).get(name, {})
        if memory.get("server_peak_rss_mb") is not None:
            row(f"`askhist serve` {label}: server peak RSS", memory["server_peak_rss_mb"], None, " MB", 0)
            row(f"`askhist serve` {label}: server steady RSS", memory["rss_mb"], None, " MB", 0)
        if memory.get("children_peak_rss_mb"):
            row(f"`askhist serve` {label}: index build (child) peak", memory["children_peak_rss_mb"], None, " MB", 0)
    warm, base = results["warm"], results["baseline"]
    for stat in ("p50_ms", "p95_ms"):
        row(f"warm ask {stat[:3]}", warm["ask"][stat], base["ask"].get(stat), " ms", 2)
    for stage in ("query_encoding", "bm25", "dense_search", "fusion", "answer_selection", "reading"):
        if stage not in warm["ask_stages"]:  # no reader: no reading stage
            continue
        row(
            f"&nbsp;&nbsp;ask stage {stage.replace('_', ' ')} (p50)",
            warm["ask_stages"][stage]["p50_ms"],
            base["ask_stages"].get(stage, {}).get("p50_ms"),
            " ms",
            2,
        )
    for stat in ("p50_ms", "p95_ms"):
        row(f"warm check {stat[:3]}", warm["check"][stat], base["check"].get(stat), " ms", 1)
    concurrent = warm.get("concurrent")
    if concurrent:
        row(
            f"{concurrent['students']} students at once: latency p50 / p95",
            f"{concurrent['latency']['p50_ms']:.0f} / {concurrent['latency']['p95_ms']:.0f} ms",
        )
        row("&nbsp;&nbsp;questions answered per second", concurrent["questions_per_second"])
    build = results["build"]
    row(
        f"index build, seeds ({build['passages']} passages, {build['texts_encoded']} texts; baseline: passages only)",
        build["build_seconds"],
        base.get("build_seconds"),
        " s",
        2,
    )
    stages = build["build_stages"]
    row(
        "&nbsp;&nbsp;of which " + " / ".join(stages),
        " / ".join(f"{seconds:.2f}" for seconds in stages.values()) + " s",
    )
    row("&nbsp;&nbsp;raw encoder on the same texts (ceiling)", build["raw_encode_seconds"], None, " s", 2)
    row("&nbsp;&nbsp;build / raw encoder", build["build_over_raw_encoder"], None, "x", 2)
    row("&nbsp;&nbsp;passages per second", build["passages_per_second"])
    added = build["add_document"]
    row(
        f"add one document ({added['new_passages']} passages, {added['new_sentences']} sentences)",
        f"{added['seconds']:.2f} s, {added['encoded_now']} texts encoded",
        f"{base.get('build_seconds', 0):.2f} s, {base.get('passages_encoded')} passages re-encoded",
    )
    row("peak memory, warm queries (seeds)", warm["peak_rss_mb"], base.get("peak_rss_mb"), " MB", 0)
    row("peak memory, `askhist ask` process", cold.get("peak_rss_mb"), None, " MB", 0)
    for entry in results.get("scaling", []):
        b, q, nb = entry["build"], entry["query"], entry["baseline"]
        size = f"{b['passages']:,} passages"
        row(f"**{size}**: build (excl. encoding)", b["build_seconds_excluding_encoding"], nb.get("build_seconds"), " s")
        row(f"&nbsp;&nbsp;{size}: load index + model", q["load_index_seconds"] + q["load_model_seconds"], None, " s", 2)
        row(f"&nbsp;&nbsp;{size}: ask p50", q["ask"]["p50_ms"], nb["ask"].get("p50_ms"), " ms", 1)
        row(f"&nbsp;&nbsp;{size}: ask p95", q["ask"]["p95_ms"], nb["ask"].get("p95_ms"), " ms", 1)
        row(f"&nbsp;&nbsp;{size}: check p50", q["check"]["p50_ms"], None, " ms", 1)
        row(f"&nbsp;&nbsp;{size}: peak memory (serving)", q["peak_rss_mb"], nb.get("peak_rss_mb"), " MB", 0)
        row(f"&nbsp;&nbsp;{size}: peak memory (build)", b["peak_rss_mb"], None, " MB", 0)
        ann = entry.get("ann")
        if ann:
            flat = ann["flat"]["p50_ms"]
            for key in sorted((k for k in ann if k.startswith("hnsw_ef")), key=lambda k: int(k[7:])):
                recall = ann[key]["recall_at_10"]
                row(
                    f"&nbsp;&nbsp;{size}: HNSW {key[5:]} search p50, recall@10 {recall:.3f} (right: flat)",
                    ann[key]["p50_ms"],
                    flat,
                    " ms",
                    2,
                )
    lines.append("")
    lines.append("| target | limit | measured | hit |")
    lines.append("|---|---:|---:|:---:|")
    for t in results.get("targets", []):
        hit = "n/a" if t["hit"] is None else ("yes" if t["hit"] else "**no**")
        measured = "not measured" if t["measured"] is None else f"{t['measured']} {t['unit']}".strip()
        lines.append(f"| {t['target']} | {t['limit']} {t['unit']} | {measured} | {hit} |")
    return "\n".join(lines)
