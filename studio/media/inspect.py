"""Check input media by content, not by file name.

Images are opened with Pillow, videos with PyAV; the container of a video is
read from its ftyp box. Every check raises InputError with a message that
names the input ("First frame", "Image 3", "Reference 3", "Source video") and says what
to change. Limits come from studio.variants; those that may differ between models (image bytes,
an edit source's sides) come from the request's model in the catalogue when given.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError

from studio.errors import InputError
from studio.models import Limits
from studio.variants import (
    EDIT_REFERENCE_MIN_SIDE, FIRST_FRAME_MIN_SIDE, IMAGE_FORMATS, IMAGE_MAX_BYTES, MAX_ASPECT,
    REFERENCE_MIN_SIDE, REFERENCE_RECOMMENDED_SIDE, VIDEO_CONTAINERS, VIDEO_MAX_BYTES,
    VIDEO_MAX_LONG_SIDE, VIDEO_MAX_SECONDS, VIDEO_MIN_FPS, VIDEO_MIN_SECONDS, VIDEO_MIN_SHORT_SIDE,
    Variant, slot_label,
)

FORMAT_LIST = "JPEG, PNG, BMP or WEBP"
# An image is refused by the size its header declares, before any pixel is decoded:
# a 500 KB PNG can declare 13000x13000 pixels and cost gigabytes to decode.
MAX_DECODE_PIXELS = 50_000_000
# Pillow names some camera JPEGs "MPO" (JPEG with extra pictures); they are JPEG files.
_FORMAT_ALIASES = {"MPO": "JPEG"}
# EXIF orientations that turn the picture a quarter turn (width and height swap).
_QUARTER_TURNS = {5, 6, 7, 8}

MOV_BRANDS = {"qt  "}
MP4_BRANDS = {"isom", "iso2", "iso3", "iso4", "iso5", "iso6", "iso7", "iso8", "iso9", "mp41",
              "mp42", "mp71", "avc1", "M4V ", "M4VP", "M4VH", "M4A ", "dash", "mmp4", "MSNV",
              "XAVC", "f4v "}
# Classic QuickTime files may start without an ftyp box.
_QUICKTIME_FIRST_BOXES = {b"moov", b"mdat", b"wide", b"free", b"skip", b"pnot"}


@dataclass(frozen=True)
class ImageInfo:
    path: Path
    format: str   # JPEG, PNG, BMP or WEBP, read from the content
    width: int    # as displayed (EXIF orientation applied)
    height: int
    bytes: int
    # the picture shrunk to at most `preview` px a side, EXIF orientation applied, when the caller asked
    # for one: analysis works on it instead of decoding the file again
    preview: Image.Image | None = field(default=None, compare=False, repr=False)

    @property
    def short_side(self) -> int:
        return min(self.width, self.height)


@dataclass(frozen=True)
class VideoInfo:
    path: Path
    container: str            # "mp4", "mov", or what the file really is
    width: int                # as displayed (rotation metadata applied)
    height: int
    duration: float           # seconds
    fps: float
    video_codec: str | None   # e.g. "h264", "hevc"; None when there is no video stream
    audio_codec: str | None   # None when the clip has no sound
    bytes: int

    @property
    def is_h264(self) -> bool:
        return self.video_codec == "h264"

    @property
    def note(self) -> str | None:
        """Advice that does not block the job (H.264 is recommended, not required)."""
        if self.video_codec and not self.is_h264:
            return f"The video is {self.video_codec.upper()}; H.264 is recommended for the best results."
        return None


def file_size(path: str | Path, label: str) -> int:
    """Size in bytes of an existing, non-empty file."""
    p = Path(path)
    if not p.is_file():
        raise InputError(f"{label} was not found ({p.name}): upload the file again.")
    size = p.stat().st_size
    if size == 0:
        raise InputError(f"{label} is an empty file: upload the file again.")
    return size


def inspect_image(path: str | Path, label: str = "The image", preview: int | None = None) -> ImageInfo:
    """Open an image, check its format by content and that it decodes completely.

    A JPEG is decoded at an eighth of its size: every byte is still read and checked, at a fraction of
    the work. With `preview`, the info carries the picture shrunk to at most that many pixels a side.
    """
    size = file_size(path, label)
    fmt = _image_format(path, label)
    small = None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(path) as img:
                img.verify()
            with Image.open(path) as img:
                width, height = img.size
                orientation = img.getexif().get(0x0112)
                if img.format in ("JPEG", "MPO"):
                    img.draft(img.mode, (max(1, width // 8), max(1, height // 8)))
                img.load()
                if preview:
                    img.thumbnail((preview, preview))
                    small = ImageOps.exif_transpose(img)
    except Image.DecompressionBombError:
        raise InputError(f"{label} has too many pixels to process: use a smaller image.") from None
    except (OSError, SyntaxError, ValueError, EOFError) as e:
        raise InputError(f"{label} is damaged or incomplete ({e}): export it again and re-upload.") from None
    if orientation in _QUARTER_TURNS:
        width, height = height, width
    return ImageInfo(path=Path(path), format=fmt, width=width, height=height, bytes=size, preview=small)


def _image_format(path: str | Path, label: str) -> str:
    try:
        with Image.open(path) as img:  # reads the header only
            fmt = img.format or "unknown"
            width, height = img.size
            frames = getattr(img, "n_frames", 1) if fmt not in _FORMAT_ALIASES else 1  # MPO: a photo and its preview
    except UnidentifiedImageError:
        raise InputError(f"{label} is not an image file: use {FORMAT_LIST}.") from None
    except Image.DecompressionBombError:
        raise InputError(f"{label} has too many pixels to process: use a smaller image.") from None
    except OSError as e:
        raise InputError(f"{label} is damaged or incomplete ({e}): export it again and re-upload.") from None
    if width * height > MAX_DECODE_PIXELS:
        raise InputError(f"{label} declares {width}x{height} pixels, more than the studio decodes "
                         f"({MAX_DECODE_PIXELS // 1_000_000} megapixels): resize it, e.g. to 4096 px on the long side.")
    fmt = _FORMAT_ALIASES.get(fmt, fmt)
    if frames > 1 and fmt in IMAGE_FORMATS:
        raise InputError(f"{label} is an animated {fmt} ({frames} frames): save the frame you want as a still "
                         f"image ({FORMAT_LIST}).")
    if fmt not in IMAGE_FORMATS:
        raise InputError(f"{label} is a {fmt} image, whatever its name says: convert it to {FORMAT_LIST}.")
    return fmt


def check_first_frame(path: str | Path, label: str = "First frame", limits: Limits | None = None) -> ImageInfo:
    """An image-to-video first frame: format, size, each side and aspect."""
    _check_image_bytes(path, label, limits)
    info = inspect_image(path, label)
    if info.short_side < FIRST_FRAME_MIN_SIDE:
        raise InputError(f"{label} is {info.width}x{info.height} px; each side must be at least "
                         f"{FIRST_FRAME_MIN_SIDE} px: use a larger image.")
    _check_aspect(info.width, info.height, label, "image")
    return info


def check_reference(path: str | Path, slot: int, variant: Variant | str, limits: Limits | None = None,
                    preview: int | None = None) -> ImageInfo:
    """The reference image in on-screen slot `slot` (from 1) for reference-to-video or video edit.

    Messages name the slot as the screen labels it ("Image 3", "Reference 3"). `preview` as for inspect_image.
    """
    variant = Variant(variant)
    label = slot_label(variant, slot)
    if variant is Variant.EDIT:
        min_side, best = EDIT_REFERENCE_MIN_SIDE, ""
    else:
        min_side = REFERENCE_MIN_SIDE
        best = f" ({REFERENCE_RECOMMENDED_SIDE} px or more is best)"
    _check_image_bytes(path, label, limits)
    info = inspect_image(path, label, preview)
    if info.short_side < min_side:
        raise InputError(f"{label} is {info.width}x{info.height} px; references need a shortest side of "
                         f"at least {min_side} px{best}: use a larger image.")
    _check_aspect(info.width, info.height, label, "image")
    return info


def _check_image_bytes(path: str | Path, label: str, limits: Limits | None = None) -> None:
    size, most = file_size(path, label), limits.image_max_bytes if limits else IMAGE_MAX_BYTES
    if size > most:
        raise InputError(f"{label} is {_mb(size)}; images may be at most {_mb(most)}: "
                         f"save it smaller (JPEG or WEBP, or fewer pixels).")


def _check_aspect(width: int, height: int, label: str, what: str) -> None:
    long, short = max(width, height), min(width, height)
    if long > MAX_ASPECT * short:
        raise InputError(f"{label} is {width}x{height} px, {long / short:.2f}:1; the {what} must be no "
                         f"wider or taller than {MAX_ASPECT:g}:1: crop it.")


def _mb(n: int) -> str:
    return f"{n / (1024 * 1024):.1f} MB"


def container_of(path: str | Path) -> str:
    """'mp4' or 'mov' from the file's ftyp brand; otherwise a short name of what it is."""
    with open(path, "rb") as f:
        head = f.read(64)
    if len(head) >= 12 and head[4:8] == b"ftyp":
        size = int.from_bytes(head[0:4], "big")
        major = head[8:12].decode("latin-1")
        compatible = [head[i:i + 4].decode("latin-1") for i in range(16, min(size, len(head)) - 3, 4)]
        return _container_from_brands(major, compatible)
    if len(head) >= 8 and head[4:8] in _QUICKTIME_FIRST_BOXES:
        return "mov"
    return _other_container(head)


