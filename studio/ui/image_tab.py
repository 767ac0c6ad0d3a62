"""Image to video: a first frame sets the shape and look; the prompt calls the action."""

from __future__ import annotations

import gradio as gr

from studio.errors import StudioError
from studio.media import inspect
from studio.ui import advice_view, builder
from studio.ui.context import UiContext, upload_path
from studio.ui.controls import image_input, TabUi, prompt_box, quote_text, result_area, shape_controls
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
        prompt, _ = prompt_box("Prompt (optional)", "What happens: the camera pulls back, wind picks up, light shifts",
                               lines=3)
        advice = advice_view.render()
        builder.render("i2v", prompt)
        shape = shape_controls(Variant.I2V)
        result = result_area("Image to video")

    frame.change(frame_facts, frame, facts, api_visibility="private", show_progress="hidden", preprocess=False)
    inputs = [frame, prompt, shape.resolution, shape.duration, shape.watermark, shape.seed]

    def quote(frame, prompt, resolution, duration, watermark, seed):
        return quote_text(ctx, Variant.I2V, first_frame=frame, prompt=prompt, resolution=resolution,
                          duration=duration, watermark=watermark, seed=seed)

    async def image_to_video(first_frame: str, prompt: str = "", resolution: str = "720P", duration: float = 5,
                             watermark: bool = False, seed: str = "", request: gr.Request = None,
                             progress=gr.Progress()):
        """Animate from a first frame. Returns the MP4 and the job record."""
        return await ctx.generate("i2v", request, progress, first_frame=first_frame, prompt=prompt,
                                  resolution=resolution, duration=duration, watermark=watermark, seed=seed)

    advice_view.wire(ctx, advice, "i2v", prompt, shape.resolution, first_frame=frame)
    return TabUi("image_to_video", result, inputs, image_to_video, quote)
