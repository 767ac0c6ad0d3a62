"""The draft form survives a reload: every tab's prompt, settings and uploads, kept for this user.

The studio keeps the draft per owner (the gallery section's save_draft), so it needs no
browser storage: inside a cross-site iframe (a Hugging Face Space) a browser
may refuse local storage, and the page must still work there. An upload is
kept as the path Gradio gave it and put back only while it is still a
regular file in this server's upload folder (the check every event's files
get, studio.ui.uploads.confined); one Gradio has since removed stays empty.
"""

from __future__ import annotations

from typing import Any

import gradio as gr

from studio.errors import InputError, StudioError
from studio.ui.context import UiContext
from studio.ui.controls import TabUi
from studio.ui.uploads import confined, payload_path


def keep(value: Any) -> Any:
    """A widget value as the draft stores it: an upload as {"upload": path}, the rest as it is."""
    if isinstance(value, (dict, list)) or hasattr(value, "path"):
        try:
            path = payload_path(value)
        except InputError:
            return None
        return {"upload": path} if path else None
    return value


def put_back(value: Any) -> Any:
    """A stored draft value as a widget value; an upload only while it is still on this server."""
    if isinstance(value, dict):
        try:
            return confined(str(value.get("upload") or ""), "A saved upload")
        except InputError:
            return None
    return value


def save(ctx: UiContext, request: gr.Request, tab: TabUi, values) -> None:
    """Keep this tab's form in the owner's draft (the other tabs' fields stay as they were)."""
    caller = ctx.caller_or_none(request)
    if not caller:
        return
    try:
        ctx.studio.gallery.save_draft(caller, {f"{tab.api_name}.{i}": keep(v) for i, v in enumerate(values)})
    except StudioError as e:  # too large to keep: the form is unchanged, only a reload would lose it
        gr.Warning(f"{e} A reload would not bring this draft back.", duration=6)


def restored(stored: dict, tabs: list[TabUi]) -> dict:
    """The saved draft (the gallery section's draft(caller)) as {field: value}, for the fields it holds
    (the page's one load event puts it back: studio.ui.first_view; the form's own listener saves it:
    studio.ui.form)."""
    out = {}
    for tab in tabs:
        for i, field in enumerate(tab.inputs):
            name = f"{tab.api_name}.{i}"
            if name in stored:
                out[field] = put_back(stored[name])
    return out
