"""The finished clip's next steps, in its detail panel: one clip leads to the next (issue 8's service methods).

"Continue this shot": one click puts the clip's last frame in Image to
video's first frame with its prompt and model (where the model makes
image-to-video). Frame (on screen at the player's position, or the last one) to Image to
video's first frame, to a chosen reference slot, or as a PNG; send the clip
to Video edit (with the trim offer); load its settings into its tab; the
1080P final with both costs; variations with one quote; add it to the
storyboard. Files handed to a tab go through serve(), so Gradio copies them
into its own upload folder and the tab's checks accept them.
"""

from __future__ import annotations

import inspect as pyinspect
import math
import re

import gradio as gr

from studio import model_choice, models
from studio.chain import EDIT_SECONDS
from studio.errors import StudioError
from studio.jobs.model import Job
from studio.variants import Variant
from studio.service import Caller
from studio.ui.compat import event_data
from studio.ui.context import UiContext, serve, user_error
from studio.ui.controls import TabUi
from studio.ui.tiles import esc
from studio.ui.words import title

TAB_OF = {"t2v": "text_to_video", "i2v": "image_to_video", "r2v": "reference_to_video", "edit": "video_edit"}
SLOTS = [(f"Reference to video · image {n}", f"reference_to_video:image_{n}") for n in range(1, 10)] + \
        [(f"Video edit · reference {n}", f"video_edit:reference_{n}") for n in range(1, 6)]


def chain_html(ctx: UiContext, caller: Caller, job: Job) -> str:
    """The next shots from a finished clip, as plain controls in the viewer's body (studio.ui.detail): its
    buttons send `select` events with the frame, slot and trim the user set (assets/detail.js), and the
    storyboard's `submit`; the costs are quoted on the buttons."""
    usable = job.request.variant.value in TAB_OF
    parts = ['<section class="hh-chain" id="hh-chain" aria-labelledby="hh-chain-h">'
             '<h3 id="hh-chain-h" class="hh-chain-title">Make the next shot from this clip</h3>']
    parts.append('<button type="button" class="hh-dbtn hh-primary" data-act="continue" id="hh-continue">'
                 'Continue this shot from its last frame (Image to video)</button>')
    if usable:
        if job.request.resolution != "1080P":  # a 1080P clip is its own final
            try:
                final = ctx.studio.chain.offer_final(caller, job.id).quote
            except StudioError as e:  # no final can be made of it: say why instead of a button
                parts.append(f'<p class="hh-note">No 1080P final: {esc(str(e))}</p>')
            else:
                free = " · free here" if job.is_test else ""
                parts.append(f'<button type="button" class="hh-dbtn hh-primary" data-act="final" id="hh-final">'
                             f'Final at 1080P, same seed · ${final.total:.2f} (the draft was '
                             f'${final.draft.total:.2f}){free}</button>')
        counts = "".join(f'<label><input type="radio" name="count" value="{n}"{" checked" if n == 2 else ""}> '
                         f'{n}</label>' for n in (2, 3, 4))
        parts.append(f'<div class="hh-actions"><fieldset class="hh-radios" id="hh-takes-count">'
                     f'<legend>Variations, new seeds</legend>{counts}</fieldset>'
                     f'<button type="button" class="hh-dbtn" data-act="variations" id="hh-variations" '
                     f'data-quote="{job.quote_usd:.4f}" data-test="{int(job.is_test)}">'
                     f'Make 2 variations · {esc(money(job.quote_usd * 2, job))}</button></div>')
    slots = "".join(f'<option value="{esc(v)}">{esc(k)}</option>' for k, v in SLOTS)
    parts.append(
        '<fieldset class="hh-frame"><legend>Frame</legend><div class="hh-radios" id="hh-which">'
        '<label><input type="radio" name="which" value="now" checked> Frame on screen now</label>'
        '<label><input type="radio" name="which" value="last"> Last frame</label></div>'
        '<div class="hh-actions">'
        '<button type="button" class="hh-dbtn" data-act="to_first" id="hh-to-first">Use as first frame '
        '(Image to video)</button>'
        '<button type="button" class="hh-dbtn" data-act="as_png" id="hh-png">Save as PNG</button></div>'
        f'<div class="hh-actions"><select id="hh-slot-pick" name="slot" aria-label="Reference slot">{slots}</select>'
        '<button type="button" class="hh-dbtn" data-act="to_slot" id="hh-to-slot">Put in this slot</button></div>'
        '</fieldset>'
        '<div class="hh-actions hh-trim">'
        '<label>Trim from (s) <input type="number" name="trim_in" min="0" step="0.1" placeholder="0"></label>'
        '<label>to (s) <input type="number" name="trim_out" min="0" step="0.1" placeholder="end"></label>'
        '<button type="button" class="hh-dbtn" data-act="to_edit" id="hh-to-edit">Send to Video edit</button></div>'
        '<p class="hh-note">Trim 0 to 0 (or empty): the whole clip.</p>'
        '<button type="button" class="hh-dbtn" data-act="story" id="hh-add-story">Add to storyboard</button>'
        '</section>')
    return "".join(parts)


