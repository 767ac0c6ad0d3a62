"""Which of a request's inputs are local files that must be uploaded, and how to name them.

The providers want URLs. An http(s) URL (or an already uploaded oss:// key)
passes through; anything else is a local path the adapter uploads first.
"""

from __future__ import annotations

import mimetypes
import re
import uuid
from collections.abc import Mapping
from pathlib import Path

from studio.errors import ProviderError
from studio.variants import Request

REMOTE_SCHEMES = ("http://", "https://", "oss://")

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def is_remote(ref: str) -> bool:
    return ref.startswith(REMOTE_SCHEMES)


def request_media(request: Request) -> list[str]:
    """Every input file or URL the request names, in the order the variant sends them."""
    refs = [request.video, request.first_frame, *request.references]
    return [r for r in refs if r]


def local_media(request: Request) -> list[str]:
    """The inputs that are local files (each once, in order)."""
    return list(dict.fromkeys(r for r in request_media(request) if not is_remote(r)))


def resolve(ref: str, media_urls: Mapping[str, str]) -> str:
    """The URL to send for an input: its uploaded URL, or itself when already remote."""
    if ref in media_urls:
        return media_urls[ref]
    if is_remote(ref):
        return ref
    raise ValueError(f"input {Path(ref).name!r} was not uploaded")


def content_type(path: str | Path) -> str:
    return mimetypes.guess_type(str(path))[0] or "application/octet-stream"


def upload_name(path: str | Path) -> str:
    """A storage-safe, unique file name that keeps the original's readable stem and extension."""
    p = Path(path)
    stem = _UNSAFE.sub("-", p.stem).strip("-")[:40] or "input"
    return f"{uuid.uuid4().hex[:12]}-{stem}{p.suffix.lower()}"


def read_local(path: str | Path) -> bytes:
    """The bytes of a local input; a ProviderError naming the file if it cannot be read (nothing was sent)."""
    p = Path(path)
    try:
        return p.read_bytes()
    except OSError as exc:
        raise ProviderError(f"Could not read the input file {p.name!r} ({exc.strerror}), so nothing was sent: "
                            "upload it again.", code="input_unreadable") from exc
