"""Files handed to an API or MCP call as an https link, a data: URL or the path an upload returned.

Each becomes a checked local file for the length of one call, inside a Scratch folder of this server's
upload folder (so the checks of studio.ui.uploads apply to it as to any upload), and the folder is removed
when the call ends, refused or not: a job keeps its own copy of its inputs once it is sent
(studio.inputs.InputStore), so nothing of the link or data: URL stays on disk.

    with Scratch() as scratch:
        path = local_file(value, "first_frame", "image", scratch)

Links are fetched by studio.fetch (public https addresses only, size-capped, timed out).
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any, Self
from urllib.parse import unquote, urlsplit

from studio import fetch
from studio.errors import InputError
from studio.ui.uploads import confined, upload_folder, upload_path

PREFIX = "studio-link-"
STALE_SECONDS = 3600  # a scratch folder this old was left by a process that stopped mid-call
HOW = ("an https link to the file, a data: URL (data:image/png;base64,...), or the path that "
       "POST /gradio_api/upload returned (or the link Gradio's File Upload MCP server, gradio upload-mcp, returned)")
FILE_ROUTE = "/gradio_api/file="


class Scratch:
    """A private folder in the upload folder for one call's fetched files, made when the first file needs
    it (most calls have none) and removed on exit."""

    def __init__(self) -> None:
        self._path: Path | None = None

    @property
    def path(self) -> Path:
        if self._path is None:
            root = upload_folder()
            root.mkdir(parents=True, exist_ok=True)
            prune(root)
            self._path = Path(tempfile.mkdtemp(prefix=PREFIX, dir=root))
        return self._path

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc) -> None:
        if self._path is not None:
            shutil.rmtree(self._path, ignore_errors=True)
            self._path = None


def prune(root: Path, now: float | None = None) -> None:
    """Remove scratch folders a stopped process left behind."""
    now = time.time() if now is None else now
    try:
        entries = list(os.scandir(root))
    except OSError:
        return
    for entry in entries:
        try:
            if entry.name.startswith(PREFIX) and now - entry.stat(follow_symlinks=False).st_mtime > STALE_SECONDS:
                shutil.rmtree(entry.path, ignore_errors=True)
        except OSError:
            continue


def is_link(value: Any) -> bool:
    """Whether a value names its file by a link or carries it (data:), rather than by a path."""
    return isinstance(value, str) and (value.strip()[:5].lower() == "data:" or "://" in value.strip()[:16])


def uploaded_here(link: str, label: str) -> str | None:
    """The path of a link to a file uploaded to this studio (`.../gradio_api/file=<path>`, as Gradio's File
    Upload MCP server answers), when that path is in this server's upload folder; None for any other link
    (it is fetched like any link: this studio's own address is not a public one)."""
    try:
        path = unquote(urlsplit(link.strip()).path)
    except ValueError:
        return None
    at = path.find(FILE_ROUTE)
    if at < 0:
        return None
    try:
        return confined(path[at + len(FILE_ROUTE):], label)
    except InputError:
        return None


def local_file(value: Any, label: str, kind: str, scratch: Scratch) -> str | None:
    """The checked local path of a file given as a link, a data: URL, an uploaded path or an upload's
    FileData (gradio_client's handle_file); None when nothing was given."""
    if value is None or value == "":
        return None
    if isinstance(value, dict):
        return upload_path(value, label)
    if not isinstance(value, str):
        raise InputError(f"{label} must be {HOW}.")
    if is_link(value):
        here = uploaded_here(value, label)
        return here or confined(str(fetch.to_file(value, scratch.path, kind, label)), label)
    return confined(value.strip(), label)


def local_files(values: Any, label: str, kind: str, scratch: Scratch) -> list[str | None]:
    """A list of files in slot order (one string is taken as a list of one); an empty entry stays an empty
    slot."""
    if values is None or values == "":
        return []
    if isinstance(values, (str, dict)):
        values = [values]
    if not isinstance(values, (list, tuple)):
        raise InputError(f"{label} must be a list, each entry {HOW}.")
    return [local_file(v, f"{label} {n}", kind, scratch) for n, v in enumerate(values, start=1)]
