"""Video edit: change a clip by instruction, with up to five references and an audio mode."""

from __future__ import annotations

import gradio as gr

from studio import model_choice, models, pricing
from studio.errors import StudioError
from studio.media import inspect
from studio.ui import advice_view, builder, reference_sets
from studio.ui.context import UiContext, upload_path
from studio.ui.controls import image_input, priced, TabUi, prompt_box, quote_text, result_area, shape_controls
from studio.ui.files import refuse_text, video_upload
from studio.variants import EDIT_OUTPUT_MAX_SECONDS, MAX_REFERENCES, AudioMode, Variant, slot_label

SLOTS = MAX_REFERENCES["edit"]
AUDIO_CHOICES = [("Auto: the model decides", AudioMode.AUTO.value),
                 ("Retain the source sound", AudioMode.RETAIN.value),
                 ("Remove sound", AudioMode.REMOVE.value)]


def source_facts(upload) -> str:
    try:
        path = upload_path(upload, "Source video")
    except StudioError as e:
        return f"**{e}**"
    if not path:
        return "Upload the clip to edit: MP4 or MOV, 3 to 60 s, up to 100 MB."
    try:
        info = inspect.check_source_video(path)
    except StudioError as e:
        return f"**This clip can't be used:** {e}"
    out = min(info.duration, EDIT_OUTPUT_MAX_SECONDS)
    billed = pricing.billable_seconds(info.duration) + pricing.billable_seconds(out)
    sound = "with sound" if info.audio_codec else "no sound"
    return (f"Source {info.width}×{info.height}, {info.duration:.1f} s, {info.fps:.0f} fps, {sound}. "
            f"The edit covers {out:.0f} s; billed {billed} s (input + output).")


def model_note(backend: str) -> str:
    """Which model edits run on, and why not the newest (from the catalogue's own words)."""
    fam = models.family(model_choice.default_model(Variant.EDIT, backend))
    newest = models.family(model_choice.default_model(Variant.T2V, backend))
    if newest.id == fam.id:
        return f"Model: **{fam.label}**, at its prices."
    why = newest.missing.get("edit", f"{newest.label} has no video edit")
    return (f"Model: **{fam.label}**. Edits run on {fam.label} because {why}: {newest.label} makes text, image "
            f"and reference to video only. The quote uses {fam.label}'s prices.")


def render(ctx: UiContext) -> TabUi:
    backend = ctx.studio.settings.backend
    with gr.Tab("Video edit", id="edit") as tab:
        # Drawn when the tab first opens: a Video on the page loads Gradio's video player and hls.js (about
        # 550 KB of script, as much as the rest of the page) even in a tab not shown (#22)
        video = video_upload(label="Source clip", sources=["upload"], height=240, visible=False)
        facts = gr.Markdown(source_facts(None))
        prompt, notes = prompt_box("Instruction", "e.g. make the lighting warmer; replace the blue car with a red one",
                               lines=3)
        builder.render("edit", prompt)
        gr.Markdown("Optional: up to five reference images to guide the edit (a person, a place, a product).")
        with gr.Row(equal_height=True):
            refs = [image_input(slot_label(Variant.EDIT, i), height=120, min_width=90, elem_classes=["hh-slot"])
                    for i in range(1, SLOTS + 1)]
        sets = reference_sets.render("edit")
        # the note first: the sound and shape fields after it are one run of form fields, one Form (#22)
        gr.Markdown(model_note(backend), elem_classes=["hh-model-note"])
        audio = gr.Radio(AUDIO_CHOICES, value=AudioMode.AUTO.value, label="Sound",
                         info="Remove is done by the studio after the edit, at no extra cost.")
        shape = shape_controls(Variant.EDIT)
        result = result_area("Video edit")

    # "multiple": the form's own listener is the one deferred listener on this input (see studio.ui.form)
    tab.select(lambda: gr.update(visible=True), None, video, queue=False, api_visibility="private",
               show_progress="hidden")
    video.change(source_facts, video, facts, api_visibility="private", show_progress="hidden", preprocess=False,
                 trigger_mode="multiple")
    inputs = [video, prompt, *refs, audio, shape.resolution, shape.watermark, shape.seed]

    def quote(video, prompt, *rest):
        refs, (audio, resolution, watermark, seed) = rest[:SLOTS], rest[SLOTS:]
        return quote_text(ctx, Variant.EDIT, video=video, prompt=prompt, references=list(refs), audio=audio,
                          resolution=resolution, watermark=watermark, seed=seed)

    @priced(model_ids=[model_choice.default_model(Variant.EDIT, backend)])
    async def video_edit(video: str, prompt: str, reference_1: str | None = None, reference_2: str | None = None,
                         reference_3: str | None = None, reference_4: str | None = None,
                         reference_5: str | None = None, audio: str = "auto", resolution: str = "720P",
                         watermark: bool = False, seed: int | None = None, request: gr.Request = None,
                         progress=gr.Progress()):
        """Change an existing clip by instruction, optionally guided by up to 5 reference images (video edit, on
        HappyHorse 1.0: there is no 1.1 edit).

        {cost} An edit bills the source seconds plus the output seconds (the output is at most 15 s).

        Args:
            video: the clip to edit, as handle_file("clip.mp4") (a local file; links are not fetched): MP4 or MOV, 3 to 60 s, up to 100 MB (required)
            prompt: the change to make, e.g. "make the lighting warmer"; up to 5000 characters (required)
            reference_1: a reference image guiding the edit (optional), as handle_file("a.png")
            reference_2: another reference image (optional)
            reference_3: another reference image (optional)
            reference_4: another reference image (optional)
            reference_5: another reference image (optional)
            audio: "auto" (the model decides), "retain" (keep the source sound) or "remove" (silent, free); default "auto"
            resolution: "720P" (cheaper, for drafts) or "1080P"; default "720P"
            watermark: true adds the provider's mark bottom right; default false
            seed: whole number 0 to 2147483647 to repeat a take; omit (None) for random
        Returns:
            The MP4 clip and the job record (id, state, seed, quote_usd, cost_usd, preview, output_path...).
        """
        refs = [reference_1, reference_2, reference_3, reference_4, reference_5]
        refuse_text(video=video, **{f"reference_{n}": r for n, r in enumerate(refs, 1)})
        return await ctx.generate("edit", request, progress, video=video, prompt=prompt, references=refs,
                                  audio=audio, resolution=resolution, watermark=watermark, seed=seed)

    advise = advice_view.follower(ctx, "edit", inputs, prompt, shape.resolution, references=refs)
    reference_sets.wire(ctx, sets, "edit", prompt, refs)
    return TabUi("video_edit", result, inputs, video_edit, quote, prompt, notes, advise)
