"""Where each second of a storyboard comes from: copied packets or a re-encoded stretch.

Times are snapped to each clip's frame grid. Shot i plays its source from
start to end and begins in the output at `at[i]` (the sum of the shots before
it less their crossfades). A copy span runs from the first keyframe at or after
the shot's in point (plus the incoming crossfade) to the last keyframe at or
before its out point (less the outgoing crossfade), or to the clip's end when
the shot is untrimmed there; everything else is re-encoded, in runs that join
the stretches on either side of a cut or a crossfade.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from studio.errors import InputError


@dataclass(frozen=True)
class Span:
    shot: int       # index into the shots
    start: float    # source seconds
    end: float

    @property
    def seconds(self) -> float:
        return self.end - self.start


@dataclass(frozen=True)
class Copy:
    span: Span
    at: float       # output seconds where it begins


@dataclass
class Encode:
    parts: list[Span] = field(default_factory=list)
    fades: list[float] = field(default_factory=list)  # fades[k] joins parts k and k+1 (0: a cut)
    at: float = 0.0

    @property
    def seconds(self) -> float:
        return sum(p.seconds for p in self.parts) - sum(self.fades)


@dataclass(frozen=True)
class Length:
    """A clip known only by its length (from the ledger): bounds() checks a plan against it to the millisecond."""

    video_end: float
    fps: float = 1000.0


@dataclass(frozen=True)
class Plan:
    segments: list        # Copy and Encode, in output order
    seconds: float        # the output's length


def bounds(clips, shots, crossfades: Sequence[float]) -> tuple[list[tuple[float, float]], list[float], list[float]]:
    """Each shot's (start, end) and each join's fade, snapped to frames and checked; and where shots begin."""
    if not shots:
        raise InputError("Nothing to join: add the clips to the storyboard.")
    if len(crossfades) != len(shots) - 1:
        raise InputError(f"{len(shots)} shots have {len(shots) - 1} joins; give one cut or crossfade for each.")
    spans = []
    for i, (clip, shot) in enumerate(zip(clips, shots), start=1):
        step = 1 / float(clip.fps)
        end_of_clip = _snap(clip.video_end, clip.fps)
        start = _snap(shot.start or 0.0, clip.fps)
        end = end_of_clip if shot.end is None else _snap(shot.end, clip.fps)
        if start < 0 or (shot.end is not None and shot.end > clip.video_end + step):
            raise InputError(f"Shot {i} is {clip.video_end:.2f} s long: keep its trim within 0 to "
                             f"{clip.video_end:.2f} s.")
        if end - start < step * 0.999:
            raise InputError(f"Shot {i} is trimmed to nothing ({shot.start:g} s to {end:g} s): "
                             f"the out point must come after the in point.")
        spans.append((start, min(end, end_of_clip)))
    fades = []
    for i, fade in enumerate(crossfades, start=1):
        fade = _snap(max(0.0, float(fade or 0.0)), clips[i - 1].fps)
        shortest = min(spans[i - 1][1] - spans[i - 1][0], spans[i][1] - spans[i][0])
        if fade >= shortest:
            raise InputError(f"The crossfade between shots {i} and {i + 1} is {fade:g} s but the shorter of them "
                             f"runs {shortest:.2f} s: make the crossfade shorter than both shots.")
        fades.append(fade)
    for i in range(1, len(fades)):
        own = spans[i][1] - spans[i][0]
        if fades[i - 1] + fades[i] > own + 1e-6:
            raise InputError(f"Shot {i + 1} runs {own:.2f} s but its two crossfades take "
                             f"{fades[i - 1] + fades[i]:g} s: shorten a crossfade or trim the shot less.")
    starts, at = [], 0.0
    for i, (a, b) in enumerate(spans):
        starts.append(at)
        at += b - a - (fades[i] if i < len(fades) else 0.0)
    return spans, fades, starts


def joined(spans: Sequence[tuple[float, float]], fades: Sequence[float]) -> float:
    """The length of the cut: every shot's trimmed span, less each crossfade's overlap. The one sum the board,
    its Export button, the checks and the stitched file all use, so a storyboard has one length everywhere."""
    return sum(b - a for a, b in spans) - sum(fades)


def plan_encode(clips, shots, crossfades) -> Plan:
    """Everything re-encoded in one run."""
    spans, fades, _ = bounds(clips, shots, crossfades)
    run = Encode([Span(i, a, b) for i, (a, b) in enumerate(spans)], list(fades), 0.0)
    return Plan([run], joined(spans, fades))


def plan_copy(clips, shots, crossfades) -> Plan:
    """Copy spans between keyframes; re-encoded runs around each cut and crossfade."""
    spans, fades, starts = bounds(clips, shots, crossfades)
    segments: list = []
    run = Encode()
    n = len(spans)

    def add(part: Span, fade: float) -> None:
        if part.seconds <= 1e-6:
            return
        if not run.parts:
            run.at = starts[part.shot] + part.start - spans[part.shot][0]
        else:
            run.fades.append(fade)
        run.parts.append(part)

    for i, (a, b) in enumerate(spans):
        fade_in = fades[i - 1] if i else 0.0
        fade_out = fades[i] if i < n - 1 else 0.0
        copy = _copy_range(clips[i], a + fade_in, b - fade_out, to_end=not fade_out and b >= clips[i].video_end - 1e-3)
        if copy is None:
            add(Span(i, a, b), fade_in)
            continue
        ks, ke = copy
        add(Span(i, a, ks), fade_in)
        if run.parts:
            segments.append(run)
            run = Encode()
        segments.append(Copy(Span(i, ks, ke), starts[i] + ks - a))
        add(Span(i, ke, b), 0.0)
    if run.parts:
        segments.append(run)
    return Plan(segments, joined(spans, fades))


def _copy_range(clip, lo: float, hi: float, to_end: bool) -> tuple[float, float] | None:
    """The longest keyframe-to-keyframe stretch inside [lo, hi] (to the clip's end when to_end)."""
    eps = 0.25 / float(clip.fps)
    ks = next((k for k in clip.keyframes if k >= lo - eps), None)
    if to_end:
        ke = hi
    else:
        ke = max((k for k in clip.keyframes if k <= hi + eps), default=None)
    if ks is None or ke is None or ke - ks < 1 / float(clip.fps) - eps:
        return None
    return ks, ke


def _snap(seconds: float, fps) -> float:
    return round(float(seconds) * float(fps)) / float(fps)
