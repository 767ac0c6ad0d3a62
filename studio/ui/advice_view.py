"""Live advice beside the prompt, and the named `advise` API endpoint.

Advice is shown under the prompt's length (studio.ui.controls.prompt_box: one Markdown for both) as the
user types and when images are uploaded; it never blocks Generate. A reference token naming an empty slot is shown here as the
thing to fix first (Generate would refuse it with the same words).
"""

from __future__ import annotations

from collections.abc import Callable

import gradio as gr

from studio.advice import AdviceItem, advise_prompt
from studio.errors import StudioError
from studio.service import Caller
from studio.ui.context import UiContext, upload_path
from studio.ui.uploads import noted_input


def markdown(items: list[AdviceItem], problem: str | None = None) -> str:
    lines = [f"**Fix before generating:** {problem}"] if problem else []
    if items:
        lines.append("**Advice** (optional — Generate works either way):")
    lines += [f"- **{i.about}** — {i.reason}  \n  *Try:* {i.suggestion}" for i in items]
    return "\n".join(lines)


def advice_text(ctx: UiContext, variant: str, prompt: str | None, resolution: str | None = None,
                first_frame=None, references=(), caller: Caller | None = None, model_problem: str | None = None) -> str:
    """Advice for the tab's current prompt and uploads, as Markdown. The caller's pictures count against their
    own allowance of image checks (studio.service.image_checks); without one, the studio's shared one.
    model_problem: what the chosen model does not take in the form (its ratio, duration...), said first."""
    refs = [upload_path(r) for r in references]
    who = {"caller": caller} if caller is not None else {}
    try:
        items = ctx.studio.advice.advise(variant, prompt or "", upload_path(first_frame), refs, resolution, **who)
    except StudioError as e:  # still show what the prompt alone teaches
        items = advise_prompt(prompt or "", variant, ctx.studio.advice.reference_token(1).replace("1", "{n}"))
        said = None if noted_input(str(e)) else str(e)  # a file's problem is said once, under that file
        return markdown(items, " ".join(filter(None, [model_problem, said])))
    return markdown(items, model_problem)


def follower(ctx: UiContext, variant: str, inputs: list, prompt: gr.Textbox, resolution: gr.Radio,
             first_frame: gr.Image | None = None, references: list[gr.Image] = (),
             model_problem: Callable[..., str | None] | None = None) -> Callable[..., str]:
    """Advice for a tab's form, given the values of its `inputs` in order and the event's request (studio.ui.form
    calls it): the page's user is the caller whose image checks are counted. model_problem(*values) says what
    the chosen model does not take (studio.ui.model_picker.problem)."""
    at = {id(c): i for i, c in enumerate(inputs)}

    def advise(*values, request: gr.Request | None = None) -> str:
        return advice_text(ctx, variant, values[at[id(prompt)]], values[at[id(resolution)]],
                           values[at[id(first_frame)]] if first_frame is not None else None,
                           [values[at[id(r)]] for r in references], ctx.caller_or_none(request),
                           model_problem(*values) if model_problem else None)

    return advise


def api_endpoint(ctx: UiContext) -> None:
    """`advise`: advice as a list of {kind, about, reason, suggestion}; refuses a token naming an empty slot.

    Six hidden components and no trigger (#22): no Row, no Button (the endpoint is called by name only), and
    the text fields have no container, so Gradio wraps them in no Form. The API sees the same Textbox, Image,
    File and JSON as before: gr.api would change first_frame and references from files the client uploads
    (handle_file) into plain strings, breaking callers."""
    hidden = {"visible": False, "container": False}
    variant = gr.Textbox(label="variant", **hidden)
    prompt = gr.Textbox(label="prompt", **hidden)
    resolution = gr.Textbox(label="resolution", value="720P", **hidden)
    first_frame = gr.Image(label="first_frame", type="filepath", image_mode=None, visible=False)
    references = gr.File(label="references", file_count="multiple", visible=False)
    out = gr.JSON(label="advice", visible=False)

    def advise(variant: str, prompt: str = "", first_frame: str | None = None,
               references: list[str] | None = None, resolution: str = "720P", request: gr.Request = None) -> list[dict]:
        """Advice before money is spent. references are in slot order."""
        refs = [upload_path(r) for r in references or ()]
        try:
            items = ctx.studio.advice.advise(variant, prompt or "", upload_path(first_frame), refs, resolution or None,
                                             caller=ctx.caller(request))
        except StudioError as e:
            raise gr.Error(str(e), title="Check your input") from None
        return [i.to_dict() for i in items]

    gr.on([], advise, [variant, prompt, first_frame, references, resolution], out, api_name="advise",
          preprocess=False)
