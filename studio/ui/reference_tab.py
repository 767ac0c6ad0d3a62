"""Reference to video: up to nine numbered references keep a subject consistent."""

from __future__ import annotations

import gradio as gr

from studio.ui import advice_view, builder, model_picker, reference_sets
from studio.ui.context import UiContext
from studio.ui.controls import image_input, priced, TabUi, prompt_box, quote_text, result_area, shape_controls
from studio.ui.files import refuse_text
from studio.variants import MAX_REFERENCES, Variant, slot_label

SLOTS = MAX_REFERENCES["r2v"]


def render(ctx: UiContext) -> TabUi:
    with gr.Tab("Reference to video", id="r2v"):
        token = ctx.studio.advice.reference_token
        gr.Markdown("Add 1 to 9 images of your character or product, from varied angles (720 px or more on the "
                    f"short side is best). Refer to them by number in the prompt as {token(1)}, {token(2)}…, "
                    f"e.g. *{token(1)} walks into a café*.")
        # one Row, three to a line (studio.css "hh-slots-3"): three Rows only drew the lines (#22)
        with gr.Row(equal_height=True, elem_classes=["hh-slots-3"]):
            slots = [image_input(slot_label(Variant.R2V, n), height=150, min_width=100, elem_classes=["hh-slot"])
                     for n in range(1, SLOTS + 1)]
        sets = reference_sets.render("r2v")
        prompt, notes = prompt_box("Prompt", f"{token(1)} rides a bicycle through a sunlit market, tracking shot")
        builder.render("r2v", prompt, ctx.studio.advice.reference_token(1).replace("1", "{n}"))
        backend = ctx.studio.settings.backend
        picker = model_picker.render(Variant.R2V, backend)
        shape = shape_controls(Variant.R2V, picker.model.value)
        result = result_area("Reference to video", compare="r2v")

    # the model's three inputs come last: API callers that name none keep working, on the default model
    inputs = [prompt, *slots, shape.resolution, shape.ratio, shape.duration, shape.watermark, shape.seed,
              *picker.inputs]

    def fields(prompt, *rest) -> dict:
        refs, shape = rest[:SLOTS], rest[SLOTS:]
        resolution, ratio, duration, watermark, seed, model, negative, extend = (*shape, None, None, None)[:8]
        return dict(prompt=prompt, references=list(refs), resolution=resolution, ratio=ratio, duration=duration,
                    watermark=watermark, seed=seed, model=model, negative_prompt=negative, prompt_extend=extend)

    def quote(*values):
        return quote_text(ctx, Variant.R2V, **fields(*values))

    @priced(variant=Variant.R2V, backend=backend)
    async def reference_to_video(prompt: str, image_1: str, image_2: str | None = None,
                                 image_3: str | None = None, image_4: str | None = None,
                                 image_5: str | None = None, image_6: str | None = None,
                                 image_7: str | None = None, image_8: str | None = None,
                                 image_9: str | None = None, resolution: str = "720P", ratio: str = "16:9",
                                 duration: int = 5, watermark: bool = False, seed: int | None = None,
                                 model: str | None = None, negative_prompt: str | None = None,
                                 prompt_extend: bool | None = None, request: gr.Request = None,
                                 progress=gr.Progress()):
        """Make a clip featuring the character or product shown in 1 to 9 reference images (reference to video).

        {cost}

        Args:
            prompt: the shot, naming references by number as the backend does ([Image 1] on DashScope, character1 on inference.sh); up to 5000 characters (required)
            image_1: the first reference, as handle_file("a.png") (a local file; links are not fetched): JPEG, PNG, BMP or WEBP, 720 px or more on the short side is best (required)
            image_2: another reference (optional), as image_1
            image_3: another reference (optional)
            image_4: another reference (optional)
            image_5: another reference (optional)
            image_6: another reference (optional)
            image_7: another reference (optional)
            image_8: another reference (optional)
            image_9: another reference (optional)
            resolution: "720P" (cheaper, for drafts) or "1080P"; default "720P"
            ratio: aspect ratio, one the model takes: {ratios}; default "16:9"
            duration: length in whole seconds, {durations}, billed per second; default 5
            watermark: true adds the provider's mark bottom right; default false
            seed: whole number 0 to 2147483647 to repeat a take; omit (None) for random
            {models}
        Returns:
            The MP4 clip and the job record (id, state, seed, quote_usd, cost_usd, preview, output_path...).
        """
        refs = [image_1, image_2, image_3, image_4, image_5, image_6, image_7, image_8, image_9]
        refuse_text(**{f"image_{n}": r for n, r in enumerate(refs, 1)})
        return await ctx.generate("r2v", request, progress, prompt=prompt, references=refs, resolution=resolution,
                                  ratio=ratio, duration=duration, watermark=watermark, seed=seed, model=model,
                                  negative_prompt=negative_prompt, prompt_extend=prompt_extend)

    model_picker.wire(picker, shape.ratio, shape.duration)
    advise = advice_view.follower(ctx, "r2v", inputs, prompt, shape.resolution, references=slots,
                                  model_problem=model_picker.follower(inputs, picker, shape.resolution, shape.ratio,
                                                                      shape.duration))
    reference_sets.wire(ctx, sets, "r2v", prompt, slots)
    return TabUi("reference_to_video", result, inputs, reference_to_video, quote, prompt, notes, advise,
                 "r2v", fields)
