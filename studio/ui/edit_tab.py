"""Video edit: change a clip by instruction, with up to five references and an audio mode."""

from __future__ import annotations

import gradio as gr

from studio import pricing
from studio.errors import StudioError
from studio.media import inspect
from studio.ui import advice_view, builder, reference_sets
from studio.ui.context import UiContext, upload_path
from studio.ui.controls import image_input, TabUi, prompt_box, quote_text, result_area, shape_controls
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


def render(ctx: UiContext) -> TabUi:
    with gr.Tab("Video edit", id="edit"):
        video = gr.Video(label="Source clip", sources=["upload"], height=240)
        facts = gr.Markdown(source_facts(None))
        prompt, _ = prompt_box("Instruction", "e.g. make the lighting warmer; replace the blue car with a red one",
                               lines=3)
        advice = advice_view.render()
        builder.render("edit", prompt)
        gr.Markdown("Optional: up to five reference images to guide the edit (a person, a place, a product).")
        with gr.Row(equal_height=True):
            refs = [image_input(slot_label(Variant.EDIT, i), height=120, min_width=90, elem_classes=["hh-slot"])
                    for i in range(1, SLOTS + 1)]
        sets = reference_sets.render()
        audio = gr.Radio(AUDIO_CHOICES, value=AudioMode.AUTO.value, label="Sound",
                         info="Remove is done by the studio after the edit, at no extra cost.")
        shape = shape_controls(Variant.EDIT)
        result = result_area("Video edit")

    video.change(source_facts, video, facts, api_visibility="private", show_progress="hidden", preprocess=False)
    inputs = [video, prompt, *refs, audio, shape.resolution, shape.watermark, shape.seed]

    def quote(video, prompt, *rest):
        refs, (audio, resolution, watermark, seed) = rest[:SLOTS], rest[SLOTS:]
        return quote_text(ctx, Variant.EDIT, video=video, prompt=prompt, references=list(refs), audio=audio,
                          resolution=resolution, watermark=watermark, seed=seed)

    async def video_edit(video: str, prompt: str, reference_1: str | None = None, reference_2: str | None = None,
                         reference_3: str | None = None, reference_4: str | None = None,
                         reference_5: str | None = None, audio: str = "auto", resolution: str = "720P",
                         watermark: bool = False, seed: str = "", request: gr.Request = None,
                         progress=gr.Progress()):
        """Edit a clip by instruction. audio: auto, retain or remove. Returns the MP4 and the job record."""
        refs = [reference_1, reference_2, reference_3, reference_4, reference_5]
        return await ctx.generate("edit", request, progress, video=video, prompt=prompt, references=refs,
                                  audio=audio, resolution=resolution, watermark=watermark, seed=seed)

    advice_view.wire(ctx, advice, "edit", prompt, shape.resolution, references=refs)
    reference_sets.wire(ctx, sets, "edit", prompt, refs)
    return TabUi("video_edit", result, inputs, video_edit, quote)
