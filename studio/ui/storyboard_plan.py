"""The storyboard's plan as the server keeps it: shots in order, each {"id", "start", "end", "fade"} (fade: the
join after the shot), and what a browser's edits may change of it.

Every value a browser sends is hostile: entries are matched to the plan's shots by id (a shot not in the plan
is never added from an edit), only numbers are taken, trims are brought inside the clip and snapped to its
frames, fades bounded; the plan's shots are read again as the owner's finished clips before every use.
"""

from __future__ import annotations

import math

from studio.errors import StudioError
from studio.jobs.model import Job, JobState
from studio.media.stitch import FITS
from studio.service import Caller
from studio.ui.context import UiContext

MAX_SHOTS = 24
MAX_FADE = 10.0
SLACK = 1e-5  # the page writes times to the microsecond: a clip's end rounded up is still its end


def shot(job_id: str) -> dict:
    return {"id": job_id, "start": 0.0, "end": None, "fade": 0.0}


def number(value) -> float | None:
    try:
        x = float(value)
    except (TypeError, ValueError):
        return None
    return x if math.isfinite(x) else None


def edited(shots: list[dict], lengths: dict[str, float], plan, rates: dict[str, float] | None = None
           ) -> tuple[list[dict], bool]:
    """The plan with a browser's edits applied, and whether every value was taken as sent.

    Entries are matched to shots by id (a shot the browser no longer shows keeps its values); a trim
    outside the clip is brought inside it and snapped to the clip's frames (rates: frames per second by id,
    when known); anything that is not a number keeps the old value."""
    sent = {}
    for entry in (plan if isinstance(plan, list) else [])[:MAX_SHOTS * 2]:
        if isinstance(entry, dict) and isinstance(entry.get("id"), str):
            sent.setdefault(entry["id"], entry)
    out, as_sent = [], isinstance(plan, list)
    for old in shots:
        new, length = sent.get(old["id"]), lengths.get(old["id"], 0.0)
        if new is None:
            out.append(old)
            continue
        start, end, fade = number(new.get("start")), number(new.get("end")), number(new.get("fade"))
        as_sent &= None not in (start, end, fade) and 0 <= start <= length + SLACK and 0 <= end <= length + SLACK \
            and 0 <= fade <= MAX_FADE
        fps = (rates or {}).get(old["id"])
        start = old["start"] if start is None else _on_frame(min(max(start, 0.0), length), fps)
        end = old["end"] if end is None else min(_on_frame(min(max(end, 0.0), length), fps), length)
        fade = old["fade"] if fade is None or not 0 <= fade <= MAX_FADE else fade
        out.append({"id": old["id"], "start": start, "end": None if end is None or end >= length - 1e-6 else end,
                    "fade": fade})
    return out, as_sent


def moved(shots: list[dict], act, i) -> list[dict]:
    """The plan after an arrow or ✕ on shot i; anything else leaves it as it is.

    The joins stay where they are: a crossfade chosen between places 1 and 2 is still there after a move.
    """
    order = list(range(len(shots)))
    if not isinstance(i, int) or isinstance(i, bool) or not 0 <= i < len(shots):
        return list(shots)
    fades = [s["fade"] for s in shots]
    if act == "remove":
        del order[i]
        del fades[min(i, len(fades) - 1)]
    elif act in ("up", "left") and i > 0:
        order[i - 1], order[i] = order[i], order[i - 1]
    elif act in ("down", "right") and i < len(shots) - 1:
        order[i], order[i + 1] = order[i + 1], order[i]
    return tidy([{**shots[k], "fade": fade} for k, fade in zip(order, fades)])


def tidy(shots: list[dict]) -> list[dict]:
    """No join after the last shot: a crossfade removed with its shot never comes back on the next add."""
    return [*shots[:-1], {**shots[-1], "fade": 0.0}] if shots else []


def own_shots(ctx: UiContext, caller: Caller, shots) -> tuple[list[Job], list[dict], int]:
    """The plan's shots that are still the caller's finished clips, and how many were dropped."""
    jobs, kept, dropped = [], [], 0
    for s in (shots if isinstance(shots, list) else [])[:MAX_SHOTS]:
        try:
            job = ctx.studio.core.job(caller, str(s["id"]))
        except (StudioError, KeyError, TypeError):
            dropped += 1
            continue
        if job.state is not JobState.SUCCEEDED or job.deleted_at:
            dropped += 1
            continue
        jobs.append(job)
        kept.append({"id": job.id, "start": number(s.get("start")) or 0.0, "end": number(s.get("end")),
                     "fade": number(s.get("fade")) or 0.0})
    return jobs, tidy(kept), dropped


def used(s: dict, length: float) -> float:
    return max(0.0, (length if s["end"] is None else s["end"]) - s["start"])


def _on_frame(seconds: float, fps: float | None) -> float:
    """A time on the clip's frame grid (as the stitcher snaps it), kept to the microsecond."""
    return round(round(seconds * fps) / fps, 6) if fps and 1 <= fps <= 1000 else seconds


def fit_of(value) -> str:
    """How mixed sizes are resolved: one of FITS; anything else is the default, scaling up."""
    return value if isinstance(value, str) and value in FITS else FITS[0]


def chosen_of(value, shots: list[dict]) -> int:
    """The place of the shot whose in and out frames are shown: a shot id of the plan, else the first."""
    return next((n for n, s in enumerate(shots) if isinstance(value, str) and s["id"] == value), 0)
