"""Write the scaling corpus that the bench measures at 1k-100k passages.

    python -m bench.make_corpus OUT --passages 100000 [--seed 0] [--source seeds]

The seed essays' sentences are shuffled into new documents (4-12 paragraphs
of 2-6 sentences, one paragraph per line) with ``random.Random(seed)`` until
askhist's chunker counts the requested number of passages. The same
arguments always write the same files. See :mod:`bench.corpus`.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .corpus import make_corpus


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.make_corpus", description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path, help="folder to write (OUT/docs holds the documents)")
    parser.add_argument("--passages", type=int, default=10_000, help="passages to reach (default: 10000)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default: 0)")
    parser.add_argument("--source", type=Path, default=Path("seeds"), help="collection to take sentences from")
    args = parser.parse_args(argv)
    info = make_corpus(args.out, args.passages, seed=args.seed, source=args.source)
    print(json.dumps(info, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
