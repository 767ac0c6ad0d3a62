"""Image to video: a first frame sets the shape and look; the prompt calls the action."""

from __future__ import annotations

import gradio as gr

from studio.ui import advice_view, builder, model_picker, reframe_view
from studio.ui.compat import event_data
from studio.ui.context import UiContext
from studio.ui.controls import image_input, priced, TabUi, prompt_box, quote_text, result_area, shape_controls
from studio.ui.files import refuse_text
from studio.variants import Variant


def frame_facts(upload, model=None, owner: str | None = None) -> str:
    """What the uploaded frame implies, or what is wrong with it, with the chips that reframe it."""
    return reframe_view.facts(upload, model, owner)


def render(ctx: UiContext) -> TabUi:
    with gr.Tab("Image to video", id="i2v"):
        frame = image_input("First frame", height=260, elem_id="hh-first-frame")
        facts = gr.HTML(frame_facts(None), elem_id="hh-frame-facts", js_on_load=reframe_view.REFRAME_JS,
                        apply_default_css=False)
        prompt, notes = prompt_box("Prompt (optional)", "What happens: the camera pulls back, wind picks up, light shifts",
                               lines=3)
        builder.render("i2v", prompt)
        backend = ctx.studio.settings.backend
        picker = model_picker.render(Variant.I2V, backend)
        shape = shape_controls(Variant.I2V, picker.model.value)
        result = result_area("Image to video", compare="i2v")

    def framed(upload, model, request: gr.Request):
        caller = ctx.caller_or_none(request)
        return frame_facts(upload, model, caller.owner if caller else None)

    def reframed(upload, model, evt: gr.EventData, request: gr.Request):
        """A Reframe chip: the page sends only {ratio} or {anchor}; the original is found server-side."""
        made, box = reframe_view.act(upload, model, ctx.caller(request).owner, event_data(evt))
        return (made if made else gr.skip()), box

    # "multiple": the form's own listener is the one deferred listener on this input (see studio.ui.form)
    said = dict(api_visibility="private", show_progress="hidden", preprocess=False, trigger_mode="multiple")
    frame.change(framed, [frame, picker.model], facts, api_name="frame_facts", **said)
    picker.model.change(framed, [frame, picker.model], facts, api_name="frame_ratios", **said)
    facts.click(reframed, [frame, picker.model], [frame, facts], api_name="reframe", **said)
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
