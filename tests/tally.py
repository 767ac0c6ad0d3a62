"""Counting suites: each case a suite tries is recorded by kind, and pytest prints one table at the end.

    from tests.tally import tally
    tally("fault matrix", "download forbidden", passed=True)

tests/conftest.py prints the table (cases tried, passed, by kind) after the run, so a suite that
tried nothing, or fewer cases than it claims, is visible in the output.
"""

from __future__ import annotations

from collections import defaultdict

_counts: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])  # (suite, kind) -> [tried, passed]


def tally(suite: str, kind: str, passed: bool) -> None:
    counts = _counts[(suite, kind)]
    counts[0] += 1
    counts[1] += bool(passed)


def table() -> list[str]:
    if not _counts:
        return []
    lines = [f"{'suite':<28} {'kind':<40} {'tried':>6} {'passed':>7}"]
    for suite in sorted({s for s, _ in _counts}):
        rows = sorted((k, c) for (s, k), c in _counts.items() if s == suite)
        for kind, (tried, passed) in rows:
            lines.append(f"{suite:<28} {kind[:40]:<40} {tried:>6} {passed:>7}")
        tried, passed = (sum(c[i] for _, c in rows) for i in (0, 1))
        lines.append(f"{suite:<28} {'= all':<40} {tried:>6} {passed:>7}")
    return lines
