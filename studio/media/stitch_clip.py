"""What joining needs to know about a clip (studio.media.stitch): its picture's shape, its keyframes (from the
file's index, or packet by packet when B-frames reorder them), where its picture ends, and its sound's layout.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from studio.errors import InputError

PROFILES = {"Constrained Baseline": "baseline", "Baseline": "baseline", "Main": "main", "High": "high"}


@dataclass(frozen=True)
class Clip:
    """What joining needs to know about a file."""

    path: Path
    width: int              # as displayed
    height: int
    fps: Fraction
    video_codec: str
    pix_fmt: str
    profile: str | None
    rotated: bool
    extradata: bytes
    keyframes: tuple[float, ...]
    video_end: float        # end of the last frame, seconds
    delay: float            # how far decoding runs ahead of display at the start (B-frames), seconds
    audio: tuple[str, int, str] | None  # codec, sample rate, layout

    @property
    def picture(self) -> tuple:
        """Clips whose pictures agree here can share one stream (and be stream-copied)."""
        return (self.video_codec, self.width, self.height, self.fps, self.pix_fmt,
                PROFILES.get(self.profile or ""), self.rotated)


def read_clip(path: str | Path, label: str = "The clip") -> Clip:
    """Probe a clip with PyAV: its shape, keyframes and audio layout."""
    import av

    try:
        with av.open(str(path)) as c:
            if not c.streams.video:
                raise InputError(f"{label} has no picture: only video clips can be stitched.")
            v = c.streams.video[0]
            a = c.streams.audio[0] if c.streams.audio else None
            first = next((p for p in c.demux(v) if p.pts is not None and p.dts is not None), None)
            if first is None:
                raise InputError(f"{label} has no frames to join.")
            tb = float(v.time_base)
            delay, rotation = (first.pts - first.dts) * tb, _rotation(c, v)
            keys, end = _keyframes(c, v) if delay else _indexed_keyframes(v)
            cc = v.codec_context
            width, height = (cc.height, cc.width) if rotation in (90, 270) else (cc.width, cc.height)
            fps = Fraction(v.average_rate or v.guessed_rate or 24).limit_denominator(1001)
            audio = (a.codec_context.name, a.rate, a.layout.name) if a is not None else None
            return Clip(Path(path), width, height, fps, cc.name, cc.pix_fmt or "", v.profile, rotation != 0,
                        bytes(cc.extradata or b""), keys, end, delay, audio)
    except av.FFmpegError as e:
        raise InputError(f"{label} could not be read as a video ({e.strerror or e}).") from None


def _indexed_keyframes(v) -> tuple[tuple[float, ...], float]:
    """Keyframe times and the picture's end from the file's index (no B-frames: decode time is display time)."""
    tb, entries = float(v.time_base), v.index_entries
    keys = tuple(e.timestamp * tb for e in entries if e.is_keyframe and not e.is_discard)
    last = max((e.timestamp for e in entries), default=0) * tb
    return keys, last + 1 / float(v.average_rate or v.guessed_rate or 24)


def _keyframes(c, v) -> tuple[tuple[float, ...], float]:
    """Keyframe display times and the picture's end, read packet by packet (B-frames reorder them)."""
    c.seek(0, stream=v)
    tb, keys, end = float(v.time_base), [], 0.0
    for p in c.demux(v):
        if p.pts is not None:
            t = p.pts * tb
            if p.is_keyframe:
                keys.append(t)
            end = max(end, t + (p.duration or 0) * tb)
    return tuple(keys), end


def _rotation(c, v) -> int:
    """The display rotation of the first frame, in degrees (0 if it says nothing)."""
    c.seek(0, stream=v)
    try:
        for frame in c.decode(v):
            return int(round(getattr(frame, "rotation", 0) or 0)) % 360
    except Exception:  # a first frame that will not decode says nothing about rotation
        return 0
    return 0
