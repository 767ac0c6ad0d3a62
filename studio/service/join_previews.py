"""The timeline's join previews: each join rendered alone, small, from the plan of that join, and kept.

A preview is named by everything that makes it (the two clips' files, the window's snapped trims, the fade,
the picture's size and rate, how it is encoded): the same join asked again is the same file, never rendered
twice, and a join whose plan changed is a new file. They are kept in data/joins, at most MAX_BYTES and
MAX_FILES (the least recently shown go first); a deleted clip's go with it (gallery.delete: a preview's name
starts with its two clips' ids). A preview is no job: nothing of it reaches the ledger or the gallery, no
provider is called, it costs no money. Its CPU is bounded: one render at a time per payer, RENDERS_PER_HOUR renders per payer (a file already kept is free),
and a second ask for a join being rendered waits for that render instead of starting another.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import threading
import time
from collections import deque
from dataclasses import dataclass
from pathlib import Path

from studio.errors import InputError
from studio.jobs.model import Job
from studio.media import stitch_preview
from studio.media.stitch_clip import read_clip
from studio.media.stitch_preview import Window
from studio.media.store import MediaStore

MAX_BYTES = 200 * 1024 * 1024
MAX_FILES = 400
RENDERS_PER_HOUR = 120
VERSION = 1  # bump when a preview's encoding changes: older files are then never named again
PAYERS = 10_000


@dataclass(frozen=True)
class JoinPreview:
    """A join's preview file and where in it the join falls."""

    path: Path
    join: int           # 0: the join between shots 1 and 2
    seconds: float      # the preview's length
    join_at: float      # seconds into it where the next shot begins (a cut, or the crossfade's start)
    fade: float         # the join's crossfade (0: a cut)
    rendered: bool      # False: it was kept from before


class JoinPreviews:
    def __init__(self, data_dir: Path, media: MediaStore):
        self.folder = Path(data_dir) / "joins"
        self.media = media
        self.renders = 0  # how many previews were rendered (a kept one is not): a second press renders none
        self._rendering: dict[str, threading.Event] = {}  # name: set when its render ends
        self._busy: set[str] = set()  # payers with a render running
        self._spent: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def get(self, payer: str, jobs: tuple[Job, Job], join: int, win: Window, size: tuple[int, int],
            fps: float) -> JoinPreview:
        """The preview of join `join` (its two shots' jobs, already the caller's finished clips), rendered
        at most once."""
        dest = self.folder / self._name(jobs, win, size, fps)
        shown = JoinPreview(dest, join, win.seconds, win.join_at, win.fade, False)
        while True:
            if _touch(dest):
                return shown
            with self._lock:
                running = self._rendering.get(dest.name)
                if running is None:
                    self._claim(payer)
                    running = self._rendering[dest.name] = threading.Event()
                    break
            running.wait(120)  # the same join, asked again while it renders: that render's file
        try:
            with contextlib.ExitStack() as opened:
                paths = [opened.enter_context(self.media.local(j.output_path or "")) for j in jobs]
                clips = [read_clip(p, f"Shot {join + 1 + n}") for n, p in enumerate(paths)]
                stitch_preview.render(clips, win, size, fps, dest)
            with self._lock:
                self.renders += 1
        finally:
            with self._lock:
                self._rendering.pop(dest.name).set()
                self._busy.discard(payer)
        self._prune()
        return JoinPreview(dest, join, win.seconds, win.join_at, win.fade, True)

    def _claim(self, payer: str) -> None:
        """Count a render against the payer (under the lock), or refuse it in words."""
        if payer in self._busy:
            raise InputError("Another join preview of yours is still rendering: wait for it, then press again.")
        now = time.monotonic()
        spent = self._spent.setdefault(payer, deque())
        while spent and now - spent[0] > 3600:
            spent.popleft()
        if len(spent) >= RENDERS_PER_HOUR:
            wait = max(1, int((3600 - (now - spent[0])) // 60))
            raise InputError(f"You have rendered {RENDERS_PER_HOUR} join previews this hour, the most this studio "
                             f"renders for one person: previews already made still play; more in {wait} min.")
        spent.append(now)
        self._busy.add(payer)
        if len(self._spent) > PAYERS:
            self._spent = {p: d for p, d in self._spent.items() if d and now - d[-1] <= 3600}

    @staticmethod
    def _name(jobs: tuple[Job, Job], win: Window, size: tuple[int, int], fps: float) -> str:
        plan = [VERSION, [j.output_path for j in jobs], [win.head.start, win.head.end, win.tail.start, win.tail.end,
                win.fade], list(size), round(fps, 6), stitch_preview.MAX_HEIGHT, stitch_preview.FAST.preset, stitch_preview.FAST.crf]
        digest = hashlib.sha256(json.dumps(plan).encode()).hexdigest()[:24]
        return f"{jobs[0].id}-{jobs[1].id}-{digest}.mp4"

    def _prune(self) -> None:
        """Keep the most recently shown previews within MAX_FILES and MAX_BYTES."""
        kept = []
        for path in self.folder.glob("*.mp4"):
            with contextlib.suppress(OSError):
                st = path.stat()
                kept.append((st.st_mtime_ns, st.st_size, path))
        kept.sort(reverse=True)
        total = 0
        for n, (_, size, path) in enumerate(kept):
            total += size
            if n >= MAX_FILES or total > MAX_BYTES:
                path.unlink(missing_ok=True)


def _touch(path: Path) -> bool:
    """True when the file is kept (and marks it shown now, so it is pruned last)."""
    try:
        os.utime(path)
    except OSError:
        return False
    return path.is_file()
