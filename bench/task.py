"""One measurement in a process of its own.

    python -m bench.task TASK JSON

runs one task and prints its result as the last line of stdout
(``BENCH-RESULT {...}``), so that peak memory (``ru_maxrss``) and import
costs belong to that task alone. Task modules are imported only when run.
"""

from __future__ import annotations

import importlib
import json
import sys

RESULT_PREFIX = "BENCH-RESULT "

# task name -> (module of this package, function taking the task's arguments)
TASKS = {
    "build": ("build", "task_build"),
    "scale_build": ("build", "task_scale_build"),
    "warm": ("warm", "task_warm"),
    "baseline": ("baseline", "task_baseline"),
    "baseline_cold": ("baseline", "task_baseline_cold"),
    "ann": ("ann", "task_ann"),
    "backend_warm": ("milvus", "task_backend_warm"),
}


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[0] not in TASKS:
        print(f"usage: python -m bench.task {{{','.join(TASKS)}}} JSON", file=sys.stderr)
        return 2
    module, function = TASKS[argv[0]]
    task = getattr(importlib.import_module(f"{__package__}.{module}"), function)
    result = task(json.loads(argv[1]))
    print(RESULT_PREFIX + json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
