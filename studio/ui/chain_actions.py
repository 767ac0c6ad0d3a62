"""The finished clip's next steps, in its detail panel: one clip leads to the next (issue 8's service methods).

Frame (on screen at the player's position, or the last one) to Image to
video's first frame, to a chosen reference slot, or as a PNG; send the clip
to Video edit (with the trim offer); load its settings into its tab; the
1080P final with both costs; variations with one quote; add it to the
storyboard. Files handed to a tab go through serve(), so Gradio copies them
into its own upload folder and the tab's checks accept them.
"""

from __future__ import annotations

import inspect as pyinspect
from dataclasses import dataclass

import gradio as gr

from studio.chain import EDIT_SECONDS
from studio.errors import StudioError
from studio.jobs.model import Job, JobState
from studio.service import Caller
from studio.ui.context import UiContext, serve, user_error
from studio.ui.controls import TabUi

PLAYER_TIME = """(job, at, ...rest) => {
  const v = document.querySelector('#hh-player video') || document.querySelectorAll('#hh-compare video')[1];
  return [job, v ? v.currentTime : null, ...rest];
}"""
TAB_OF = {"t2v": "text_to_video", "i2v": "image_to_video", "r2v": "reference_to_video", "edit": "video_edit"}
SLOTS = [(f"Reference to video · image {n}", f"reference_to_video:image_{n}") for n in range(1, 10)] + \
        [(f"Video edit · reference {n}", f"video_edit:reference_{n}") for n in range(1, 6)]


@dataclass
class ChainUi:
    box: gr.Column
    which: gr.Radio
    at: gr.Number
    to_first: gr.Button
    slot: gr.Dropdown
    to_slot: gr.Button
    as_png: gr.Button
    png: gr.File
    trim_in: gr.Number
    trim_out: gr.Number
    to_edit: gr.Button
    edit_note: gr.Markdown
    trim_first: gr.Button   # one click: the source trimmed to the first 15 s the model edits
    final: gr.Button
    count: gr.Radio
    variations: gr.Button
    story: gr.Button

    @property
    def outputs(self) -> list:
        return [self.box, self.final, self.count, self.variations, self.to_edit, self.edit_note, self.trim_first,
                self.png]


def render() -> ChainUi:
    with gr.Column(visible=False, elem_id="hh-chain", elem_classes=["hh-chain"]) as box:
        gr.Markdown("**Make the next shot from this clip**", elem_classes=["hh-chain-title"])
        final = gr.Button("Final at 1080P", size="sm", variant="primary", elem_id="hh-final")
        with gr.Row(elem_classes=["hh-actions"], equal_height=False):
            count = gr.Radio([2, 3, 4], value=2, label="Variations, new seeds", scale=1, min_width=200,
                             elem_id="hh-takes-count")
            variations = gr.Button("Make variations", size="sm", scale=1, elem_id="hh-variations")
        with gr.Group(elem_classes=["hh-frame"]):
            which = gr.Radio([("Frame on screen now", "now"), ("Last frame", "last")], value="now",
                             label="Frame", elem_id="hh-which")
            at = gr.Number(visible=False)
            with gr.Row(elem_classes=["hh-actions"]):
                to_first = gr.Button("Use as first frame (Image to video)", size="sm", elem_id="hh-to-first")
                as_png = gr.Button("Save as PNG", size="sm", elem_id="hh-png")
            with gr.Row(elem_classes=["hh-actions"], equal_height=True):
                slot = gr.Dropdown(SLOTS, value=SLOTS[0][1], show_label=False, container=False, scale=2,
                                   elem_id="hh-slot-pick")
                to_slot = gr.Button("Put in this slot", size="sm", scale=1, elem_id="hh-to-slot")
            png = gr.File(label="Frame (PNG)", visible=False, interactive=False, elem_id="hh-png-file")
        with gr.Row(elem_classes=["hh-actions"], equal_height=False):
            trim_in = gr.Number(label="Trim from (s)", value=None, minimum=0, scale=1, min_width=90,
                                info="0 to 0: the whole clip")
            trim_out = gr.Number(label="to (s)", value=None, minimum=0, scale=1, min_width=90)
            to_edit = gr.Button("Send to Video edit", size="sm", scale=2, elem_id="hh-to-edit")
        edit_note = gr.Markdown(elem_classes=["hh-note"])
        trim_first = gr.Button(visible=False, size="sm", variant="primary", elem_id="hh-trim-first")
        story = gr.Button("Add to storyboard", size="sm", elem_id="hh-add-story")
    return ChainUi(box, which, at, to_first, slot, to_slot, as_png, png, trim_in, trim_out, to_edit,
                   edit_note, trim_first, final, count, variations, story)


