"""The first view is one load event: the saved draft with its length, advice, quote and Generate first, then
the gallery, the running jobs, the storyboard and the own key's status.

One event, two answers: the handler yields the form as soon as the draft is read (its header carries
data-hh-draft-back, and assets/studio.js then marks <html data-hh-draft>, which lets the form take clicks),
and the rest once the gallery is drawn. The quotes of the tabs not shown are made when a tab is opened
(studio.ui.form), not on load.
"""

from __future__ import annotations

from collections.abc import Callable

import gradio as gr

from studio.ui import draft, form, storyboard
from studio.ui.context import UiContext
from studio.ui.controls import TabUi, notes_text
from studio.ui.live import Redraw

DRAFT_BACK = '<span hidden data-hh-draft-back="1"></span>'


def wire(ctx: UiContext, demo: gr.Blocks, tabs: list[TabUi], header: gr.HTML, header_html: Callable[..., str],
         redraw: Redraw, story: storyboard.StoryboardUi, own_key=None,
         restorers: tuple[tuple[Callable[[gr.Request], dict], list], ...] = ()) -> None:
    """restorers: (restore(request) -> {component: value}, its outputs) of panels put back after the gallery."""
    fields = [c for tab in tabs for c in tab.inputs]
    checks = [c for tab in tabs for c in (tab.notes, tab.result.quote, tab.result.button)]
    extra = ([own_key.status] if own_key is not None else []) + [c for _, outs in restorers for c in outs]
    outputs = list(dict.fromkeys([*fields, *checks, header, *redraw.outputs, *extra]))
    at_shots = len(redraw.inputs) - 1
    assert redraw.inputs[at_shots] is story.shots

    def first_view(request: gr.Request, *values):
        caller = ctx.caller_or_none(request)
        stored = ctx.studio.gallery.draft(caller) if caller else {}
        back = draft.restored(stored, tabs)
        out = dict(back)
        for n, tab in enumerate(tabs):  # the open tab (the first) is checked in full; the others counted
            shown = form.shown_values(tab, back)
            if n == 0:
                out |= form.checked(tab, shown)
            else:
                out[tab.notes] = notes_text(shown[tab.inputs.index(tab.prompt)])
        out[header] = header_html(caller) + DRAFT_BACK
        yield out
        rest = storyboard.restored(ctx, story, caller, stored) if caller else {}
        values = list(values)
        values[at_shots] = rest.get(story.shots, values[at_shots])
        rest |= redraw.run(*values, request=request)
        if own_key is not None:
            rest[own_key.status] = own_key.restore(request)
        for restore, _ in restorers:
            rest |= restore(request)
        yield rest

    demo.load(first_view, redraw.inputs, outputs, api_visibility="private", show_progress="hidden",
              api_name="first_view")
