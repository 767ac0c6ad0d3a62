"""The steps of one storyboard export, as the stitcher takes them: told to whoever watches, and stoppable.

An export runs for tens of seconds (a conform, each join, the sound, the final mux), so the page shows which
step it is on and offers Cancel. Cancel kills the ffmpeg processes running at that moment and stops before
the next step; the stitcher writes only into a scratch folder and an atomic part file, both removed when
Cancelled rises through them, so a cancelled export leaves no half-written file behind.
"""

from __future__ import annotations

import subprocess
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from studio.errors import StudioError
from studio.media.ffmpeg import _BASE, FFmpegError, ffmpeg_exe

POLL_SECONDS = 0.1  # how often a running ffmpeg is checked for Cancel: the longest a cancel waits to bite


class Cancelled(StudioError):
    """The export was cancelled while it ran; nothing of it was kept."""

    def __init__(self, message: str = "Export cancelled: nothing was written; the storyboard is as you left it."):
        super().__init__(message)


@dataclass
class Steps:
    """What an export has done, out of how many steps, in words; and the switch that stops it.

    on_step(done, total, words) is called from the stitching threads (keep it quick: it only records)."""

    on_step: Callable[[int, int, str], None] | None = None
    cancel: threading.Event = field(default_factory=threading.Event)
    total: int = 1
    done: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def plan(self, total: int, words: str) -> None:
        """The export's whole count of steps, now known; says what comes first."""
        with self._lock:
            self.total = max(1, total)
        self._tell(words)

    def step(self, words: str) -> None:
        """One step done; `words` says what comes next. Raises Cancelled if the export was stopped."""
        self.check()
        with self._lock:
            self.done = min(self.done + 1, self.total)
        self._tell(words)

    def check(self) -> None:
        if self.cancel.is_set():
            raise Cancelled()

    def _tell(self, words: str) -> None:
        if self.on_step:
            self.on_step(self.done, self.total, words)

    def run(self, args: Sequence[str], timeout: float = 3600) -> None:
        """ffmpeg to completion, like ffmpeg.run_sync, but killed at once when the export is cancelled."""
        self.check()
        proc = subprocess.Popen([ffmpeg_exe(), *_BASE, *args], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE)
        err = bytearray()
        reader = threading.Thread(target=lambda: err.extend(proc.stderr.read()), daemon=True)  # type: ignore[union-attr]
        reader.start()
        waited = 0.0
        try:
            while True:
                try:
                    proc.wait(POLL_SECONDS)
                    break
                except subprocess.TimeoutExpired:
                    waited += POLL_SECONDS
                    if self.cancel.is_set():
                        raise Cancelled() from None
                    if waited > timeout:
                        raise FFmpegError(f"ffmpeg ran past {timeout:.0f} s and was stopped") from None
        finally:
            if proc.returncode is None:
                proc.kill()
                proc.wait()
            reader.join(5)
        if proc.returncode != 0:
            raise FFmpegError(bytes(err).decode(errors="replace")[-800:].strip() or "ffmpeg failed")
