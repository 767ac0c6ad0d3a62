"""One join of a storyboard alone, small and fast: what the timeline's "Preview join" plays.

It is the export's own join: the same frame-snapped trims and crossfades (stitch_plan.bounds over the whole
board, so a fade the export would refuse is refused here too), the same picture every shot is conformed to
(the export's reference shot by fit, letterboxed, never stretched), the same cut or xfade/acrossfade with
sound, through the export's own filter graph (studio.media.stitch._encode). Only the window and the encoding
differ: the last AROUND seconds of shot i and the first AROUND of shot i+1 around the join (clamped to the
trimmed shots), scaled down to at most MAX_HEIGHT px tall, at x264 ultrafast. A preview is never the export.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Sequence

from studio.media.clips import atomic_path
from studio.media.stitch import DEFAULT_AUDIO, X264, _encode, _Target
from studio.media.stitch_clip import Clip
from studio.media.stitch_plan import Encode, Span
from studio.media.stitch_run import Steps

AROUND = 1.5        # seconds of each shot shown either side of the join (plus the crossfade itself)
MAX_HEIGHT = 360    # px: a preview plays small in the timeline
FAST = X264("ultrafast", 28)  # seconds to render, not the export's quality


@dataclass(frozen=True)
class Window:
    """The stretch of the cut a join preview shows, in each shot's own seconds."""

    head: Span      # the end of shot i (shot 0 of the preview)
    tail: Span      # the start of shot i+1 (shot 1 of the preview)
    fade: float     # the join's crossfade (0: a cut)

    @property
    def join_at(self) -> float:
        """Seconds into the preview where shot i+1 begins to show (a cut, or the crossfade's start)."""
        return self.head.seconds - self.fade

    @property
    def seconds(self) -> float:
        return self.head.seconds + self.tail.seconds - self.fade


def window(spans: Sequence[tuple[float, float]], fades: Sequence[float], i: int, around: float = AROUND) -> Window:
    """Join i (between shots i and i+1) as bounds() snapped the board: `around` seconds before the crossfade
    begins and after it ends, clamped to each trimmed shot (bounds() keeps a fade shorter than both shots, so
    each side is longer than the fade, as xfade needs)."""
    (a0, b0), (a1, b1) = spans[i], spans[i + 1]
    fade = fades[i]
    return Window(Span(0, max(a0, b0 - fade - around), b0), Span(1, a1, min(b1, a1 + fade + around)), fade)


def small(width: int, height: int, max_height: int = MAX_HEIGHT) -> tuple[int, int]:
    """The cut's picture scaled to at most max_height px tall, even sides (x264's 4:2:0), its shape kept."""
    scale = min(1.0, max_height / height) if height > 0 else 1.0
    return max(2, round(width * scale / 2) * 2), max(2, round(height * scale / 2) * 2)


def render(clips: Sequence[Clip], win: Window, size: tuple[int, int], fps: float, dest: str | Path,
           steps: Steps | None = None) -> Path:
    """Write the join's preview to dest (whole or not at all): clips are shot i's and shot i+1's, size the
    export's picture (scaled down here), fps the export's frame rate."""
    rate, layout = next(((c.audio[1], c.audio[2]) for c in clips if c.audio), DEFAULT_AUDIO)
    width, height = small(*size)
    target = _Target(width, height, Fraction(fps).limit_denominator(1001), rate, layout, None)
    with atomic_path(dest) as part:
        _encode(Encode([win.head, win.tail], [win.fade]), list(clips), target, Path(part), FAST, faststart=True,
                steps=steps)
    return Path(dest)
