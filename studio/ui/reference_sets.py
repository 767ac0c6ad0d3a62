"""Reference slots' helpers: save the filled slots as a named set, load a set, delete one, close gaps.

Slots keep the numbers shown on screen; "Close gaps" is the explicit way to
move pictures up, and it renumbers the prompt's tokens with them. Deleting
asks first: the first press names the set and turns the button into the
confirmation, a second press within CONFIRM_SECONDS deletes it (only the
caller's own sets are ever found; pictures nothing else uses leave the disk).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

import gradio as gr

from studio.errors import StudioError
from studio.ui.context import UiContext, serve, upload_path

CONFIRM_SECONDS = 30   # a second press of Delete within this long deletes the set the first one named
MAX_NAME_SHOWN = 200   # a set name from the page longer than this is no set of this studio
DELETE_LABEL = "Delete this set…"


@dataclass
class SetsUi:
    name: gr.Textbox
    save: gr.Button
    choice: gr.Dropdown
    load: gr.Button
    delete: gr.Button
    close_gaps: gr.Button
    message: gr.Markdown


def render(variant: str) -> SetsUi:
    with gr.Accordion("Reference sets: save or load a character or product", open=False):
        with gr.Row(equal_height=True):
            name = gr.Textbox(label="Set name", placeholder="e.g. Captain Mara", max_lines=1, scale=3)
            save = gr.Button("Save filled slots as a set", size="sm", scale=1, elem_id=f"hh-set-save-{variant}")
        with gr.Row(equal_height=True):
            choice = gr.Dropdown([], label="Your sets", value=None, scale=3, elem_id=f"hh-sets-{variant}",
                                 info="Loading fills the slots from 1 and replaces what is in them.")
            load = gr.Button("Load set into the slots", size="sm", scale=1)
        close_gaps = gr.Button("Close gaps (move pictures up, renumber the prompt)", size="sm")
        delete = gr.Button(DELETE_LABEL, size="sm", variant="stop", elem_id=f"hh-set-delete-{variant}")  # no row: light
        message = gr.Markdown()
    return SetsUi(name, save, choice, load, delete, close_gaps, message)


class Confirmations:
    """Which set each owner pressed Delete for, and when: a second press on it within CONFIRM_SECONDS deletes."""

    def __init__(self) -> None:
        self._asked: dict[str, tuple[str, float]] = {}
        self._lock = threading.Lock()

    def confirmed(self, owner: str, name: str, now: float | None = None) -> bool:
        """True for the second press on the same set in time (the ask is used up); False asks (again)."""
        now = time.monotonic() if now is None else now
        with self._lock:
            self._asked = {o: a for o, a in self._asked.items() if now - a[1] < CONFIRM_SECONDS}
            asked = self._asked.pop(owner, None)
            if asked is not None and asked[0] == name:
                return True
            self._asked[owner] = (name, now)
            return False

    def forget(self, owner: str) -> None:
        with self._lock:
            self._asked.pop(owner, None)


def set_name(value) -> str | None:
    """The set name the page sent, or None when it is no name a set could have."""
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_NAME_SHOWN:
        return None
    return value.strip()


def wire(ctx: UiContext, ui: SetsUi, variant: str, prompt: gr.Textbox, slots: list[gr.Image]) -> None:
    private = dict(api_visibility="private", show_progress="hidden")

    def names(request: gr.Request):
        sets = ctx.studio.references.list(ctx.caller(request))
        return gr.update(choices=[s.name for s in sets])

    def save(name: str, request: gr.Request, *images):  # Gradio puts the request at its annotated position
        caller = ctx.caller(request)
        try:
            saved = ctx.studio.references.save(caller, name, [upload_path(i) for i in images])
        except StudioError as e:
            return gr.update(), f"**Not saved:** {e}"
        sets = [s.name for s in ctx.studio.references.list(caller)]
        return gr.update(choices=sets, value=saved.name), f"Saved **{saved.name}** ({len(saved.images)} images)."

    def load(name: str | None, request: gr.Request):
        try:
            images = ctx.studio.references.get(ctx.caller(request), name or "").images
        except StudioError as e:
            return *[gr.update()] * len(slots), f"**Not loaded:** {e}"
        shown = [serve(p) for p in images[:len(slots)]]
        note = (f" Only the first {len(slots)} of its {len(images)} images fit here."
                if len(images) > len(slots) else "")
        return *shown, *[None] * (len(slots) - len(shown)), f"Loaded **{name}**.{note}"

    def close_gaps(text: str, *images):
        try:
            text, kept = ctx.studio.advice.close_gaps(variant, text, [upload_path(i) for i in images])
        except StudioError as e:
            return gr.update(), *[gr.update()] * len(slots), f"**Gaps not closed:** {e}"
        return text, *kept, *[None] * (len(slots) - len(kept)), "Pictures moved up; the prompt's tokens follow them."

    asked = Confirmations()

    def delete(name, request: gr.Request):
        caller = ctx.caller(request)
        name = set_name(name)
        if name is None:
            asked.forget(caller.owner)
            return gr.update(), gr.update(value=DELETE_LABEL), "**Not deleted:** pick one of your sets first."
        try:
            found = ctx.studio.references.get(caller, name)  # the caller's own sets only
        except StudioError as e:
            asked.forget(caller.owner)
            return gr.update(), gr.update(value=DELETE_LABEL), f"**Not deleted:** {e}"
        if not asked.confirmed(caller.owner, found.name):
            ask = (f"Delete **{found.name}** ({len(found.images)} images)? Press the red button again within "
                   f"{CONFIRM_SECONDS} s to delete it; the slots keep what they show.")
            return gr.update(), gr.update(value=f"Yes, delete “{found.name}”"), ask
        try:
            ctx.studio.references.delete(caller, found.name)
        except StudioError as e:
            return gr.update(), gr.update(value=DELETE_LABEL), f"**Not deleted:** {e}"
        left = [s.name for s in ctx.studio.references.list(caller)]
        return (gr.update(choices=left, value=None), gr.update(value=DELETE_LABEL),
                f"Deleted **{found.name}**. The slots keep what they show.")

    def rearm(request: gr.Request):
        caller = ctx.caller_or_none(request)
        if caller:
            asked.forget(caller.owner)
        return gr.update(value=DELETE_LABEL)

    ui.choice.focus(names, None, ui.choice, **private)
    ui.delete.click(delete, ui.choice, [ui.choice, ui.delete, ui.message], preprocess=False, **private)
    ui.choice.change(rearm, None, ui.delete, **private)  # another set chosen: Delete asks again
    ui.save.click(save, [ui.name, *slots], [ui.choice, ui.message], preprocess=False, **private)
    ui.load.click(load, ui.choice, [*slots, ui.message], **private)
    ui.close_gaps.click(close_gaps, [prompt, *slots], [prompt, *slots, ui.message], preprocess=False, **private)
