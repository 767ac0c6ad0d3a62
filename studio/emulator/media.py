"""Input media as the providers check it: by content, against PROTOCOLS.md's limits.

Roles: "first_frame" (i2v), "reference_image" (r2v), "edit_reference" (edit's
images) and "video" (edit's source). check() raises Invalid with a message in
the providers' plain style; it returns what the output shape needs.
"""

from __future__ import annotations

import io
import ipaddress
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx

from studio import variants as v

MAX_FETCH_BYTES = v.VIDEO_MAX_BYTES + 1


class Invalid(Exception):
    """A request the provider refuses; the message names the field and the limit."""


@dataclass(frozen=True)
class MediaInfo:
    kind: str       # "image" | "video"
    format: str     # "JPEG", "PNG", ... or "mp4", "mov"
    width: int
    height: int
    seconds: float = 0.0
    fps: float = 0.0


def inspect_image(data: bytes) -> MediaInfo:
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as img:
            fmt, (w, h) = img.format or "", img.size
            img.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise Invalid(f"the file is not a readable image ({exc.__class__.__name__})") from None
    return MediaInfo("image", fmt.upper(), w, h)


def inspect_video(data: bytes) -> MediaInfo:
    import av

    try:
        with av.open(io.BytesIO(data), mode="r") as box:
            names = set((box.format.name or "").split(","))
            if not names & {"mp4", "mov"}:
                raise Invalid(f"the video container is {box.format.name}, not MP4 or MOV")
            if not box.streams.video:
                raise Invalid("the file has no video track")
            stream = box.streams.video[0]
            w, h = stream.codec_context.width, stream.codec_context.height
            fps = float(stream.average_rate or stream.guessed_rate or 0)
            if box.duration is not None:
                seconds = box.duration / 1_000_000
            elif stream.duration is not None and stream.time_base is not None:
                seconds = float(stream.duration * stream.time_base)
            else:
                seconds = 0.0
    except Invalid:
        raise
    except (av.error.FFmpegError, ValueError, OSError) as exc:
        raise Invalid(f"the file is not a readable video ({exc.__class__.__name__})") from None
    fmt = "mp4" if data[4:8] == b"ftyp" and data[8:10] != b"qt" else "mov"
    return MediaInfo("video", fmt, w, h, seconds, fps)


def _aspect_ok(w: int, h: int) -> bool:
    return max(w, h) / max(1, min(w, h)) <= v.MAX_ASPECT + 1e-9


def check(role: str, data: bytes, name: str) -> MediaInfo:
    """Inspect `data` for `role`; `name` is how the error message refers to the field."""
    if role == "video":
        return _check_video(data, name)
    if len(data) > v.IMAGE_MAX_BYTES:
        raise Invalid(f"{name}: the image is {len(data) / 2**20:.1f} MB; at most 10 MB is allowed")
    info = inspect_image(data)
    if info.format not in v.IMAGE_FORMATS:
        raise Invalid(f"{name}: image format {info.format or 'unknown'} is not supported; "
                      f"use JPEG, PNG, BMP or WEBP")
    if role == "first_frame":
        if min(info.width, info.height) < v.FIRST_FRAME_MIN_SIDE:
            raise Invalid(f"{name}: the image is {info.width}x{info.height}; each side must be "
                          f"at least {v.FIRST_FRAME_MIN_SIDE} px")
        if not _aspect_ok(info.width, info.height):
            raise Invalid(f"{name}: the image aspect ratio {info.width}:{info.height} is outside 1:2.5 to 2.5:1")
    elif role == "reference_image":
        if min(info.width, info.height) < v.REFERENCE_MIN_SIDE:
            raise Invalid(f"{name}: the image is {info.width}x{info.height}; the shorter side must be "
                          f"at least {v.REFERENCE_MIN_SIDE} px")
    elif role == "edit_reference":
        if min(info.width, info.height) < v.EDIT_REFERENCE_MIN_SIDE:
            raise Invalid(f"{name}: the image is {info.width}x{info.height}; each side must be "
                          f"at least {v.EDIT_REFERENCE_MIN_SIDE} px")
    else:
        raise ValueError(f"unknown media role {role!r}")
    return info


def _check_video(data: bytes, name: str) -> MediaInfo:
    if len(data) > v.VIDEO_MAX_BYTES:
        raise Invalid(f"{name}: the video is {len(data) / 2**20:.1f} MB; at most 100 MB is allowed")
    info = inspect_video(data)
    if not v.VIDEO_MIN_SECONDS <= info.seconds <= v.VIDEO_MAX_SECONDS:
        raise Invalid(f"{name}: the video lasts {info.seconds:.2f} s; it must last 3 to 60 s")
    long_side, short_side = max(info.width, info.height), min(info.width, info.height)
    if long_side > v.VIDEO_MAX_LONG_SIDE or short_side < v.VIDEO_MIN_SHORT_SIDE:
        raise Invalid(f"{name}: the video is {info.width}x{info.height}; the longer side must be at most "
                      f"{v.VIDEO_MAX_LONG_SIDE} px and the shorter at least {v.VIDEO_MIN_SHORT_SIDE} px")
    if not _aspect_ok(info.width, info.height):
        raise Invalid(f"{name}: the video aspect ratio {info.width}:{info.height} is outside 1:2.5 to 2.5:1")
    if info.fps <= v.VIDEO_MIN_FPS:
        raise Invalid(f"{name}: the video has {info.fps:g} frames per second; it needs more than 8")
    return info


def is_loopback(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


async def fetch(url: str, name: str) -> bytes:
    """Download a media URL the way the provider would; only loopback hosts are reachable here."""
    if urlsplit(url).scheme not in ("http", "https"):
        raise Invalid(f"{name}: the URL {url[:200]!r} is not a valid http(s) URL")
    if not is_loopback(url):
        raise Invalid(f"{name}: failed to download the file from {url[:200]} (the emulator reaches loopback hosts only)")
    try:
        async with httpx.AsyncClient(timeout=20, follow_redirects=True) as client:
            async with client.stream("GET", url) as resp:
                if resp.status_code != 200:
                    raise Invalid(f"{name}: failed to download the file: HTTP {resp.status_code}")
                chunks, total = [], 0
                async for chunk in resp.aiter_bytes():
                    total += len(chunk)
                    if total > MAX_FETCH_BYTES:
                        raise Invalid(f"{name}: the file is larger than 100 MB")
                    chunks.append(chunk)
    except httpx.HTTPError as exc:
        raise Invalid(f"{name}: failed to download the file ({exc.__class__.__name__})") from None
    return b"".join(chunks)
