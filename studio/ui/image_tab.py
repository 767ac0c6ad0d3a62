"""Image to video: a first frame sets the shape and look; the prompt calls the action."""

from __future__ import annotations

import gradio as gr

from studio.errors import StudioError
from studio.media import inspect
from studio.ui import advice_view, builder, model_picker
from studio.ui.context import UiContext, upload_path
from studio.ui.controls import image_input, priced, TabUi, prompt_box, quote_text, result_area, shape_controls
from studio.ui.files import refuse_text
from studio.variants import RESOLUTIONS, Variant, nearest_ratio, shape_size


def frame_facts(upload) -> str:
    """What the uploaded frame implies, or what is wrong with it."""
    try:
        path = upload_path(upload, "First frame")
    except StudioError as e:
        return f"**{e}**"
    if not path:
        return "Upload the first frame: JPEG, PNG, BMP or WEBP, each side 300 px or more, up to 10 MB."
    try:
        info = inspect.check_first_frame(path)
    except StudioError as e:
        return f"**This frame can't be used:** {e}"
    sizes = ", ".join(f"{'×'.join(map(str, shape_size(r, info.width, info.height)))} at {r}" for r in RESOLUTIONS)
    return (f"Frame {info.width}×{info.height} px ({info.format}) → a "
            f"**{nearest_ratio(info.width, info.height)}**-shaped video ({sizes}). The ratio follows the frame.")


def render(ctx: UiContext) -> TabUi:
    with gr.Tab("Image to video", id="i2v"):
        frame = image_input("First frame", height=260)
        facts = gr.Markdown(frame_facts(None))
        prompt, notes = prompt_box("Prompt (optional)", "What happens: the camera pulls back, wind picks up, light shifts",
                               lines=3)
        builder.render("i2v", prompt)
        backend = ctx.studio.settings.backend
        picker = model_picker.render(Variant.I2V, backend)
        shape = shape_controls(Variant.I2V, picker.model.value)
        result = result_area("Image to video", compare="i2v")

    # "multiple": the form's own listener is the one deferred listener on this input (see studio.ui.form)
    frame.change(frame_facts, frame, facts, api_visibility="private", show_progress="hidden", preprocess=False,
                 trigger_mode="multiple")
    # the model's three inputs come last: API callers that name none keep working, on the default model
    inputs = [frame, prompt, shape.resolution, shape.duration, shape.watermark, shape.seed, *picker.inputs]

    def fields(frame, prompt, resolution, duration, watermark, seed, model=None, negative_prompt=None,
               prompt_extend=None) -> dict:
        return dict(first_frame=frame, prompt=prompt, resolution=resolution, duration=duration, watermark=watermark,
                    seed=seed, model=model, negative_prompt=negative_prompt, prompt_extend=prompt_extend)

    def quote(*values):
        return quote_text(ctx, Variant.I2V, **fields(*values))

    @priced(variant=Variant.I2V, backend=backend)
    async def image_to_video(first_frame: str, prompt: str | None = None, resolution: str = "720P",
                             duration: int = 5, watermark: bool = False, seed: int | None = None,
                             model: str | None = None, negative_prompt: str | None = None,
                             prompt_extend: bool | None = None, request: gr.Request = None,
                             progress=gr.Progress()):
        """Animate a still image: it becomes the clip's first frame and sets its aspect ratio (image to video).

        {cost}

        Args:
            first_frame: the opening image, as handle_file("frame.png") (a local file; links are not fetched): JPEG, PNG, BMP or WEBP, each side 300 px or more, up to 10 MB (required)
            prompt: what happens from that frame: motion, camera, light; up to 5000 characters; optional
            resolution: "720P" (cheaper, for drafts) or "1080P"; default "720P"
            duration: length in whole seconds, {durations}, billed per second; default 5
            watermark: true adds the provider's mark bottom right; default false
            seed: whole number 0 to 2147483647 to repeat a take; omit (None) for random
            {models}
        Returns:
            The MP4 clip and the job record (id, state, seed, quote_usd, cost_usd, preview, output_path...).
        """
        refuse_text(first_frame=first_frame)
        return await ctx.generate("i2v", request, progress, first_frame=first_frame, prompt=prompt or "",
                                  resolution=resolution, duration=duration, watermark=watermark, seed=seed,
                                  model=model, negative_prompt=negative_prompt, prompt_extend=prompt_extend)

    model_picker.wire(picker, None, shape.duration)
    advise = advice_view.follower(ctx, "i2v", inputs, prompt, shape.resolution, first_frame=frame,
                                  model_problem=model_picker.follower(inputs, picker, shape.resolution, None,
                                                                      shape.duration))
    return TabUi("image_to_video", result, inputs, image_to_video, quote, prompt, notes, advise, "i2v",
                 fields)
