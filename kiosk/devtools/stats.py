"""Small statistics for the benchmarks (pure: no Qt, no speech engine)."""

from __future__ import annotations


def percentile(values: list[float], fraction: float) -> float:
    """The value at ``fraction`` (0..1) of the sorted values, nearest rank (-1 for none)."""
    if not values:
        return -1.0
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return round(ordered[index], 2)
