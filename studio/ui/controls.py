"""Controls every variant tab shares, built in the order a creator decides:
inputs, then shape, then extras, then the quote beside the Generate button."""

from __future__ import annotations

import inspect
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import gradio as gr

from studio import models
from studio.errors import StudioError
from studio.prompts import prompt_budget
from studio.ui.compat import document, parameter_descriptions
from studio.ui.context import UiContext, uploads
from studio.ui.files import image_upload
from studio.ui.uploads import noted_input
from studio.variants import (DEFAULT_RATIO, DEFAULT_RESOLUTION, DEFAULT_SECONDS, MAX_SECONDS, MAX_SEED, MIN_SECONDS,
                             RATIOS, RESOLUTIONS, TAKES_DURATION, TAKES_RATIO, Variant)

RECORD_DOC = ("the job record: id, state, variant, backend, preview (true = free offline render), seed, "
              "quote_usd, cost_usd, width, height, seconds, output_path, request (the settings), error_message")


@dataclass
class Shape:
    resolution: gr.Radio
    ratio: gr.Radio | None
    duration: gr.Slider | None
    watermark: gr.Checkbox
    seed: gr.Textbox

    @property
    def components(self) -> list[gr.components.Component]:
        return [c for c in (self.resolution, self.ratio, self.duration, self.watermark, self.seed) if c is not None]


CANT = "**Can't generate yet:**"
MARKDOWN_SIGNS = re.compile(r"([\\`*_{}\[\]()#+\-.!<>|~])")


@dataclass
class Result:
    """The foot of a tab: its running jobs, the quote beside Generate, and the latest clip it made."""

    label: str
    runs: gr.HTML
    quote: gr.Markdown
    button: gr.Button
    latest: gr.Column
    video: gr.Video
    seed_used: gr.Markdown
    record: gr.JSON
    compare: gr.Button | None = None  # "Compare models…": the same shot on 2-3 models (studio.ui.compare_view)

    @property
    def outputs(self) -> list[gr.components.Component]:
        return [self.video, self.record]

    def button_label(self, started: int) -> str:
        return f"Generate{' another' if started else ''} · {self.label}"


@dataclass
class TabUi:
    """One variant's tab, ready for the app to wire: Generate is its named API endpoint.

    quote and advise take the values of `inputs`, in order; the counter and the advice follow the form
    (studio.ui.form).
    """

    api_name: str
    result: Result
    inputs: list
    generate: Callable[..., Awaitable]
    quote: Callable[..., str]
    prompt: gr.Textbox
    counter: gr.Markdown
    advice: gr.Markdown
    advise: Callable[..., str]
    variant: str | None = None                     # "t2v"...: what a compare of this tab's shot makes
    fields: Callable[..., dict] | None = None      # the values of `inputs` as the request's fields


def image_input(label: str, **kw) -> gr.Image:
    """An image upload handed to the studio untouched.

    image_mode=None: gr.Image would otherwise re-encode any non-RGB upload as a
    new WEBP, changing what the provider receives and what the size limit
    measures. Events that take uploads run with preprocess=False, so a file
    that is not an image reaches our own checks (and their plain words)
    instead of failing inside Gradio.
    """
    return image_upload(label=label, type="filepath", image_mode=None, sources=["upload", "clipboard"], **kw)


def prompt_box(label: str, placeholder: str, lines: int = 4) -> tuple[gr.Textbox, gr.Markdown]:
    """The prompt and its length counter (kept current by studio.ui.form)."""
    box = gr.Textbox(label=label, placeholder=placeholder, lines=lines, max_lines=12)
    counter = gr.Markdown(prompt_budget("").label, elem_classes=["hh-counter"])
    return box, counter


def shape_controls(variant: Variant, model: str | None = None) -> Shape:
    """Resolution, ratio, duration, seed and watermark; the ratios are the model's (the picker changes them)."""
    ratios = models.family(model).ratios if model else RATIOS
    with gr.Row():
        resolution = gr.Radio(list(RESOLUTIONS), value=DEFAULT_RESOLUTION, label="Resolution",
                              info="Draft at 720P (cheaper), make the final at 1080P.")
        ratio = (gr.Radio(list(ratios), value=DEFAULT_RATIO, label="Aspect ratio")
                 if variant in TAKES_RATIO else None)
    duration = (gr.Slider(MIN_SECONDS, MAX_SECONDS, value=DEFAULT_SECONDS, step=1, precision=0,
                          label="Duration (seconds)", info="Billed per second.")
                if variant in TAKES_DURATION else None)
    with gr.Row(elem_classes=["hh-seedrow"]):
        seed = gr.Textbox(label="Seed", placeholder="empty = random", max_lines=1, scale=2,
                          info="Same seed + same settings gives a similar take.")
        # A textbox, so "empty = random" shows (gr.Number shows 0); the API takes a whole number or None.
        document(seed, "input", type="integer", minimum=0, maximum=MAX_SEED)
        watermark = gr.Checkbox(label="Watermark", value=False, scale=1,
                                info="Provider's mark, bottom right.")
    return Shape(resolution, ratio, duration, watermark, seed)