CARRIED = ("prompt", "resolution", "watermark")  # the length is the new shot's (and the model picker's) own
AT_IMAGE = re.compile(r"\s*@image\d\b", re.IGNORECASE)


def continued(fields: dict, variant: Variant, backend: str) -> tuple[dict, list[str]]:
    """What "Continue this shot" carries from a clip's loaded settings into Image to video, and what it
    leaves behind, in words: the prompt (an edit's instruction and a storyboard have none to carry; the
    @image names of reference-to-video mean nothing without the references), the model only where it
    makes image-to-video on this backend, and the shape settings. The seed is left to chance: a new shot."""
    out, notes = {}, []
    if variant in (Variant.T2V, Variant.I2V, Variant.R2V):
        prompt = fields.get("prompt") or ""
        if variant is Variant.R2V and AT_IMAGE.search(prompt):
            prompt = " ".join(AT_IMAGE.sub("", prompt).split())
            notes.append("The prompt's @image names are left out: Image to video has no reference images.")
        out |= {k: (prompt if k == "prompt" else fields[k]) for k in CARRIED if fields.get(k) is not None}
    model = fields.get("model")
    if model:
        try:
            fam = models.family(model)
        except StudioError:
            fam = None
        if fam and model_choice.has(fam, Variant.I2V, backend):
            out["model"] = model
            for key in ("negative_prompt", "prompt_extend"):
                if fields.get(key) is not None:
                    out[key] = fields[key]
        elif fam:
            notes.append(f"{fam.label} makes no image to video here: the tab keeps its own model.")
    return out, notes


def money(amount: float, job: Job) -> str:
    """A quoted amount; on a free backend, what it would cost on HappyHorse."""
    return f"free here (≈ ${amount:.2f} on HappyHorse)" if job.is_test else f"≈ ${amount:.2f}"


def tab_fields(tab: TabUi) -> list[str]:
    """The names of a tab's inputs, in order (its generate endpoint's parameters)."""
    return list(pyinspect.signature(tab.generate).parameters)[:len(tab.inputs)]


def notes_html(note: str = "", offer: str = "", png: str | None = None) -> str:
    """What a chain action left in the viewer: the frame's PNG to download, the edit's price and trim offer."""
    parts = []
    if png:
        parts.append(f'<p id="hh-png-file"><a href="{esc(png)}" download>{esc(png.rsplit("/", 1)[-1])}</a> '
                     '· the frame as a PNG</p>')
    if note:
        parts.append(f'<p class="hh-note">{esc(note)}</p>')
    if offer:
        parts.append(f'<button type="button" class="hh-dbtn hh-primary" data-act="trim_first" id="hh-trim-first">'
                     f'{esc(offer)}</button>')
    return "".join(parts)


def _time(value) -> float | None:
    try:
        x = float(value)
    except (TypeError, ValueError):
        return None
    return x if math.isfinite(x) and x >= 0 else None


