"""Summaries of measurements, and this process's memory."""

from __future__ import annotations

import resource

import numpy as np


def summary(seconds: list[float]) -> dict:
    """p50/p95/mean/max in milliseconds."""
    if not seconds:
        return {"n": 0}
    ms = np.asarray(seconds) * 1000
    return {
        "n": len(ms),
        "p50_ms": round(float(np.percentile(ms, 50)), 3),
        "p95_ms": round(float(np.percentile(ms, 95)), 3),
        "mean_ms": round(float(ms.mean()), 3),
        "max_ms": round(float(ms.max()), 3),
    }


def stage_summary(requests: list[dict[str, float]]) -> dict:
    """Per stage, the summary of its seconds over requests (0 where a request skipped it)."""
    stages = sorted({stage for request in requests for stage in request})
    return {stage: summary([request.get(stage, 0.0) for request in requests]) for stage in stages}


def median(values: list[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far (Linux reports KiB)."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def rss_mb() -> float:
    """Resident memory of this process now."""
    import psutil

    return round(psutil.Process().memory_info().rss / 2**20, 1)