def result_area(label: str, compare: str | None = None) -> Result:
    """Quote and Generate side by side in a bar that stays in view, with this tab's running jobs above; with
    `compare` (the variant), a "Compare models…" button beside Generate (the same shot on 2-3 models, quoted first).

    Generate starts disabled: the first quote (on load) enables it once the form can be sent.
    """
    with gr.Column(elem_classes=["hh-gobar"]):
        runs = gr.HTML("", elem_classes=["hh-runs"])
        with gr.Row(equal_height=True, elem_classes=["hh-gorow"]):
            quote = gr.Markdown(elem_classes=["hh-quote"])
            button = gr.Button(f"Generate · {label}", variant="primary", elem_classes=["hh-generate"],
                               interactive=False, scale=0, min_width=200)
            versus = (gr.Button("Compare models…", size="sm", scale=0, min_width=130, elem_id=f"hh-compare-{compare}",
                                elem_classes=["hh-compare-go"]) if compare else None)
    with gr.Column(visible=False, elem_classes=["hh-latest"]) as latest:
        video = gr.Video(label="Latest from this tab", interactive=False, elem_classes=["hh-result"], height=220)
        seed_used = gr.Markdown()
        with gr.Accordion("Job record", open=False):
            record = gr.JSON(label="Job record", show_label=False)
    return Result(label, runs, quote, button, latest, video, seed_used, record, versus)


def cost_doc(model_ids: list[str] | None = None) -> str:
    """What a generate costs on each model and how long it takes, from the catalogue's dated prices."""
    fams = [models.family(m) for m in model_ids] if model_ids else list(models.catalogue().families.values())
    each = "; ".join(f"{f.label} " + ", ".join(f"${f.price(r):.2f}/s at {r}" for r in f.resolutions)
                     + f" (prices of {f.prices.date}{'' if f.prices.confirmed else ', unconfirmed'})" for f in fams)
    return (f"Cost per second of video: {each}; free on the preview backend. "
            "Takes minutes on a provider (a 15 s 1080P clip about 12), a few seconds on preview.")


def priced(fn: Callable | None = None, *, variant: Variant | None = None, backend: str | None = None,
           model_ids: list[str] | None = None):
    """Fill {cost} in an endpoint's docstring with the current prices, and {models} with the Args lines of
    the model parameters (`model`, `negative_prompt`, `prompt_extend`) as this backend offers them, {ratios}
    and {durations} with what each of those models takes."""
    def fill(fn: Callable) -> Callable:
        from studio.ui import model_picker  # the picker builds on these controls

        doc = fn.__doc__ or ""
        ids = model_ids
        if variant is not None and backend is not None:
            ids = [m for _, m in model_picker.choices(variant, backend)]
            at = doc.find("{models}")
            if at >= 0:
                indent = doc[doc.rfind("\n", 0, at) + 1:at]
                doc = doc.replace("{models}", ("\n" + indent).join(model_picker.doc_lines(variant, backend)
                                                                   .splitlines()))
            doc = doc.replace("{ratios}", model_picker.ratio_words(variant, backend))
            doc = doc.replace("{durations}", model_picker.duration_words(variant, backend))
        fn.__doc__ = doc.replace("{cost}", cost_doc(ids))
        return fn

    return fill(fn) if fn is not None else fill


def document_api(fn: Callable, inputs: list, returns: dict | None = None) -> None:
    """Show the endpoint's docstring (its Args: lines) beside each parameter in view_api() and the
    page's "Use via API", so one text documents the API, the MCP tools and the code.

    returns maps an output component to the API schema its value is documented with.
    """
    described = parameter_descriptions(fn)
    names = [p.name for p in inspect.signature(fn).parameters.values()
             if p.kind is p.POSITIONAL_OR_KEYWORD]
    for name, component in zip(names, inputs):
        if described.get(name):
            document(component, "input", additional_description=described[name])
    for component, schema in (returns or {}).items():
        document(component, "output", **schema)


def result_api(result: Result) -> dict:
    """How the job's two outputs read in the API: the clip and the named, documented job record."""
    return {result.video: {"description": "the MP4 clip (the client downloads it and returns its local path)"},
            result.record: {"type": "object", "additionalProperties": {}, "description": RECORD_DOC}}


def quote_text(ctx: UiContext, variant: Variant, **fields) -> str:
    """The quote, or what has to change before there can be one."""
    try:
        prepared = ctx.studio.core.prepare(variant, **uploads(fields))
    except StudioError as e:
        noted = noted_input(str(e))  # said in full under that input: point there instead of saying it again
        return f"{CANT} {noted} can't be used: the note under it says why." if noted else f"{CANT} {e}"
    lines = [f"**{prepared.quote.describe()}**"]
    backend = ctx.studio.settings.backend
    if backend == "preview":
        lines.append("Backend: *preview* — rendered offline for free, not HappyHorse output.")
    else:
        lines.append(f"Backend: {ctx.studio.backend_label()}")
    lines += [f"Note: {n}" for n in prepared.checked.notes]
    return "  \n".join(lines)


def ready(quote: str) -> bool:
    """Whether a quote says the form can be sent."""
    return bool(quote) and not quote.startswith(CANT)


def seed_line(record: dict | None) -> str:
    """The line under a tab's latest clip: its model, seed, job and backend, and the prompt as the provider
    rewrote it when it did (Wan 2.7's prompt rewrite)."""
    if not record:
        return ""
    model = record.get("model_label")
    line = (f"{model + ' · ' if isinstance(model, str) and model else ''}Seed used: `{record.get('seed') if record.get('seed') is not None else 'random'}` · "
            f"job `{record.get('id')}` · {record.get('backend')}")
    return line + rewritten_line(record.get("actual_prompt"), (record.get("request") or {}).get("prompt"))


def rewritten_line(actual: str | None, written: str | None) -> str:
    """Markdown for the prompt the provider ran, when it rewrote the one sent ("" otherwise)."""
    if not isinstance(actual, str) or not actual.strip() or actual.strip() == (written or "").strip():
        return ""
    text = MARKDOWN_SIGNS.sub(r"\\\1", " ".join(actual.split())[:4000])  # shown as text, never as markup
    return f"  \n**Rewritten prompt** (what the model ran): {text}"
