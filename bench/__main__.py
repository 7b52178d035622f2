"""``python -m bench``: measure, write OUT/bench.json, print the table."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

from .processes import BenchError
from .report import format_table
from .run import FULL_SIZES, QUICK_SIZES, Options, run


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description="Measure askhist's cold starts, warm latency, index builds, memory and scaling against a "
        "naive baseline. The bench builds its own indexes under OUT/work.",
    )
    parser.add_argument("--out", type=Path, default=Path("bench/results"), help="folder for the JSON results")
    parser.add_argument("--quick", action="store_true", help="1k passages only, few repetitions (for CI)")
    parser.add_argument(
        "--sizes", help="scaling sizes in passages, comma-separated (default: 1000,10000,100000; quick: 1000)"
    )
    parser.add_argument("--no-serve", action="store_true", help="skip the askhist serve cold start")
    parser.add_argument("--docs", type=Path, default=Path("seeds"), help="collection to measure (default: seeds)")
    parser.add_argument("--qa", type=Path, default=Path("eval/qa.jsonl"), help="questions and claims to ask")
    parser.add_argument("--model", help="embedding model (default: askhist's)")
    return parser


def _sizes(text: str | None, quick: bool) -> tuple[int, ...]:
    if not text:
        return QUICK_SIZES if quick else FULL_SIZES
    try:
        sizes = tuple(int(s) for s in text.split(","))
    except ValueError:
        raise BenchError(f"--sizes takes whole numbers separated by commas, not {text!r}") from None
    if any(size < 1 for size in sizes):
        raise BenchError(f"--sizes must be positive numbers of passages, not {text!r}")
    return sizes


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if not args.docs.is_dir():
            raise BenchError(f"no documents folder {args.docs}")
        options = Options(
            out=args.out,
            quick=args.quick,
            docs=args.docs,
            model=args.model,
            qa=args.qa,
            sizes=_sizes(args.sizes, args.quick),
            serve=not args.no_serve,
            log=lambda message: print(f"bench: {message}", file=sys.stderr, flush=True),
        )
        results = run(options)
    except (BenchError, subprocess.TimeoutExpired) as exc:
        print(f"bench: error: {exc}", file=sys.stderr)
        return 1
    options.out.mkdir(parents=True, exist_ok=True)
    path = options.out / "bench.json"
    path.write_text(json.dumps(results, indent=1), encoding="utf-8")
    print(format_table(results))
    print(f"\nResults: {path} ({results['bench_seconds']:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
