"""Small test images and videos, made on the spot with Pillow and ffmpeg, and ways to look inside them."""

from __future__ import annotations

import asyncio
import re
from fractions import Fraction
from pathlib import Path

import numpy as np
from PIL import Image

from studio.media import look, render
from studio.media.camera import FPS
from studio.media.ffmpeg import run_sync
from studio.media.inspect import probe_video

FRAME = 1 / FPS  # the renderer's frame length: durations must match within one


def make_image(path: Path, width: int, height: int, fmt: str = "PNG", colour=(200, 120, 40),
               orientation: int | None = None) -> Path:
    """A picture with a colour field and a few bars, so decoded content can be compared."""
    img = Image.new("RGB", (width, height), colour)
    for i in range(0, width, max(8, width // 6)):
        img.paste((20, 20, 20), (i, 0, i + max(2, width // 40), height))
    kwargs = {}
    if orientation is not None:
        exif = Image.Exif()
        exif[0x0112] = orientation
        kwargs["exif"] = exif.tobytes()
    img.save(path, format=fmt, **kwargs)
    return path


def pad_to(path: Path, size: int) -> Path:
    """Append bytes after the image data (decoders ignore them) to reach exactly `size` bytes."""
    current = path.stat().st_size
    assert size >= current
    with open(path, "ab") as f:
        f.truncate(size)
    return path


def pad_mp4(path: Path, size: int) -> Path:
    """Append a 'free' box (ignored by players) so the MP4 is exactly `size` bytes."""
    extra = size - path.stat().st_size
    assert extra >= 8
    with open(path, "r+b") as f:
        f.seek(0, 2)
        f.write(extra.to_bytes(4, "big") + b"free")
        f.truncate(size)
    return path


def cut(path: Path, fraction: float) -> Path:
    """Keep only the first `fraction` of a file, as an interrupted download would."""
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * fraction)])
    return path


def make_video(path: Path, width: int = 540, height: int = 360, seconds: float = 3.0, fps: float = 24,
               audio: bool = True, tone: int = 1000, codec: str = "libx264", fmt: str = "mp4",
               rotation: int | None = None, source: str = "testsrc2", vf: str | None = None) -> Path:
    """A test pattern clip (and a sine tone) of the given shape, length and container (by default the
    smallest an edit takes: 360 px on the short side);
    vf is an optional filter on the picture (e.g. to soften the pattern's colours)."""
    rate = str(Fraction(fps).limit_denominator(1000))
    args = ["-f", "lavfi", "-i", f"{source}=s={width}x{height}:r={rate}:d={seconds}"]  # source: testsrc2, color...
    if audio:
        args += ["-f", "lavfi", "-i", f"sine=f={tone}:r=48000:d={seconds}"]
    args += (["-vf", vf] if vf else []) + ["-c:v", codec, "-preset", "ultrafast", "-pix_fmt", "yuv420p"]
    if codec == "libx265":
        args += ["-x265-params", "log-level=none"]
    if audio:
        args += ["-c:a", "aac"]
    run_sync([*args, "-f", fmt, str(path)])
    if rotation is not None:
        turned = path.with_name("turned-" + path.name)
        run_sync(["-display_rotation", str(rotation), "-i", str(path), "-c", "copy", "-f", fmt, str(turned)])
        turned.replace(path)
    return path


def make_colour_steps(path: Path, colours: list[str], seconds_each: float, width: int = 160,
                      height: int = 96) -> Path:
    """A clip showing one flat colour after another (for checking which frame was taken)."""
    args, parts = [], []
    for i, colour in enumerate(colours):
        args += ["-f", "lavfi", "-i", f"color=c={colour}:s={width}x{height}:r=24:d={seconds_each}"]
        parts.append(f"[{i}:v]")
    graph = "".join(parts) + f"concat=n={len(colours)}:v=1:a=0[v]"
    run_sync([*args, "-filter_complex", graph, "-map", "[v]", "-c:v", "libx264", "-preset", "ultrafast",
              "-pix_fmt", "yuv420p", "-g", "12", str(path)])
    return path


def text_clip(tmp_path, name="t.mp4", prompt="A horse on a forest ridge, slow pan", width=320, height=180,
         seconds=3, seed=5, watermark=False, on_progress=None):
    dest = tmp_path / name
    asyncio.run(render.render_text(dest, prompt=prompt, width=width, height=height, seconds=seconds, seed=seed,
                                   watermark=watermark, on_progress=on_progress))
    return dest


def edit_clip(tmp_path, source, prompt, audio="auto", width=320, height=240):
    dest = tmp_path / f"{re.sub(r'[^a-z]+', '-', prompt)}-{audio}.mp4"
    asyncio.run(render.render_edit(dest, video=source, prompt=prompt, width=width, height=height,
                                   audio_setting=audio, watermark=False))
    return dest


def frames(path: Path, *times: float) -> list[np.ndarray]:
    """RGB arrays of the frames on screen at the given times."""
    from studio.media.clips import frame_at

    return [np.asarray(frame_at(path, t), dtype=np.float64) for t in times]


def audio_samples(path: Path) -> tuple[np.ndarray, int]:
    """The first audio stream decoded to mono float samples, with its sample rate."""
    import av

    with av.open(str(path)) as c:
        stream = c.streams.audio[0]
        chunks = [f.to_ndarray().astype(np.float64) for f in c.decode(stream)]
        rate = stream.rate
    data = np.concatenate([ch.reshape(ch.shape[0], -1) if ch.ndim > 1 else ch[None] for ch in chunks], axis=1)
    return data.mean(axis=0), rate


def dominant_hz(samples: np.ndarray, rate: int) -> float:
    """The strongest frequency in a stretch of sound."""
    spectrum = np.abs(np.fft.rfft(samples * np.hanning(len(samples))))
    return float(np.fft.rfftfreq(len(samples), 1 / rate)[int(np.argmax(spectrum))])


def saturation(rgb: np.ndarray) -> float:
    """Mean HSV-style saturation (0 grey .. 1 pure colour)."""
    top, bottom = rgb.max(axis=2), rgb.min(axis=2)
    return float(np.mean((top - bottom) / np.maximum(top, 1)))


def luma(rgb: np.ndarray) -> float:
    return float(np.mean(luma_plane(rgb)))


def luma_plane(rgb: np.ndarray) -> np.ndarray:
    return rgb @ np.array([0.299, 0.587, 0.114])


def assert_clip(path, width, height, seconds, audio="aac"):
    """A real H.264 yuv420p MP4 of exactly this size, length within a frame, moov first."""
    import av

    info = probe_video(path)
    assert (info.container, info.video_codec, info.audio_codec) == ("mp4", "h264", audio)
    assert (info.width, info.height) == (width, height)
    assert info.fps == 24
    assert abs(info.duration - seconds) <= FRAME
    with av.open(str(path)) as c:
        stream = c.streams.video[0]
        assert stream.codec_context.pix_fmt == "yuv420p"
        assert abs(stream.frames - round(seconds * 24)) <= 1
    head = path.read_bytes()[:200_000]
    assert 0 <= head.find(b"moov") < head.find(b"mdat")  # +faststart: playable while downloading
    return info


def badge_mask(width, height):
    """Where the badge is opaque amber, in frame coordinates."""
    picture, (x, y) = look.badge(width, height)
    rgba = np.asarray(picture)
    fill = np.all(rgba[..., :3] == look.BADGE_FILL, axis=2) & (rgba[..., 3] == 255)
    mask = np.zeros((height, width), dtype=bool)
    mask[y:y + rgba.shape[0], x:x + rgba.shape[1]] = fill
    return mask


def colour_name(rgb):
    r, g, b = rgb.reshape(-1, 3).mean(axis=0)
    return "red" if r > 2 * b else "blue" if b > 2 * r else "other"
