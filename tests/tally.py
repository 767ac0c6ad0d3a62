"""Counting suites: each case a suite tries is recorded by kind, and pytest prints one table at the end.

    from tests.tally import tally
    tally("fault matrix", "download forbidden", passed=True)

tests/conftest.py prints the table (cases tried, passed, by kind) after the run, so a suite that
tried nothing, or fewer cases than it claims, is visible in the output.
"""

from __future__ import annotations

import json
import os
from collections import defaultdict
from pathlib import Path

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


def dump(folder: str) -> None:
    """A pytest-xdist worker hands its counts to the controller through a file in `folder`."""
    if _counts:
        path = Path(folder) / f"tally-{os.getpid()}.json"
        path.write_text(json.dumps([[s, k, *c] for (s, k), c in _counts.items()]))


def gather(folder: str) -> None:
    """The controller adds up what its workers counted."""
    for path in Path(folder).glob("tally-*.json"):
        for suite, kind, tried, passed in json.loads(path.read_text()):
            counts = _counts[(suite, kind)]
            counts[0] += tried
            counts[1] += passed