def _container_from_brands(major: str, compatible: list[str]) -> str:
    if major in MOV_BRANDS:
        return "mov"
    if major in MP4_BRANDS:
        return "mp4"
    if major.startswith(("3g", "hei", "mif", "avi", "jp", "crx")):
        return major.strip() or "unknown"
    if any(b in MP4_BRANDS for b in compatible):
        return "mp4"
    if any(b in MOV_BRANDS for b in compatible):
        return "mov"
    return major.strip() or "unknown"


_IMAGE_MAGIC = ((b"\x89PNG", "png"), (b"\xff\xd8\xff", "jpeg"), (b"BM", "bmp"), (b"RIFF", "webp"))
STILL_IMAGES = ("png", "jpeg", "bmp", "webp", "gif")


def _other_container(head: bytes) -> str:
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "webm" if b"webm" in head else "mkv"
    if head.startswith(b"RIFF") and head[8:12] == b"AVI ":
        return "avi"
    if head.startswith(b"GIF8"):
        return "gif"
    for magic, image in _IMAGE_MAGIC:
        if head.startswith(magic) and (image != "webp" or head[8:12] == b"WEBP"):
            return image
    if head[:1] == b"\x47":  # MPEG transport stream sync byte
        return "ts"
    return "unknown"


def probe_video(path: str | Path, label: str = "Source video") -> VideoInfo:
    """Read a video's container, size, length, frame rate and codecs with PyAV."""
    import av

    file_size(path, label)
    try:
        return read_video(path)
    except av.FFmpegError as e:
        raise InputError(f"{label} could not be read as a video ({e.strerror or e}): "
                         f"upload an MP4 or MOV file.") from None