def view(ctx: UiContext, ui: ChainUi, caller: Caller, job: Job, redraw: bool = False) -> dict:
    """The chain actions for this job: only a finished clip has them; costs are quoted on the buttons.

    Drawn again for the same clip (redraw=True, as it follows the job live), what the user set or was
    offered (the frame's PNG, the edit's note and trim offer, the number of variations) stays as it is."""
    usable = job.state is JobState.SUCCEEDED and job.request.variant.value in TAB_OF
    out = {ui.box: gr.update(visible=job.state is JobState.SUCCEEDED)}
    if not redraw:
        out |= {ui.png: gr.update(value=None, visible=False), ui.edit_note: "", ui.trim_first: gr.update(visible=False)}
    if not usable:
        return out | {ui.final: gr.update(visible=False), ui.variations: gr.update(visible=False),
                      ui.count: gr.update(visible=False)}
    try:
        final = ctx.studio.chain.offer_final(caller, job.id).quote
        free = " · free here" if job.is_test else ""
        out[ui.final] = gr.update(visible=True, value=f"Final at 1080P, same seed · ${final.total:.2f} "
                                                      f"(the draft was ${final.draft.total:.2f}){free}")
    except StudioError:
        out[ui.final] = gr.update(visible=False)  # already 1080P: it is its own final
    if not redraw:
        out[ui.count] = gr.update(visible=True, value=2)
        out[ui.variations] = gr.update(visible=True, value=f"Make 2 variations · {money(job.quote_usd * 2, job)}")
    return out


def money(amount: float, job: Job) -> str:
    """A quoted amount; on a free backend, what it would cost on HappyHorse."""
    return f"free here (≈ ${amount:.2f} on HappyHorse)" if job.is_test else f"≈ ${amount:.2f}"


def tab_fields(tab: TabUi) -> list[str]:
    """The names of a tab's inputs, in order (its generate endpoint's parameters)."""
    return list(pyinspect.signature(tab.generate).parameters)[:len(tab.inputs)]


