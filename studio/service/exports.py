"""What a storyboard export may cost one payer: its re-encoding runs on the studio's own CPU, for free.

A crossfade or a trimmed cut is re-encoded (seconds of CPU per second of video); a plain cut is a stream
copy (nearly free). So a payer (an account, or an anonymous browser's address) runs one export at a time,
and may have REENCODE_SECONDS_PER_HOUR seconds of video re-encoded per hour; past that an export is refused
in words saying when it can run. The page also runs at most two exports at a time for the whole studio.
A running export can be cancelled by its payer (the page's Cancel): the switch is the one its stitch watches.
"""

from __future__ import annotations

import threading
from threading import Event
import time
from collections import deque
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from studio.errors import InputError

REENCODE_SECONDS_PER_HOUR = 180.0
TRIM_SECONDS = 2.0  # a trimmed cut re-encodes up to its next keyframe: counted as this much
PAYERS = 10_000


def reencoded_seconds(crossfades: Sequence[float], trims: int) -> float:
    """About how many seconds of video an export re-encodes (each fade's length, each trimmed cut)."""
    return sum(max(0.0, f) for f in crossfades) + TRIM_SECONDS * trims


class Exports:
    def __init__(self, per_hour: float = REENCODE_SECONDS_PER_HOUR):
        self.per_hour = per_hour
        self._running: dict[str, Event] = {}  # payer: the switch that cancels their running export
        self._spent: dict[str, deque[tuple[float, float]]] = {}
        self._lock = threading.Lock()

    @contextmanager
    def export(self, payer: str, seconds: float, now: float | None = None) -> Iterator[Event]:
        """Hold the payer's one export while it runs (yields its cancel switch); refused if one runs or the
        hour's seconds are used."""
        now = time.monotonic() if now is None else now
        with self._lock:
            if payer in self._running:
                raise InputError("Your other storyboard export is still running: wait for it to finish, "
                                 "then export again.")
            spent = self._spent.setdefault(payer, deque())
            while spent and now - spent[0][0] > 3600:
                spent.popleft()
            used = sum(s for _, s in spent)
            if used + seconds > self.per_hour:
                wait = 3600 - (now - spent[0][0]) if spent else 0
                raise InputError(f"Crossfades and trims re-encode video on this studio's own machine: you have "
                                 f"used {used:.0f} of the {self.per_hour:.0f} s it re-encodes for you per hour. "
                                 f"Use cuts instead of crossfades, or export again in {max(1, int(wait // 60))} min.")
            spent.append((now, seconds))
            cancel = self._running[payer] = Event()
            if len(self._spent) > PAYERS:
                self._spent = {p: d for p, d in self._spent.items() if d and now - d[-1][0] <= 3600}
        try:
            yield cancel
        finally:
            with self._lock:
                self._running.pop(payer, None)

    def cancel(self, payer: str) -> bool:
        """Stop the payer's running export; False when none runs (it may have just ended)."""
        with self._lock:
            running = self._running.get(payer)
        if running is None:
            return False
        running.set()
        return True

    def running(self, payer: str) -> bool:
        with self._lock:
            return payer in self._running