def wire(ctx: UiContext, body: gr.HTML, notes: gr.HTML, selected: gr.State, tabs: list[TabUi],
         tab_box: gr.Tabs, redraw_after) -> None:
    """Each action is one click (the viewer's `select` events); tab-filling actions switch to the tab they
    filled. What the browser sends (frame time, which frame, slot, trims) is checked here."""
    by_name = {t.api_name: t for t in tabs}
    private = {"api_visibility": "private", "show_progress": "minimal"}
    tab_outputs = [c for t in tabs for c in t.inputs] + [tab_box]
    slot_names = dict((v, k) for k, v in SLOTS)

    def frame_of(caller, job_id, data):
        at = None if data.get("which") == "last" else _time(data.get("at"))
        return ctx.studio.chain.grab_frame(caller, job_id, at)

    def to_first(caller, job_id, data):
        path = serve(str(frame_of(caller, job_id, data)))
        gr.Info("The frame is Image to video's first frame now: say what happens next, then Generate.", duration=5)
        return {_component(by_name, "image_to_video", "first_frame"): path, tab_box: gr.Tabs(selected="i2v")}

    def continue_shot(caller, job_id, data):
        """The last frame as Image to video's first frame, with what the model allows carried over."""
        path = serve(str(ctx.studio.chain.grab_frame(caller, job_id, None)))
        job = ctx.studio.core.job(caller, job_id)
        try:
            loaded = ctx.studio.chain.load_settings(caller, job_id)
            carried, notes = continued(loaded.fields, loaded.variant, ctx.studio.settings.backend)
        except StudioError:  # a storyboard or an edit: the frame alone
            carried, notes = {}, []
        tab = by_name["image_to_video"]
        fields = dict(zip(tab_fields(tab), tab.inputs))
        out = {fields[k]: v for k, v in carried.items() if k in fields}
        out |= {fields["first_frame"]: path, fields["seed"]: "", tab_box: gr.Tabs(selected="i2v")}
        for note in notes:
            gr.Warning(note)
        what = "its last frame" + (", prompt" if carried.get("prompt") else "") + \
            (", model" if "model" in carried else "") + (f" and {carried['resolution']}" if "resolution" in carried else "")
        gr.Info(f"Continuing “{title(job, 40)}”: Image to video has "
                f"{what}. Say what happens next, then Generate.", duration=6)
        return out

    def to_slot(caller, job_id, data):
        slot = data.get("slot")
        if slot not in slot_names:
            raise gr.Error("Pick a reference slot first.", print_exception=False)
        tab_name, field = slot.split(":")
        path = serve(str(frame_of(caller, job_id, data)))
        gr.Info(f"The frame is in {slot_names[slot]} now.", duration=5)
        return {_component(by_name, tab_name, field): path,
                tab_box: gr.Tabs(selected="r2v" if tab_name == "reference_to_video" else "edit")}

    def as_png(caller, job_id, data):
        return {notes: notes_html(png=ctx.url(notes, str(frame_of(caller, job_id, data))))}

    def load_settings(caller, job_id, data):
        loaded = ctx.studio.chain.load_settings(caller, job_id)
        tab = by_name[TAB_OF[loaded.variant.value]]
        values = _values(loaded.fields, loaded.seed_used)
        for note in loaded.notes:
            gr.Warning(note)
        gr.Info(f"Loaded job {job_id}'s prompt and settings (seed {'random' if loaded.seed_used is None else loaded.seed_used}): change them, then Generate.",
                duration=5)
        return {c: values[name] for c, name in zip(tab.inputs, tab_fields(tab)) if name in values} | \
            {tab_box: gr.Tabs(selected=loaded.variant.value)}

    def to_edit(caller, job_id, data, start=None, end=None):
        if start is None and end is None:
            start, end = _time(data.get("trim_in")) or None, _time(data.get("trim_out")) or None  # 0 to 0: all
        source = ctx.studio.chain.send_to_edit(caller, job_id, start, end)
        gr.Info("The clip is Video edit's source now: write the instruction, then Generate.", duration=5)
        job = ctx.studio.core.job(caller, job_id)
        offer = (f"Trim to the first {EDIT_SECONDS:g} s · {money(source.quote_if_first_15, job)} instead of "
                 f"{money(source.untrimmed_quote.total, job)}") if source.trim_suggested else ""
        return {_component(by_name, "video_edit", "video"): gr.update(value=serve(str(source.video)), visible=True),
                tab_box: gr.Tabs(selected="edit"), notes: notes_html(source.describe(), offer)}

    def trim_first(caller, job_id, data):
        return to_edit(caller, job_id, data, 0.0, EDIT_SECONDS)

    acts = {"continue": continue_shot, "to_first": to_first, "to_slot": to_slot, "as_png": as_png, "load": load_settings,
            "to_edit": to_edit, "trim_first": trim_first}

    def run(job_id, evt: gr.EventData, request: gr.Request):
        data = event_data(evt)
        fn = acts.get(data.get("act"))
        if fn is None:
            return {}
        caller = ctx.caller(request)
        if not job_id:
            raise gr.Error("Open a clip first.", print_exception=False)
        try:
            return fn(caller, job_id, data)
        except StudioError as e:
            raise user_error(e, "Not done") from None

    for block in (body, notes):
        redraw_after(block.select(run, selected, [*tab_outputs, notes], **private))


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