def wire(ctx: UiContext, ui: ChainUi, selected: gr.State, load: gr.Button, tabs: list[TabUi],
         tab_box: gr.Tabs, redraw_after, reopen, panel_outputs: list) -> None:
    """Each action is one click; tab-filling actions switch to the tab they filled."""
    by_name = {t.api_name: t for t in tabs}
    private = dict(api_visibility="private", show_progress="minimal")
    tab_outputs = [c for t in tabs for c in t.inputs] + [tab_box]

    def guarded(fn, paid: bool = False):
        def run(request: gr.Request, *args):
            caller = ctx.caller(request)
            try:
                return fn(caller, *args, request=request) if paid else fn(caller, *args)
            except StudioError as e:
                raise user_error(e, "Not done") from None
        return run

    def frame_of(caller, job_id, at, which):
        return ctx.studio.chain.grab_frame(caller, job_id, None if which == "last" or at is None else float(at))

    def to_first(caller, job_id, at, which):
        path = serve(str(frame_of(caller, job_id, at, which)))
        gr.Info("The frame is Image to video's first frame now: say what happens next, then Generate.", duration=5)
        return {_component(by_name, "image_to_video", "first_frame"): path, tab_box: gr.Tabs(selected="i2v")}

    def to_slot(caller, job_id, at, which, slot):
        tab_name, field = str(slot).split(":")
        path = serve(str(frame_of(caller, job_id, at, which)))
        gr.Info(f"The frame is in {dict((v, k) for k, v in SLOTS)[slot]} now.", duration=5)
        return {_component(by_name, tab_name, field): path,
                tab_box: gr.Tabs(selected="r2v" if tab_name == "reference_to_video" else "edit")}

    def as_png(caller, job_id, at, which):
        return gr.update(value=serve(str(frame_of(caller, job_id, at, which))), visible=True)

    def load_settings(caller, job_id):
        loaded = ctx.studio.chain.load_settings(caller, job_id)
        tab = by_name[TAB_OF[loaded.variant.value]]
        values = _values(loaded.fields, loaded.seed_used)
        for note in loaded.notes:
            gr.Warning(note)
        gr.Info(f"Loaded job {job_id}'s prompt and settings (seed {loaded.seed_used}): change them, then Generate.",
                duration=5)
        return {c: values[name] for c, name in zip(tab.inputs, tab_fields(tab)) if name in values} | \
            {tab_box: gr.Tabs(selected=loaded.variant.value)}

    def to_edit(caller, job_id, start, end):
        start, end = (start or None), (end or None)  # empty (or 0 to 0): the whole clip
        source = ctx.studio.chain.send_to_edit(caller, job_id, start, end)
        gr.Info("The clip is Video edit's source now: write the instruction, then Generate.", duration=5)
        job = ctx.studio.core.job(caller, job_id)
        offer = (f"Trim to the first {EDIT_SECONDS:g} s · {money(source.quote_if_first_15, job)} instead of "
                 f"{money(source.untrimmed_quote.total, job)}")
        return {_component(by_name, "video_edit", "video"): serve(str(source.video)),
                tab_box: gr.Tabs(selected="edit"), ui.edit_note: source.describe(),
                ui.trim_first: gr.update(visible=source.trim_suggested, value=offer),
                ui.trim_in: source.start if start is not None else None,
                ui.trim_out: source.end if end is not None else None}

    def trim_first(caller, job_id):
        return to_edit(caller, job_id, 0.0, EDIT_SECONDS)

    def final(caller, job_id, request=None):
        offer = ctx.studio.chain.offer_final(caller, job_id)  # what is confirmed is what is sent
        ctx.confirm_spend(caller, offer.total, offer.backend, f"final of {job_id}", request)
        (job,) = ctx.studio.chain.send(caller, offer)
        gr.Info("Making the 1080P final (same prompt and seed): it opens here and leads the gallery.", duration=5)
        return reopen(caller, job)

    def variations(caller, job_id, count, request=None):
        offer = ctx.studio.chain.offer_variations(caller, job_id, count)  # checks the count too
        ctx.confirm_spend(caller, offer.total, offer.backend, f"{len(offer.seeds)} variations of {job_id}", request)
        made = ctx.studio.chain.send(caller, offer)
        gr.Info(f"Making {len(made)} variations with new seeds: they arrive together at the top of the gallery.",
                duration=5)
        return reopen(caller, offer.parent)

    def variations_label(caller, job_id, count):
        offer = ctx.studio.chain.offer_variations(caller, job_id, count)
        return gr.update(value=f"Make {offer.quote.count} variations · {money(offer.total, offer.parent)}")

    frame_in = [selected, ui.at, ui.which]
    redraw_after(ui.to_first.click(guarded(to_first), frame_in, tab_outputs, js=PLAYER_TIME, **private))
    redraw_after(ui.to_slot.click(guarded(to_slot), [*frame_in, ui.slot], tab_outputs, js=PLAYER_TIME, **private))
    ui.as_png.click(guarded(as_png), frame_in, ui.png, js=PLAYER_TIME, **private)
    load.click(guarded(load_settings), selected, tab_outputs, **private)
    edit_outputs = [*tab_outputs, ui.edit_note, ui.trim_first, ui.trim_in, ui.trim_out]
    ui.to_edit.click(guarded(to_edit), [selected, ui.trim_in, ui.trim_out], edit_outputs, **private)
    ui.trim_first.click(guarded(trim_first), selected, edit_outputs, **private)
    redraw_after(ui.final.click(guarded(final, paid=True), selected, panel_outputs, **private))
    redraw_after(ui.variations.click(guarded(variations, paid=True), [selected, ui.count], panel_outputs, **private))
    ui.count.input(guarded(variations_label), [selected, ui.count], ui.variations, **private)


def _component(by_name: dict[str, TabUi], tab_name: str, field: str):
    tab = by_name[tab_name]
    return dict(zip(tab_fields(tab), tab.inputs))[field]


def _values(fields: dict, seed: int | None) -> dict:
    """A loaded request's fields as the values of a tab's inputs (files through serve())."""
    values = {k: v for k, v in fields.items() if k not in ("references", "first_frame", "video")}
    values["seed"] = "" if seed is None else str(seed)
    if fields.get("first_frame"):
        values["first_frame"] = serve(fields["first_frame"])
    if fields.get("video"):
        values["video"] = serve(fields["video"])
    for i, ref in enumerate(fields.get("references") or [], start=1):
        values[f"image_{i}"] = values[f"reference_{i}"] = serve(ref)
    return values
