"""Text to video: a prompt (typed or built from cinematic vocabulary), shape, quote, Generate."""

from __future__ import annotations

import gradio as gr

from studio.ui import advice_view, builder
from studio.ui.context import UiContext
from studio.ui.controls import TabUi, priced, prompt_box, quote_text, result_area, shape_controls
from studio.variants import Variant

EXAMPLE = ("Slow tracking shot following a woman walking through morning fog on a cobblestone street, "
           "warm side-lighting from shop windows, shallow depth of field")


def render(ctx: UiContext) -> TabUi:
    with gr.Tab("Text to video", id="t2v"):
        prompt, counter = prompt_box("Prompt", f"e.g. {EXAMPLE}")
        advice = advice_view.render()
        builder.render("t2v", prompt)
        advice_view.api_endpoint(ctx)
        shape = shape_controls(Variant.T2V)
        result = result_area("Text to video")

    inputs = [prompt, shape.resolution, shape.ratio, shape.duration, shape.watermark, shape.seed]

    def quote(prompt, resolution, ratio, duration, watermark, seed):
        return quote_text(ctx, Variant.T2V, prompt=prompt, resolution=resolution, ratio=ratio,
                          duration=duration, watermark=watermark, seed=seed)

    @priced
    async def text_to_video(prompt: str, resolution: str = "720P", ratio: str = "16:9", duration: int = 5,
                            watermark: bool = False, seed: int | None = None, request: gr.Request = None,
                            progress=gr.Progress()):
        """Make a video clip from a text prompt with HappyHorse 1.0 (text to video).

        {cost}

        Args:
            prompt: what the shot shows: subject, action, camera move, light and style; up to 5000 characters (required)
            resolution: "720P" (cheaper, for drafts) or "1080P"; default "720P"
            ratio: aspect ratio "16:9", "9:16", "1:1", "4:3" or "3:4"; default "16:9"
            duration: length in whole seconds, 3 to 15, billed per second; default 5
            watermark: true adds the provider's mark bottom right; default false
            seed: whole number 0 to 2147483647 to repeat a take; omit (None) for random
        Returns:
            The MP4 clip and the job record (id, state, seed, quote_usd, cost_usd, preview, output_path...).
        """
        return await ctx.generate("t2v", request, progress, prompt=prompt, resolution=resolution, ratio=ratio,
                                  duration=duration, watermark=watermark, seed=seed)

    advise = advice_view.follower(ctx, "t2v", inputs, prompt, shape.resolution)
    return TabUi("text_to_video", result, inputs, text_to_video, quote, prompt, counter, advice, advise)
