"""The unfinished jobs each open page follows, kept by the server so that a late answer cannot undo it.

A page redraws on several events at once (its timer, the end of a Generate, a chain action), and their
answers can arrive out of order: a list kept in the page (a gr.State) takes whichever answer came last,
so an answer computed before a job was sent could drop it, and a quick job then ended without its
"Done". Kept here, under a lock, the one list per page only moves forward from the ledger: each job the
page followed is reported finished exactly once.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

MAX_PAGES = 10_000  # pages remembered; the least recently seen is forgotten first


class Watch:
    def __init__(self, max_pages: int = MAX_PAGES):
        self._pages: OrderedDict[tuple[str, str], set[str]] = OrderedDict()
        self._lock = threading.Lock()
        self._max = max_pages

    def follow(self, page: tuple[str, str], job_id: str) -> bool:
        """The page follows this job from now on; False if it already did (the same job sent twice)."""
        with self._lock:
            jobs = self._touch(page)
            new = job_id not in jobs
            jobs.add(job_id)
            return new

    def advance(self, page: tuple[str, str], running: set[str]) -> list[str]:
        """The jobs the page followed that are no longer running; from now on it follows `running`."""
        with self._lock:
            jobs = self._touch(page)
            ended = sorted(jobs - running)
            jobs.clear()
            jobs.update(running)
            return ended

    def _touch(self, page: tuple[str, str]) -> set[str]:
        jobs = self._pages.setdefault(page, set())
        self._pages.move_to_end(page)
        while len(self._pages) > self._max:
            self._pages.popitem(last=False)
        return jobs
