"""The draft form survives a reload: every tab's prompt, settings and uploads, kept in this browser.

gr.BrowserState keeps the values encrypted in the browser's local storage. An
upload is kept as the path Gradio gave it, and on restore it is put back only
if it is still a regular file in this server's upload folder (the same check
every event's files get, studio.ui.uploads.confined); an upload Gradio has
since removed is left empty.
"""

from __future__ import annotations

from typing import Any

import gradio as gr

from studio.errors import InputError
from studio.ui.controls import TabUi
from studio.ui.uploads import confined, payload_path

STORAGE_KEY = "happyhorse-studio-draft"


def render() -> gr.BrowserState:
    return gr.BrowserState({}, storage_key=STORAGE_KEY)


def keep(value: Any) -> Any:
    """A widget value as the draft stores it: uploads as {"upload": path, "name": ...}, the rest as they are."""
    if isinstance(value, (dict, list)) or hasattr(value, "path"):
        try:
            path = payload_path(value)
        except InputError:
            return None
        if not path:
            return None
        inner = value.get("video", value) if isinstance(value, dict) else value
        name = inner.get("orig_name") if isinstance(inner, dict) else None
        return {"upload": path, "name": name}
    return value


def put_back(value: Any) -> Any:
    """A stored draft value as a widget value; an upload only while it is still on this server."""
    if isinstance(value, dict) and "upload" in value:
        try:
            return confined(str(value["upload"]), "A saved upload")
        except InputError:
            return None
    return value


def wire(demo: gr.Blocks, saved: gr.BrowserState, tabs: list[TabUi]) -> None:
    fields = [c for tab in tabs for c in tab.inputs]
    names = [f"{tab.api_name}.{i}" for tab in tabs for i in range(len(tab.inputs))]

    def save(*values):
        return {name: keep(v) for name, v in zip(names, values)}

    def restore(stored: dict | None):
        stored = stored if isinstance(stored, dict) else {}
        return [put_back(stored[name]) if name in stored else gr.skip() for name in names]

    private = dict(api_visibility="private", show_progress="hidden")
    demo.load(restore, saved, fields, **private)
    gr.on([c.change for c in fields], save, fields, saved, preprocess=False, trigger_mode="always_last",
          **private)