def read_video(path: str | Path) -> VideoInfo:
    """probe_video without the user-facing wrapping: raises av.FFmpegError or OSError."""
    import av

    with av.open(str(path)) as c:
        return info_of(c, path)


def info_of(c, path: str | Path, rotation: int | None = None) -> VideoInfo:
    """read_video of a container already open (c, from av.open(path)). rotation: the first frame's, when the
    caller has decoded it already; otherwise a frame is decoded here to read it."""
    size = Path(path).stat().st_size
    vstream = c.streams.video[0] if c.streams.video else None
    astream = c.streams.audio[0] if c.streams.audio else None
    width = height = 0
    fps = 0.0
    if vstream is not None:
        width, height = vstream.codec_context.width, vstream.codec_context.height
        fps = _fps(vstream)
        # decoding a frame to read its rotation is bounded like an image: a declared giant is
        # not decoded (its size alone gets it refused)
        if rotation is None and width * height <= MAX_DECODE_PIXELS:
            rotation = _rotation(c, vstream)
        if rotation in (90, 270):
            width, height = height, width
    return VideoInfo(
        path=Path(path), container=container_of(path), width=width, height=height,
        duration=_duration(c, vstream or astream), fps=fps,
        video_codec=vstream.codec_context.name if vstream is not None else None,
        audio_codec=astream.codec_context.name if astream is not None else None,
        bytes=size)


