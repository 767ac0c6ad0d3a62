"""The one door for files that arrive from a browser or an API client.

An event's file input is a path the client names. Gradio normally refuses a
path that did not come from its upload folder, but only on its own terms
(a launched app, preprocessed inputs), and a raw string skips it entirely. So
the studio checks every such path itself before anything opens it:

- it must resolve (every `..` and symbolic link followed) inside this
  server's upload folder: not the data directory, not /proc, not /dev; and
  it must not itself be a symbolic link;
- it must be a regular file (not a FIFO, a device or a directory);
- its size is read from the directory entry before it is opened, and a file
  larger than any input the API takes is refused unread.

A refused path raises InputError with a plain message and nothing is copied.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

from studio.errors import InputError
from studio.variants import IMAGE_MAX_BYTES, VIDEO_MAX_BYTES

MAX_UPLOAD_BYTES = max(IMAGE_MAX_BYTES, VIDEO_MAX_BYTES)  # the largest input any variant takes
REFUSED = "{label} was not uploaded to this studio: upload the file again from your computer."


def upload_folder() -> Path:
    """Where Gradio keeps this server's uploads (GRADIO_TEMP_DIR, else <tmp>/gradio), resolved."""
    from studio.ui.compat import upload_folder as gradio_uploads

    return Path(os.path.realpath(gradio_uploads()))


def payload_path(value: Any) -> str | None:
    """The path named by an upload payload (FileData dict or object, video wrapper, or plain string)."""
    if value is None or isinstance(value, str):
        return value or None
    if isinstance(value, dict):
        inner = value.get("video") if isinstance(value.get("video"), dict) else value
        path = inner.get("path")
    else:
        inner = getattr(value, "video", None) or value
        path = getattr(inner, "path", None)
    if path is not None and not isinstance(path, str):
        raise InputError("An upload named its file in a form the studio does not accept: upload it again.")
    return path or None


def confined(path: str, label: str = "The file") -> str:
    """The path, if it is a regular file of sane size inside the upload folder; else InputError."""
    if "\x00" in path or not os.path.isabs(path):
        raise InputError(REFUSED.format(label=label))
    root = upload_folder()
    real = Path(os.path.realpath(path))
    if real == root or root not in real.parents or os.path.islink(path):
        raise InputError(REFUSED.format(label=label))  # a link may only resolve inside the folder
    try:
        info = os.lstat(real)
    except OSError:
        raise InputError(f"{label} is no longer on the server (uploads are kept for a day): "
                         "upload it again.") from None
    if not stat.S_ISREG(info.st_mode):
        raise InputError(REFUSED.format(label=label))
    if info.st_size > MAX_UPLOAD_BYTES:
        raise InputError(f"{label} is larger than any input the models take "
                         f"({MAX_UPLOAD_BYTES // (1024 * 1024)} MB): use a smaller file.")
    return str(real)


def upload_path(value: Any, label: str = "The file") -> str | None:
    """The checked local path of an upload payload, or None when nothing was uploaded."""
    path = payload_path(value)
    return confined(path, label) if path else None


LABELS = {"first_frame": "First frame", "video": "Source video"}
# Inputs with a note of their own under them (the tab's frame or clip facts): a problem with one is said
# there, in full, once; the advice leaves it out and the Generate bar points to the note (#23: one bad
# upload was said three times). Reference slots have no note: their problems stay in the Generate bar.
NOTED = {"First frame": "the first frame", "Source video": "the source clip"}


def noted_input(message: str) -> str | None:
    """The input (in words) whose own note already says this message, or None."""
    return next((words for label, words in NOTED.items() if message.startswith(label + " ")), None)


def uploads(fields: dict[str, Any]) -> dict[str, Any]:
    """Turn the upload payloads among a request's fields into checked paths."""
    fields = dict(fields)
    for key, label in LABELS.items():
        if key in fields:
            fields[key] = upload_path(fields[key], label)
    if "references" in fields:
        refs = fields["references"] or ()
        if isinstance(refs, (str, bytes, dict)):
            raise InputError("References must be a list of uploaded images.")
        fields["references"] = [upload_path(r, f"Reference {i}") for i, r in enumerate(refs, start=1)]
    return fields
