"""Work on finished clips: posters, frame grabs, sound removal, playability.

Frames are decoded with PyAV and turned upright from the rotation metadata.
Every file is written under a temporary name next to its destination and
moved into place when complete.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from PIL import Image

from studio.errors import InputError, StudioError
from studio.media import inspect
from studio.media.ffmpeg import run_sync
from studio.media.inspect import VideoInfo, probe_video

POSTER_SECONDS = 1.0      # posters show the frame 1 s in ...
POSTER_FRACTION = 0.1     # ... or 10% in, for clips shorter than 10 s
POSTER_QUALITY = 85
PNG_LEVEL = 1             # zlib's fastest: still lossless, a few times faster to write than PIL's default 6


@contextlib.contextmanager
def atomic_path(dest: str | Path) -> Iterator[Path]:
    """A temporary path next to dest that replaces dest only if the block succeeds."""
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".part", dir=dest.parent)
    os.close(fd)
    try:
        yield Path(name)
        os.replace(name, dest)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(name)


def make_poster(video: str | Path, dest_jpg: str | Path, width: int = 480) -> Path:
    """A JPEG poster `width` px wide from 1 s in (10% in for short clips)."""
    info = probe_video(video, "The clip")
    return _save_poster(frame_at(video, _poster_time(info.duration), width=width), dest_jpg, width)


def _poster_time(duration: float) -> float:
    return min(POSTER_SECONDS, duration * POSTER_FRACTION)


def _save_poster(frame: Image.Image, dest_jpg: str | Path, width: int) -> Path:
    height = max(2, round(frame.height * width / frame.width))
    poster = frame if frame.size == (width, height) else frame.resize((width, height), Image.Resampling.LANCZOS)
    with atomic_path(dest_jpg) as part:
        poster.save(part, format="JPEG", quality=POSTER_QUALITY, optimize=True)
    return Path(dest_jpg)


def grab_frame(video: str | Path, seconds: float, dest_png: str | Path) -> Path:
    """The full-size frame shown at `seconds` (clamped to the clip) as a lossless PNG."""
    frame = frame_at(video, seconds)
    with atomic_path(dest_png) as part:
        frame.save(part, format="PNG", compress_level=PNG_LEVEL)
    return Path(dest_png)


def frame_at(video: str | Path, seconds: float, threads: str = "AUTO", width: int | None = None) -> Image.Image:
    """The frame on screen at `seconds`, upright (scaled to `width` if given); the first or last frame outside
    the clip.

    threads: how PyAV decodes ("AUTO": on every core; the pixels are the same either way)."""
    import av

    try:
        with av.open(str(video)) as c:
            if not c.streams.video:
                raise InputError(f"{Path(video).name} has no picture to take a frame from.")
            stream = c.streams.video[0]
            stream.thread_type = threads
            target = max(0.0, float(seconds))
            c.seek(int(target / stream.time_base), stream=stream, backward=True)
            chosen = _shown_at(c.decode(stream), target)
            if chosen is None:
                raise InputError(f"No frame could be decoded from {Path(video).name}.")
            return _upright(chosen, width)
    except av.FFmpegError as e:
        raise InputError(f"{Path(video).name} could not be decoded ({e.strerror or e}).") from None


def _shown_at(frames, seconds: float):
    """Of decoded frames in order, the one on screen at `seconds` (the last one before the next starts);
    None if none decodes."""
    chosen = None
    for frame in frames:
        if chosen is not None and frame.time is not None and frame.time > seconds + 1e-6:
            break
        chosen = frame
    return chosen


def _rotation_of(frame) -> int:
    """The decoded picture's display rotation in counter-clockwise degrees, 0/90/180/270."""
    return int(round(getattr(frame, "rotation", 0) or 0)) % 360