def duration_of(c) -> float:
    """The length in seconds of a container already open, as read_video says it."""
    vstream = c.streams.video[0] if c.streams.video else None
    return _duration(c, vstream or (c.streams.audio[0] if c.streams.audio else None))


def _duration(c, stream) -> float:
    if c.duration is not None and c.duration > 0:
        return c.duration / 1_000_000
    if stream is not None and stream.duration is not None and stream.time_base is not None:
        return float(stream.duration * stream.time_base)
    if stream is not None and stream.type == "video" and stream.frames and _fps(stream):
        return stream.frames / _fps(stream)
    return 0.0


def _fps(stream) -> float:
    for rate in (stream.average_rate, stream.guessed_rate, stream.base_rate):
        if rate:
            return float(Fraction(rate))
    return 0.0


def _rotation(c, stream) -> int:
    """Quarter turns from the display matrix, in degrees 0/90/180/270 (0 if unknown)."""
    try:
        for frame in c.decode(stream):
            return int(round(getattr(frame, "rotation", 0) or 0)) % 360
    except Exception:  # a frame that will not decode says nothing about rotation
        return 0
    return 0


def check_source_video(path: str | Path, label: str = "Source video", limits: Limits | None = None) -> VideoInfo:
    """A video edit source: MP4 or MOV, length, size, shape, frame rate and bytes."""
    size = file_size(path, label)
    if size > VIDEO_MAX_BYTES:
        raise InputError(f"{label} is {_mb(size)}; videos may be at most {_mb(VIDEO_MAX_BYTES)}: "
                         f"trim it or export at a lower bitrate.")
    if (kind := container_of(path)) in STILL_IMAGES:
        raise InputError(f"{label} is a {kind.upper()} image, not a video: upload an MP4 or MOV clip "
                         f"(to animate a still, use Image to video).")
    info = probe_video(path, label)
    if info.container == "unknown":
        raise InputError(f"{label} is not a video file the studio can read: upload an MP4 or MOV clip.")
    if info.container not in VIDEO_CONTAINERS:
        raise InputError(f"{label} is a {info.container.upper()} file, whatever its name says: "
                         f"convert it to MP4 or MOV.")
    if info.video_codec is None or not info.width:
        raise InputError(f"{label} has no picture (no video stream): upload a video clip.")
    _check_video_length(info, label)
    _check_video_size(info, label, limits)
    if info.fps <= VIDEO_MIN_FPS:
        raise InputError(f"{label} runs at {info.fps:.3g} fps; it must be above {VIDEO_MIN_FPS:g} fps: "
                         f"export it at 24 fps or more.")
    return info


def _check_video_length(info: VideoInfo, label: str) -> None:
    if info.duration < VIDEO_MIN_SECONDS:
        raise InputError(f"{label} is {info.duration:.2f} s long; it must be at least "
                         f"{VIDEO_MIN_SECONDS:g} s: use a longer clip.")
    if info.duration > VIDEO_MAX_SECONDS:
        raise InputError(f"{label} is {info.duration:.1f} s long; it may be at most "
                         f"{VIDEO_MAX_SECONDS:g} s: trim it (only the first 15 s are edited).")


def _check_video_size(info: VideoInfo, label: str, limits: Limits | None = None) -> None:
    long, short = max(info.width, info.height), min(info.width, info.height)
    most = limits.edit_video_max_long_side if limits else VIDEO_MAX_LONG_SIDE
    least = limits.edit_video_min_short_side if limits else VIDEO_MIN_SHORT_SIDE
    if long > most:
        scale = most / long
        w, h = (int(info.width * scale) // 2 * 2, int(info.height * scale) // 2 * 2)
        raise InputError(f"{label} is {info.width}x{info.height} px; the longer side may be at most "
                         f"{most} px: export it at {w}x{h} or smaller.")
    if short < least:
        raise InputError(f"{label} is {info.width}x{info.height} px; the shorter side must be at least "
                         f"{least} px: use a higher-resolution clip.")
    _check_aspect(info.width, info.height, label, "video")
