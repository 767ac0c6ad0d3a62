"""A generated corpus of bad (and awkward) uploads: first frames and source videos a user might
really send. Each item says which input it goes to and what a user would want: refused with a
message that says what to change, or accepted (normalised where needed).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from PIL import Image

from harness.media import cut, make_image, make_video
from studio.media.ffmpeg import run_sync


@dataclass(frozen=True)
class Bad:
    name: str
    kind: str           # what is wrong, for the table
    field: str          # first_frame or video
    expect: str         # refuse or accept
    make: Callable[[Path], Path]


def _empty(name: str) -> Callable[[Path], Path]:
    def make(d: Path) -> Path:
        p = d / name
        p.write_bytes(b"")
        return p
    return make


def _text(name: str) -> Callable[[Path], Path]:
    def make(d: Path) -> Path:
        p = d / name
        p.write_bytes(b"this is a text file, not media\n" * 50)
        return p
    return make


def _image(name: str, size: tuple[int, int], mode: str = "RGB", fmt: str = "PNG", **save) -> Callable[[Path], Path]:
    def make(d: Path) -> Path:
        p = d / name
        Image.new(mode, size, **({"color": 0} if mode in ("1", "I;16", "I") else {})).save(p, fmt, **save)
        return p
    return make


def _truncated_image(d: Path) -> Path:
    return cut(make_image(d / "cut.png", 900, 700), 0.5)


def _jpeg_named_png(d: Path) -> Path:
    p = make_image(d / "photo.jpg", 900, 700, fmt="JPEG")
    return p.rename(d / "photo-really-jpeg.png")


def _animated(name: str, fmt: str) -> Callable[[Path], Path]:
    def make(d: Path) -> Path:
        frames = [Image.new("RGB", (800, 600), c) for c in ((200, 0, 0), (0, 200, 0), (0, 0, 200))]
        p = d / name
        frames[0].save(p, fmt, save_all=True, append_images=frames[1:], duration=100, loop=0)
        return p
    return make


def _cmyk(d: Path) -> Path:
    p = d / "print.jpg"
    Image.new("CMYK", (900, 700), (0, 120, 200, 10)).save(p, "JPEG")
    return p


def _video(name: str, **kw) -> Callable[[Path], Path]:
    def make(d: Path) -> Path:
        return make_video(d / name, **kw)
    return make


def _truncated_video(d: Path) -> Path:
    return cut(make_video(d / "cut.mp4", 480, 320, seconds=3), 0.5)


def _no_video_stream(d: Path) -> Path:
    p = d / "sound-only.mp4"
    run_sync(["-f", "lavfi", "-i", "sine=f=440:r=48000:d=4", "-c:a", "aac", "-f", "mp4", str(p)])
    return p


def _corrupt_index(d: Path) -> Path:
    p = make_video(d / "bad-index.mp4", 480, 320, seconds=3)
    data = bytearray(p.read_bytes())
    at = data.find(b"moov")
    data[at + 4:at + 400] = b"\xff" * 396  # the index is garbage; the picture data is intact
    p.write_bytes(bytes(data))
    return p


def _png_named_mp4(d: Path) -> Path:
    return make_image(d / "still.png", 640, 480).rename(d / "still-really-png.mp4")


CORPUS = [
    Bad("empty.png", "empty", "first_frame", "refuse", _empty("empty.png")),
    Bad("cut.png", "truncated", "first_frame", "refuse", _truncated_image),
    Bad("notes.jpg", "wrong extension (text)", "first_frame", "refuse", _text("notes.jpg")),
    Bad("photo-really-jpeg.png", "wrong extension (JPEG as .png)", "first_frame", "accept", _jpeg_named_png),
    Bad("tiny.png", "too small", "first_frame", "refuse", _image("tiny.png", (120, 90))),
    Bad("bomb.png", "pixel bomb", "first_frame", "refuse", _image("bomb.png", (12000, 6000), mode="1")),
    Bad("strip.png", "extreme ratio", "first_frame", "refuse", _image("strip.png", (3000, 400))),
    Bad("tower.png", "extreme ratio", "first_frame", "refuse", _image("tower.png", (400, 3000))),
    Bad("anim.gif", "animated", "first_frame", "refuse", _animated("anim.gif", "GIF")),
    Bad("anim.webp", "animated", "first_frame", "refuse", _animated("anim.webp", "WEBP")),
    Bad("print.jpg", "CMYK", "first_frame", "accept", _cmyk),
    Bad("deep.png", "16-bit", "first_frame", "accept", _image("deep.png", (900, 700), mode="I;16")),
    Bad("alpha.png", "alpha", "first_frame", "accept", _image("alpha.png", (900, 700), mode="RGBA")),
    Bad("empty.mp4", "empty", "video", "refuse", _empty("empty.mp4")),
    Bad("cut.mp4", "truncated", "video", "refuse", _truncated_video),
    Bad("notes.mp4", "wrong extension (text)", "video", "refuse", _text("notes.mp4")),
    Bad("still-really-png.mp4", "wrong extension (image)", "video", "refuse", _png_named_mp4),
    Bad("tiny.mp4", "too small", "video", "refuse", _video("tiny.mp4", width=160, height=120, seconds=3)),
    Bad("wide.mp4", "extreme ratio", "video", "refuse", _video("wide.mp4", width=1280, height=240, seconds=3)),
    Bad("clip.webm", "wrong container (WebM/VP9)", "video", "refuse",
        _video("clip.webm", width=480, height=320, seconds=3, codec="libvpx-vp9", fmt="webm", audio=False)),
    Bad("clip.mkv", "wrong container (MKV)", "video", "refuse",
        _video("clip.mkv", width=480, height=320, seconds=3, fmt="matroska")),
    Bad("mpeg4.mp4", "wrong codec (MPEG-4 part 2)", "video", "accept",
        _video("mpeg4.mp4", width=540, height=360, seconds=3, codec="mpeg4")),
    Bad("hevc.mp4", "wrong codec (HEVC)", "video", "accept",
        _video("hevc.mp4", width=540, height=360, seconds=3, codec="libx265")),
    Bad("sound-only.mp4", "no video stream", "video", "refuse", _no_video_stream),
    Bad("short.mp4", "too short", "video", "refuse", _video("short.mp4", width=480, height=320, seconds=1.5)),
    Bad("long.mp4", "too long", "video", "refuse",
        _video("long.mp4", width=320, height=240, seconds=62, fps=8, audio=False)),
    Bad("uhd.mp4", "4K UHD", "video", "refuse",
        _video("uhd.mp4", width=3840, height=2160, seconds=3, fps=8, audio=False, source="color")),
    Bad("bad-index.mp4", "corrupt index", "video", "refuse", _corrupt_index),
]