def _upright(frame, width: int | None = None) -> Image.Image:
    """The decoded picture turned by the frame's display rotation (counter-clockwise degrees); with
    `width`, scaled by FFmpeg (Lanczos) to that upright width first, which costs a fraction of scaling the
    full-size picture in PIL (a collect's poster: about 50 of its 75 ms of CPU at 720P)."""
    rotation = _rotation_of(frame)
    if width:
        across = frame.height if rotation in (90, 270) else frame.width
        scale = width / across
        frame = frame.reformat(width=max(2, round(frame.width * scale)), height=max(2, round(frame.height * scale)),
                               format="rgb24", interpolation="LANCZOS")
    image = frame.to_image()
    return image.rotate(rotation, expand=True) if rotation else image


def strip_audio(src: str | Path, dest: str | Path) -> Path:
    """A copy of the clip without its sound (the picture is copied, not re-encoded)."""
    with atomic_path(dest) as part:
        run_sync(["-i", str(src), "-map", "0:v:0", "-c", "copy", "-an",
                  "-movflags", "+faststart", "-f", "mp4", str(part)])
    return Path(dest)


def verify_playable(path: str | Path, poster: str | Path | None = None, width: int = 480) -> VideoInfo:
    """Probe the clip, decode its start and check that its last packets are all there; StudioError if it
    will not play. poster: also draw the clip's poster (as make_poster) from the frames the check decodes,
    so a collected clip is decoded once. One open of the file for all three (a collect's CPU is the check's)."""
    import av

    name = Path(path).name
    try:
        if (kind := inspect.container_of(path)) != "mp4":
            raise StudioError(f"{name} is not a playable MP4: it is a {kind.upper()} file.")
        with av.open(str(path)) as c:
            if not c.streams.video:
                raise StudioError(f"{name} is not a playable MP4: it has no video stream.")
            at = _poster_time(inspect.duration_of(c)) if poster else 0.0
            first, chosen = _decode_start(c, at)
            if first is None:
                raise StudioError(f"{name} is not a playable MP4: its first frame does not decode.")
            info = inspect.info_of(c, path, rotation=_rotation_of(first))
            _check_end(c, info, name)
    except (av.FFmpegError, OSError) as e:
        raise StudioError(f"{name} is not a playable MP4: it could not be read "
                          f"({getattr(e, 'strerror', None) or e}).") from None
    if poster is not None:
        _save_poster(_upright(chosen, width), poster, width)
    return info


def _decode_start(c, seconds: float):
    """(the first frame, the frame shown at `seconds`) decoded from the start of c's video; (None, None) if
    none decodes."""
    first = None

    def frames():
        nonlocal first
        for frame in c.decode(c.streams.video[0]):
            first = first or frame
            yield frame

    chosen = _shown_at(frames(), seconds)
    return first, chosen


def _check_end(c, info: VideoInfo, name: str) -> None:
    """Read (without decoding) the video packets of the clip's last second: each must be whole and the
    last must end where the clip says it does. A download cut short fails here; decoding its last
    group of pictures would prove no more about the bytes and cost most of a collect's CPU."""
    stream = c.streams.video[0]
    end = _stream_end(stream, info)
    c.seek(int(max(0.0, end - 1.0) / stream.time_base), stream=stream, backward=True)
    reached = None
    for packet in c.demux(stream):
        if packet.size == 0 or packet.pts is None:
            continue  # the demuxer's closing empty packet
        if packet.is_corrupt:  # a packet the file holds only part of
            raise StudioError(f"{name} is not a playable MP4: its last pictures are cut off (the file "
                              "is cut short).")
        until = float((packet.pts + (packet.duration or 0)) * stream.time_base)
        reached = until if reached is None else max(reached, until)
    step = 1 / info.fps if info.fps else 0.1
    if reached is None or reached < end - 2 * step:
        shown = "nothing" if reached is None else f"{reached:.2f} s"
        raise StudioError(f"{name} is not a playable MP4: it should run {end:.2f} s but its pictures reach "
                          f"{shown} (the file is cut short).")


def _stream_end(stream, info: VideoInfo) -> float:
    """Where the video stream says it ends, in seconds."""
    if stream.duration is not None and stream.time_base is not None:
        start = float(stream.start_time * stream.time_base) if stream.start_time else 0.0
        return start + float(stream.duration * stream.time_base)
    return info.duration
