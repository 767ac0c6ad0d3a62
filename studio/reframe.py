"""Reframe a first frame: cut it to one of the model's ratios before image to video (#23 item 12).

Image to video takes its shape from the frame, so a creator with a 4:3 photo who wants a 9:16 clip cuts the
photo first. The cut keeps the whole of one side and trims the other to the ratio; the anchor says which
part of the cut side stays (its start, centre or end: left/centre/right for a wide picture, top/centre/bottom
for a tall one). Every cut is made from the original upload, never from an earlier cut, so choosing
another ratio loses nothing.

The picture is turned upright first (EXIF orientation), as the page and the providers show it. A cut that
would leave a side under FIRST_FRAME_MIN_SIDE, or a source that is no acceptable picture, is refused in
words and nothing is written. A JPEG stays a JPEG (quality 95); anything else becomes a PNG.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageOps

from studio.errors import InputError
from studio.media import inspect
from studio.variants import FIRST_FRAME_MIN_SIDE, IMAGE_MAX_BYTES

ANCHORS = ("start", "centre", "end")
ORIGINAL = "original"
RATIO = re.compile(r"([1-9][0-9]?):([1-9][0-9]?)")
# The words each anchor has on the side being cut.
ANCHOR_WORDS = {"width": {"start": "Left", "centre": "Centre", "end": "Right"},
                "height": {"start": "Top", "centre": "Centre", "end": "Bottom"}}
JPEG_QUALITY = 95
# Names each cut's folder from what it was cut from, so pressing the same chip again returns the same file
# (a page pressing chips in a loop cannot fill the disk: at most one file per original, ratio and anchor);
# secret, so the name of a cut says nothing a stranger could guess from the original's.
_NAMING_KEY = secrets.token_bytes(32)


def ratio_parts(ratio: str) -> tuple[int, int]:
    """"16:9" -> (16, 9); anything else is refused (the ratio came from a page)."""
    match = RATIO.fullmatch(ratio) if isinstance(ratio, str) else None
    if not match:
        raise InputError("That ratio is not one the studio offers: choose one of the chips.")
    return int(match[1]), int(match[2])


def cut_axis(width: int, height: int, ratio: str) -> str | None:
    """Which side a cut to `ratio` trims ("width" or "height"), or None when the picture already has it."""
    a, b = ratio_parts(ratio)
    if width * b > height * a:
        return "width"
    if width * b < height * a:
        return "height"
    return None


def crop_box(width: int, height: int, ratio: str, anchor: str = "centre") -> tuple[int, int, int, int]:
    """(left, top, right, bottom) of the largest `ratio` cut of a width x height picture, placed at `anchor`.

    The kept side is whole; the cut side is rounded half up, and never longer than the picture. A cut that
    would leave a side under FIRST_FRAME_MIN_SIDE raises InputError.
    """
    if anchor not in ANCHORS:
        raise InputError("That position is not one the studio offers: choose start, centre or end.")
    a, b = ratio_parts(ratio)
    axis = cut_axis(width, height, ratio)
    if axis == "width":
        w, h = min(width, (height * a * 2 + b) // (2 * b)), height
    elif axis == "height":
        w, h = width, min(height, (width * b * 2 + a) // (2 * a))
    else:
        w, h = width, height
    if min(w, h) < FIRST_FRAME_MIN_SIDE:
        raise InputError(f"Cutting this {width}×{height} px frame to {ratio} would leave {w}×{h} px; each side must "
                         f"be at least {FIRST_FRAME_MIN_SIDE} px: choose another ratio or a larger picture. "
                         "The frame was not changed.")
    spare_x, spare_y = width - w, height - h
    share = {"start": 0, "centre": 1, "end": 2}[anchor]  # halves of the spare pixels before the cut
    left, top = spare_x * share // 2, spare_y * share // 2
    return left, top, left + w, top + h


@dataclass(frozen=True)
class Source:
    """An original upload fit to reframe: its format and upright size."""

    path: Path
    format: str
    width: int
    height: int


def source(path: str | Path) -> Source:
    """The original, checked as a first frame is, except its aspect: a panorama too wide to send is just what
    a cut fixes. Not a picture, too large, too many pixels, or a side under the minimum: InputError."""
    size = inspect.file_size(path, "First frame")
    if size > IMAGE_MAX_BYTES:
        raise InputError(f"First frame is {size / (1024 * 1024):.1f} MB; images may be at most "
                         f"{IMAGE_MAX_BYTES // (1024 * 1024)} MB: save it smaller, then reframe it.")
    info = inspect.inspect_image(path, "First frame")
    if info.short_side < FIRST_FRAME_MIN_SIDE:
        raise InputError(f"First frame is {info.width}×{info.height} px; each side must be at least "
                         f"{FIRST_FRAME_MIN_SIDE} px: use a larger image.")
    return Source(Path(path), info.format, info.width, info.height)


def cut(original: str | Path, ratio: str, anchor: str, folder: Path, src: Source | None = None) -> Path:
    """The `ratio` cut of `original` at `anchor`, as a file in a folder of its own under `folder`: written the
    first time it is asked for, the same file after that.

    Checked before anything is written (source(), crop_box()); the written file is checked as a first frame
    is, and removed again if it fails (a PNG of a large photo can pass the size limit). Written under a
    temporary name and renamed into place, so two presses at once never see half a file.
    """
    src = src or source(original)
    box = crop_box(src.width, src.height, ratio, anchor)
    jpeg = src.format == "JPEG"
    stem = re.sub(r"[^A-Za-z0-9_-]+", "-", src.path.stem).strip("-")[:60] or "frame"
    w, h = box[2] - box[0], box[3] - box[1]
    asked = f"{os.path.realpath(src.path)}\0{ratio}\0{anchor}".encode()
    name = hmac.new(_NAMING_KEY, asked, hashlib.sha256).hexdigest()[:32]
    target = folder / f"reframe-{name}" / f"{stem}-{ratio.replace(':', 'x')}-{w}x{h}.{'jpg' if jpeg else 'png'}"
    if target.is_file() and not target.is_symlink():
        return target
    with Image.open(src.path) as img:
        upright = ImageOps.exif_transpose(img)
        icc = img.info.get("icc_profile")
        piece = upright.crop(box)
    if jpeg and piece.mode not in ("RGB", "L", "CMYK"):
        piece = piece.convert("RGB")
    elif not jpeg and piece.mode not in ("1", "L", "LA", "P", "RGB", "RGBA", "I", "I;16"):
        piece = piece.convert("RGBA")
    target.parent.mkdir(parents=True, exist_ok=True)
    part = target.with_name(f".{secrets.token_hex(8)}.part")
    extra = {"icc_profile": icc} if icc else {}
    try:
        piece.save(part, "JPEG" if jpeg else "PNG", **extra, **({"quality": JPEG_QUALITY} if jpeg else {}))
        inspect.check_first_frame(part)
    except (InputError, OSError) as e:
        part.unlink(missing_ok=True)
        _remove_if_empty(target.parent)
        raise InputError(f"The {ratio} cut could not be kept ({e}). The frame was not changed.") from None
    os.replace(part, target)
    return target


def _remove_if_empty(folder: Path) -> None:
    try:
        folder.rmdir()
    except OSError:  # another cut landed there meanwhile, or it is gone already
        pass
