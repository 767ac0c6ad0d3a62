"""The work image advice may cost: each picture looked at once, and a bounded number per caller per minute.

Advice runs on every change of a form, and the page sends every image with it: without a memory the same
nine references would be decoded again on each keystroke. The answer for a set of files (their advice, or
the refusal their checks give) is remembered by the files' identity (path, size, modification time), so a
prompt edit costs nothing for its images. Pictures not seen before count against the caller's allowance
(IMAGES_PER_MINUTE); past it, image advice says it will look again shortly instead of decoding more:
advice never blocks a job, and the job's own checks still run when it is sent.
"""

from __future__ import annotations

import os
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Hashable

from studio.advice import AdviceItem, AdviceKind
from studio.advice.items import say
from studio.errors import InputError

IMAGES_PER_MINUTE = 40   # new pictures one caller's advice may decode per minute (each <= 50 MP)
REMEMBERED = 512         # answers kept (a set of files and what their advice was)
CALLERS = 10_000         # callers whose recent checks are kept; quiet ones are forgotten first


def identity(path: str | None) -> tuple | None:
    """What makes a file the same file for advice: where it is, its size and when it last changed."""
    if not path:
        return None
    try:
        st = os.stat(path)
    except OSError:
        return (str(path),)  # missing: its check says so, and is not remembered apart from a real file
    return (os.path.realpath(path), st.st_size, st.st_mtime_ns)


class ImageChecks:
    def __init__(self, per_minute: int = IMAGES_PER_MINUTE, remembered: int = REMEMBERED):
        self.per_minute = per_minute
        self.remembered = remembered
        self._answers: OrderedDict[Hashable, list[AdviceItem] | InputError] = OrderedDict()
        self._recent: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def advice(self, who: str, key: Hashable, pictures: int, lang: str,
               look: Callable[[], list[AdviceItem]]) -> list[AdviceItem]:
        """`look()`'s advice for these files (`key`), from memory when they were seen; `pictures` new ones
        count against `who`'s allowance. Raises the InputError their checks raise, remembered too."""
        with self._lock:
            known = self._answers.get(key)
            if known is not None:
                self._answers.move_to_end(key)
        if known is None:
            if pictures and not self._allow(who, pictures):
                return [_not_checked(lang)]
            try:
                known = look()
            except InputError as e:
                known = e
            with self._lock:
                self._answers[key] = known
                while len(self._answers) > self.remembered:
                    self._answers.popitem(last=False)
        if isinstance(known, InputError):
            raise InputError(str(known))
        return list(known)

    def _allow(self, who: str, pictures: int, now: float | None = None) -> bool:
        now = time.monotonic() if now is None else now
        with self._lock:
            times = self._recent.setdefault(who, deque())
            while times and now - times[0] > 60:
                times.popleft()
            if len(times) + pictures > self.per_minute:
                return False
            times.extend([now] * pictures)
            if len(self._recent) > CALLERS:
                self._recent = {w: t for w, t in self._recent.items() if t and now - t[-1] <= 60}
            return True


def _not_checked(lang: str) -> AdviceItem:
    return AdviceItem(
        AdviceKind.NOT_CHECKED, say(lang, "Images", "图片"),
        say(lang, "Not looked at this time: many pictures were checked for you in the last minute.",
            "这次没有检查：过去一分钟里已为你检查了很多图片。"),
        say(lang, "Advice on them comes back in a minute; Generate checks every image anyway.",
            "一分钟后会再给出图片建议；生成时仍会检查每张图片。"))
