"""Reference slots' helpers: save the filled slots as a named set, load a set, close gaps.

Slots keep the numbers shown on screen; "Close gaps" is the explicit way to
move pictures up, and it renumbers the prompt's tokens with them.
"""

from __future__ import annotations

from dataclasses import dataclass

import gradio as gr

from studio.errors import StudioError
from studio.ui.context import UiContext, serve, upload_path


@dataclass
class SetsUi:
    name: gr.Textbox
    save: gr.Button
    choice: gr.Dropdown
    load: gr.Button
    close_gaps: gr.Button
    message: gr.Markdown


def render() -> SetsUi:
    with gr.Accordion("Reference sets: save or load a character or product", open=False):
        with gr.Row(equal_height=True):
            name = gr.Textbox(label="Set name", placeholder="e.g. Captain Mara", max_lines=1, scale=3)
            save = gr.Button("Save filled slots as a set", size="sm", scale=1)
        with gr.Row(equal_height=True):
            choice = gr.Dropdown([], label="Your sets", value=None, scale=3,
                                 info="Loading fills the slots from 1 and replaces what is in them.")
            load = gr.Button("Load set into the slots", size="sm", scale=1)
        close_gaps = gr.Button("Close gaps (move pictures up, renumber the prompt)", size="sm")
        message = gr.Markdown()
    return SetsUi(name, save, choice, load, close_gaps, message)


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

    ui.choice.focus(names, None, ui.choice, **private)
    ui.save.click(save, [ui.name, *slots], [ui.choice, ui.message], preprocess=False, **private)
    ui.load.click(load, ui.choice, [*slots, ui.message], **private)
    ui.close_gaps.click(close_gaps, [prompt, *slots], [prompt, *slots, ui.message], preprocess=False, **private)
