"""File arguments of MCP tool calls (image_to_video's first_frame, video_edit's video, advise's references...).

Gradio's MCP server takes a file argument as a string (studio.ui.compat.serve_agents routes it here):

    localise(arguments, positions, scratch)   before the call, off the event loop: each https link is
                                              fetched and each data: URL decoded (studio.fetch: public
                                              addresses only, capped like the page's uploads, timed out)
                                              into the call's scratch folder, removed when the call ends
    as_filedata(arguments, positions)         then each file argument, now a path, checked like any upload
                                              (studio.ui.uploads: inside the upload folder, a regular file)
                                              and handed to Gradio as its FileData

A path is taken only when it is in this server's upload folder: the path POST /gradio_api/upload
returned, or a file fetched above. Anything else is refused in words that say how to give the file.
"""

from __future__ import annotations

import asyncio
import copy
import inspect
import logging
import re
from pathlib import Path
from typing import Any

from studio import fetch
from studio.errors import InputError, StudioError
from studio.ui.links import HOW, Scratch, is_link, uploaded_here  # compat takes Scratch from here
from studio.ui.uploads import confined

log = logging.getLogger("studio.ui")
FILE_WORDS = (f"Give each file as {HOW}. Links must be public https addresses; a file is capped like an upload "
              "on the page (images 10 MB, videos 100 MB); a call's whole body at most 4 MB, so larger files go "
              "by link or upload.")
_HANDLE_FILE = re.compile(r"as handle_file\([^)]*\)(?: \(a local file; links are not fetched\))?")


# Words for parameters whose endpoint documents none (advise's come from hidden components).
PLAIN_WORDS = {
    "variant": '"t2v" (text to video), "i2v" (image to video), "r2v" (reference to video) or "edit" (video edit)',
    "prompt": "the prompt, as you would send it; up to 5000 characters",
    "first_frame": "i2v: the first frame, as an https link, a data: URL or the path an upload returned",
    "references": "r2v or edit: the reference images in slot order, each as an https link, a data: URL or the "
                  "path an upload returned",
    "resolution": '"720P" or "1080P"; default "720P"',
}


def with_words(fn: Any, parameters: dict[str, str]) -> dict[str, str]:
    """A tool's parameter descriptions for an agent: files given as links, and plain words for the
    parameters its endpoint left undescribed."""
    try:
        names = list(inspect.signature(fn).parameters)
    except (TypeError, ValueError):
        names = []
    words = {k: described(v) for k, v in parameters.items()}
    for name in names:
        if not words.get(name) and name in PLAIN_WORDS:
            words[name] = PLAIN_WORDS[name]
    return words


def described(text: str) -> str:
    """A parameter's words for an agent: a file is given as a link, a data: URL or an upload's path."""
    return _HANDLE_FILE.sub("as an https link, a data: URL or the path an upload returned", text or "")


def kind_of(name: Any) -> str:
    return "video" if name == "video" else "image"


def _at(positions: list[list], path: list) -> bool:
    """Whether a value's path is a file position ("items" in a position stands for any list index)."""
    return any(len(p) == len(path) and all(a == b or (a == "items" and isinstance(b, int))
                                           for a, b in zip(p, path)) for p in positions)


def _walk(node: Any, positions: list[list], change, path: list | None = None) -> Any:
    path = path or []
    if isinstance(node, dict):
        return {k: _walk(v, positions, change, [*path, k]) for k, v in node.items()}
    if isinstance(node, list):
        return [_walk(v, positions, change, [*path, i]) for i, v in enumerate(node)]
    if isinstance(node, str) and path and _at(positions, path):
        return change(node, path)
    return node


def _label(path: list) -> str:
    return " ".join(str(p + 1 if isinstance(p, int) else p) for p in path)


async def localise(arguments: dict, positions: list[list], scratch: Scratch) -> dict:
    """The arguments with each link or data: URL at a file position replaced by the local file it gave."""
    wanted: list[tuple[list, str]] = []
    _walk(arguments, positions, lambda value, path: wanted.append((path, value)) if is_link(value) else None)
    if not wanted:
        return arguments
    fetched: dict[tuple, str] = {}
    for path, value in wanted:  # one at a time: a call takes at most a few files
        here = uploaded_here(value, _label(path))
        got = here or await asyncio.to_thread(_fetch, value, scratch, path)
        fetched[tuple(path)] = str(got)
    return _walk(copy.deepcopy(arguments), positions,
                 lambda value, path: fetched.get(tuple(path), value))


def _fetch(value: str, scratch: Scratch, path: list) -> Path:
    """Off the event loop: the scratch folder (made on first use) and the download."""
    return fetch.to_file(value, scratch.path, kind_of(path[0]), _label(path))


def as_filedata(arguments: Any, positions: list[list]) -> Any:
    """Each file argument, a path by now, checked as an upload and given to Gradio as its FileData."""
    def file(value: str, path: list) -> dict | None:
        label = _label(path)
        if not value.strip():
            return None
        if not value.strip().startswith("/"):
            raise InputError(f"{label} must be {HOW}.")
        checked = confined(value.strip(), label)
        return {"path": checked, "orig_name": Path(checked).name, "meta": {"_type": "gradio.FileData"}}

    return _walk(arguments, positions, file)


def words(e: Exception) -> str:
    """What an agent is told when its files could not be taken."""
    if isinstance(e, StudioError):
        log.warning("input refused: %s", e)
        return str(e)
    log.warning("a tool call's files could not be taken: %s", type(e).__name__)
    return f"The files could not be taken: give each as {HOW}."
