"""Text to video: a prompt (typed or built from cinematic vocabulary), shape, quote, Generate."""

from __future__ import annotations

import gradio as gr

from studio.ui import advice_view, builder, model_picker
from studio.ui.context import UiContext
from studio.ui.controls import TabUi, priced, prompt_box, quote_text, result_area, shape_controls
from studio.variants import Variant

EXAMPLE = ("Slow tracking shot following a woman walking through morning fog on a cobblestone street, "
           "warm side-lighting from shop windows, shallow depth of field")


def render(ctx: UiContext) -> TabUi:
    with gr.Tab("Text to video", id="t2v"):
        prompt, notes = prompt_box("Prompt", f"e.g. {EXAMPLE}")
        builder.render("t2v", prompt)
        advice_view.api_endpoint(ctx)
        backend = ctx.studio.settings.backend
        picker = model_picker.render(Variant.T2V, backend)
        shape = shape_controls(Variant.T2V, picker.model.value)
        result = result_area("Text to video", compare="t2v")

    # the model's three inputs come last: API callers that name none keep working, on the default model
    inputs = [prompt, shape.resolution, shape.ratio, shape.duration, shape.watermark, shape.seed, *picker.inputs]

    def fields(prompt, resolution, ratio, duration, watermark, seed, model=None, negative_prompt=None,
               prompt_extend=None) -> dict:
        return dict(prompt=prompt, resolution=resolution, ratio=ratio, duration=duration, watermark=watermark,
                    seed=seed, model=model, negative_prompt=negative_prompt, prompt_extend=prompt_extend)

    def quote(*values):
        return quote_text(ctx, Variant.T2V, **fields(*values))

    @priced(variant=Variant.T2V, backend=backend)
    async def text_to_video(prompt: str, resolution: str = "720P", ratio: str = "16:9", duration: int = 5,
                            watermark: bool = False, seed: int | None = None, model: str | None = None,
                            negative_prompt: str | None = None, prompt_extend: bool | None = None,
                            request: gr.Request = None, progress=gr.Progress()):
        """Make a video clip from a text prompt, on HappyHorse 1.1 unless another model is named (text to video).

        {cost}

        Args:
            prompt: what the shot shows: subject, action, camera move, light and style; up to 5000 characters (required)
            resolution: "720P" (cheaper, for drafts) or "1080P"; default "720P"
            ratio: aspect ratio, one the model takes: {ratios}; default "16:9"
            duration: length in whole seconds, {durations}, billed per second; default 5
            watermark: true adds the provider's mark bottom right; default false
            seed: whole number 0 to 2147483647 to repeat a take; omit (None) for random
            {models}
        Returns:
            The MP4 clip and the job record (id, state, seed, quote_usd, cost_usd, preview, output_path...).
        """
        return await ctx.generate("t2v", request, progress, prompt=prompt, resolution=resolution, ratio=ratio,
                                  duration=duration, watermark=watermark, seed=seed, model=model,
                                  negative_prompt=negative_prompt, prompt_extend=prompt_extend)

    model_picker.wire(picker, shape.ratio, shape.duration)
    advise = advice_view.follower(ctx, "t2v", inputs, prompt, shape.resolution,
                                  model_problem=model_picker.follower(inputs, picker, shape.resolution, shape.ratio,
                                                                      shape.duration))
    return TabUi("text_to_video", result, inputs, text_to_video, quote, prompt, notes, advise, "t2v", fields)
