"""Camera moves for the preview renderer, as ffmpeg filter chains.

The input is a still canvas (studio.media.look) CANVAS_SCALE times the output
size; zoompan crops a window from it for each frame and scales it to the
output size. A move is a path of the window: its zoom relative to the home
framing (1 = one output frame, larger = closer) and its centre as a fraction
of the canvas. Every path starts at home. (A rolling orbit through ffmpeg's
rotate filter tripled the 1080P render time, so orbit is an arc instead.)
"""

from __future__ import annotations

from dataclasses import dataclass

from studio.media.look import CANVAS_SCALE

FPS = 24


@dataclass(frozen=True)
class Move:
    """Expressions in {p} (progress 0..1, linear) and {e} (progress eased in and out)."""

    zoom: str = "1"
    cx: str = "0.5"
    cy: str = "0.5"


def _shift(amount: float, path: str = "{e}") -> str:
    """A centre moving `amount` output frames along `path` (0..1), as a fraction of the canvas."""
    return f"(0.5+{amount / CANVAS_SCALE:.5f}*" + path + ")"


MOVES: dict[str, Move] = {
    # Closer and closer on the subject.
    "push_in": Move(zoom="(1+0.35*{e})"),
    # Wider and wider, revealing the surroundings.
    "pull_back": Move(zoom="(1/(1+0.4*{e}))"),
    # Sideways, left to right, level.
    "pan": Move(cx=_shift(0.24)),
    # Upwards, no zoom.
    "tilt": Move(cy=_shift(-0.24)),
    # Rising and widening at once.
    "crane": Move(zoom="(1/(1+0.25*{e}))", cy=_shift(-0.12)),
    # Right to left at a steady pace, a little closer, with a walking bob.
    "tracking": Move(zoom="(1+0.08*{e})", cx=_shift(-0.2, "{p}"), cy=_shift(0.012, "{e}*sin(2*PI*5*{p})")),
    # Around the subject: an arc that swings sideways, closing in at mid-way and rising a little.
    "orbit": Move(zoom="(1+0.15*sin(PI*{e}))", cx=_shift(0.22), cy=_shift(-0.05, "sin(PI*{e})")),
}


def move_filter(move: str, width: int, height: int, frames: int) -> str:
    """zoompan from a canvas to `frames` frames of width x height at 24 fps.

    z is CANVAS_SCALE at home, where the window is exactly one output frame.
    """
    m = MOVES.get(move, MOVES["push_in"])
    zoom = _progress(f"{CANVAS_SCALE:g}*{m.zoom}", frames)
    cx, cy = _progress(m.cx, frames), _progress(m.cy, frames)
    return (f"zoompan=z='{zoom}':x='{cx}*iw-iw/zoom/2':y='{cy}*ih-ih/zoom/2'"
            f":d={frames}:s={width}x{height}:fps={FPS}")


def _progress(expr: str, frames: int) -> str:
    """Fill in {p} and {e} from zoompan's output frame number."""
    p = f"(on/{max(1, frames - 1)})"
    return expr.format(p=p, e=f"((1-cos(PI*{p}))/2)")
