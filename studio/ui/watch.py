"""The unfinished jobs each open page follows, kept by the server so that a late answer cannot undo it.

A page redraws on several events at once (its timer, the end of a Generate, a chain action), and their
answers can arrive out of order: a list kept in the page (a gr.State) takes whichever answer came last,
so an answer computed before a job was sent could drop it, and a quick job then ended without its
"Done". Kept here, under a lock, the one list per page only moves forward from the ledger: each job the
page followed is reported finished exactly once.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict

MAX_PAGES = 10_000  # pages remembered; the least recently seen is forgotten first


def page_of(caller, request) -> tuple[str, str] | None:
    """Which open page an event came from (its owner too: a borrowed session id reaches no one else's list)."""
    session = getattr(request, "session_hash", None)
    return (caller.owner, str(session)) if session else None


class _Pages(OrderedDict):
    """Something kept per page, for at most `size` pages: the least recently seen is forgotten first."""

    def __init__(self, size: int):
        super().__init__()
        self.size = size

    def seen(self, page: tuple[str, str], default):
        value = self.setdefault(page, default)
        self.move_to_end(page)
        while len(self) > self.size:
            self.popitem(last=False)
        return value


class Watch:
    def __init__(self, max_pages: int = MAX_PAGES):
        self._pages = _Pages(max_pages)  # page -> ids of the unfinished jobs it follows
        self._lock = threading.Lock()

    def follow(self, page: tuple[str, str], job_id: str) -> bool:
        """The page follows this job from now on; False if it already did (the same job sent twice)."""
        with self._lock:
            jobs = self._pages.seen(page, set())
            new = job_id not in jobs
            jobs.add(job_id)
            return new

    def advance(self, page: tuple[str, str], running: set[str]) -> list[str]:
        """The jobs the page followed that are no longer running; from now on it follows `running`."""
        with self._lock:
            jobs = self._pages.seen(page, set())
            ended = sorted(jobs - running)
            jobs.clear()
            jobs.update(running)
            return ended


class Latest:
    """Per page, which of several overlapping requests came last, and which clip its viewer shows.

    The page's clicks run side by side (the queue's concurrency), so a tile opened a moment ago can
    finish after the one clicked next, and two clicks can even reach the server out of order. Each open
    carries the page's own count of opens (`seq`, from the browser), so the order is the user's: an open
    older than one already taken steps aside, and so does every answer taken before a later request.
    A ticket is (the latest open's seq, requests taken): a request without a seq (an action on the open
    clip) only moves the second part. The clip an answer shows is recorded with its ticket (`shows`), so
    a redraw whose copy of the page's state still names an earlier clip does not draw that one back.
    """

    STALE = (-1, -1)  # the ticket of an open that came after a newer one: never the latest
    PENDING = "\0pending"  # a request is on its way whose clip is not known yet: no redraw draws one

    def __init__(self, max_pages: int = MAX_PAGES):
        self._last = _Pages(max_pages)  # page -> [the ticket of its latest request, the clip it shows]
        self._lock = threading.Lock()

    def take(self, page: tuple[str, str], seq: int | None = None, job_id: str | None = None) -> tuple[int, int]:
        """A ticket for a request; `seq` is the page's count of opens (a positive int), if it sent one, and
        `job_id` the clip it opens when that is known before it runs (a tile): from now until its answer, a
        redraw draws only that clip, and none at all while the request's clip is unknown (a pick, a final)."""
        with self._lock:
            last = self._last.seen(page, [(0, 0), None])
            opened, taken = last[0]
            if seq is not None:
                if seq <= opened:
                    return self.STALE
                opened = seq
            last[0] = (opened, taken + 1)
            last[1] = job_id or self.PENDING
            return last[0]

    def shows(self, page: tuple[str, str], ticket: tuple[int, int], job_id: str | None) -> bool:
        """The answer with this ticket shows `job_id` ("": the viewer closed); False, and nothing
        recorded, if a later request came in meanwhile (the answer then steps aside)."""
        with self._lock:
            last = self._last.seen(page, [(0, 0), None])
            if last[0] != ticket:
                return False
            last[1] = job_id
            return True

    def current(self, page: tuple[str, str]) -> tuple[int, int]:
        """The ticket of the page's latest request so far, without taking one (a reader that must step
        aside if a request is made while it works)."""
        with self._lock:
            return self._last.get(page, [(0, 0), None])[0]

    def showing(self, page: tuple[str, str], job_id: str) -> bool:
        """Whether the page's latest answer showed this clip (or none was recorded: nothing to contradict)."""
        with self._lock:
            shown = self._last.get(page, [(0, 0), None])[1]
            return shown is None or shown == job_id

    def is_latest(self, page: tuple[str, str], ticket: tuple[int, int]) -> bool:
        with self._lock:
            return ticket != self.STALE and self._last.get(page, [ticket])[0] == ticket


class Windows:
    """Per page, the gallery window its creator last asked for: the filter, the tiles shown, the sort and cursor.

    A timer's redraw brings the page's state as it was when the tick left the browser. If a filter, a sort
    or a page turn came in since, its grid would draw the old window over the new one, and with the ledger
    unchanged no later tick draws it again: the page shows "Failed" in the filter over every clip. Such a
    redraw leaves the grid alone (the request that changed the window draws it).
    """

    def __init__(self, max_pages: int = MAX_PAGES):
        self._asked = _Pages(max_pages)  # page -> the window it last asked for
        self._changes = _Pages(max_pages)  # page -> the count of its latest filter change taken
        self._lock = threading.Lock()

    def change(self, page: tuple[str, str] | None, seq: int | None) -> bool:
        """A filter change, numbered by its page (`seq`, the page's count of them): False if a later one of
        the page's was taken already. The filters' changes run side by side: Gradio's "always_last" re-sends
        a change that waited with the first change's data, not the latest, so a search cleared and then
        Favourites ticked was drawn as the cleared search alone."""
        if not page or seq is None:
            return True
        with self._lock:
            if seq <= self._changes.seen(page, 0):
                return False
            self._changes[page] = seq
            return True

    def latest_change(self, page: tuple[str, str] | None, seq: int | None) -> bool:
        """Whether no later filter change of the page has come in (asked once the grid is drawn)."""
        if not page or seq is None:
            return True
        with self._lock:
            return self._changes.get(page) == seq

    @staticmethod
    def _key(chosen, shown, after) -> str:
        return json.dumps([chosen, shown, after], sort_keys=True, default=str)

    def ask(self, page: tuple[str, str] | None, chosen, shown, after) -> None:
        """The page's creator asked for this window (before it is drawn)."""
        if page:
            with self._lock:
                self._asked.seen(page, None)
                self._asked[page] = self._key(chosen, shown, after)

    def is_asked(self, page: tuple[str, str] | None, chosen, shown, after) -> bool:
        """Whether a redraw for this window draws what the page last asked for (True if it asked none yet)."""
        if not page:
            return True
        with self._lock:
            asked = self._asked.get(page)
        return asked is None or asked == self._key(chosen, shown, after)


def seq_of(data: dict) -> int | None:
    """The page's count of opens sent with a click, if it is one (a browser's number, so checked)."""
    seq = data.get("seq")
    return seq if type(seq) is int and 0 < seq < 2**53 else None
