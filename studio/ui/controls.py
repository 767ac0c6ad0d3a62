"""Controls every variant tab shares, built in the order a creator decides:
inputs, then shape, then extras, then the quote beside the Generate button."""

from __future__ import annotations

import html
import inspect
import json
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
    latest: gr.HTML       # the latest clip this tab made, its seed line and record (latest_html)
    compare: gr.Button | None = None  # "Compare models…": the same shot on 2-3 models (studio.ui.compare_view)

    def button_label(self, started: int) -> str:
        return f"Generate{' another' if started else ''} · {self.label}"


@dataclass
class TabUi:
    """One variant's tab, ready for the app to wire: Generate is its named API endpoint.

    quote and advise take the values of `inputs`, in order; `notes` (the prompt's length, then the advice)
    follows the form (studio.ui.form).
    """

    api_name: str
    result: Result
    inputs: list
    generate: Callable[..., Awaitable]
    quote: Callable[..., str]
    prompt: gr.Textbox
    notes: gr.Markdown                              # the prompt's length, then the advice (notes_text)
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
    """The prompt and, under it, its notes: the length counter and the advice (kept current by studio.ui.form).

    One Markdown, not two: both always change together, from the same listener (#22)."""
    box = gr.Textbox(label=label, placeholder=placeholder, lines=lines, max_lines=12, elem_classes=["hh-promptbox"])
    notes = gr.Markdown(notes_text(""), elem_classes=["hh-counter", "hh-advice"])
    return box, notes


def notes_text(prompt: str | None, advice: str = "") -> str:
    """The prompt's length as the first paragraph (studio.css draws it small), then the advice, if any."""
    counter = prompt_budget(prompt or "").label
    return f"{counter}\n\n{advice}" if advice else counter


def shape_controls(variant: Variant, model: str | None = None) -> Shape:
    """Resolution, ratio, duration, seed and watermark; the ratios are the model's (the picker changes them)."""
    ratios = models.family(model).ratios if model else RATIOS
    # No gr.Row around pairs: with the model picker above them these fields are one run of form components,
    # which Gradio draws in one Form (a Row each made two Rows and up to four Forms a tab, #22); studio.css
    # puts the "hh-half" pairs side by side on a wide screen.
    half = {"elem_classes": ["hh-half"]}
    resolution = gr.Radio(list(RESOLUTIONS), value=DEFAULT_RESOLUTION, label="Resolution",
                          info="Draft at 720P (cheaper), make the final at 1080P.", **half)
    ratio = (gr.Radio(list(ratios), value=DEFAULT_RATIO, label="Aspect ratio", **half)
             if variant in TAKES_RATIO else None)
    duration = (gr.Slider(MIN_SECONDS, MAX_SECONDS, value=DEFAULT_SECONDS, step=1, precision=0,
                          label="Duration (seconds)", info="Billed per second.")
                if variant in TAKES_DURATION else None)
    seed = gr.Textbox(label="Seed", placeholder="empty = random", max_lines=1, elem_classes=["hh-half", "hh-seed"],
                      info="Same seed + same settings gives a similar take.")
    # A textbox, so "empty = random" shows (gr.Number shows 0); the API takes a whole number or None.
    document(seed, "input", type="integer", minimum=0, maximum=MAX_SEED)
    watermark = gr.Checkbox(label="Watermark", value=False, info="Provider's mark, bottom right.", **half)
    return Shape(resolution, ratio, duration, watermark, seed)


def result_area(label: str, compare: str | None = None) -> Result:
    """Quote and Generate side by side in a bar that stays in view, with this tab's running jobs above; with
    `compare` (the variant), a "Compare models…" button beside Generate (the same shot on 2-3 models, quoted first).

    Generate starts disabled: the first quote (on load) enables it once the form can be sent.
    """
    # One Column, no Row inside: studio.css lays the quote, Generate and Compare out as a grid (#22)
    with gr.Column(elem_classes=["hh-gobar"] + (["hh-gobar-compare"] if compare else [])):
        runs = gr.HTML("", elem_classes=["hh-runs"])
        quote = gr.Markdown(elem_classes=["hh-quote"])
        button = gr.Button(f"Generate · {label}", variant="primary", elem_classes=["hh-generate"],
                           interactive=False, scale=0, min_width=200)
        versus = (gr.Button("Compare models…", size="sm", scale=0, min_width=130, elem_id=f"hh-compare-{compare}",
                            elem_classes=["hh-compare-go"]) if compare else None)
    # One gr.HTML, not a column of video, seed line, accordion and JSON (issue #22): the API's clip and record
    # are the outputs of the shared hidden pair in studio.ui.app.
    latest = gr.HTML("", visible=False, elem_classes=["hh-latest"], apply_default_css=False)
    return Result(label, runs, quote, button, latest, versus)


def latest_html(url: str | None, poster: str | None, record: dict) -> str:
    """The tab's latest clip: a native player (keyboard and screen readers get the browser's own controls),
    the seed line and the job record in a closed <details>; every value escaped."""
    esc = html.escape
    prompt = " ".join(str((record.get("request") or {}).get("prompt") or "").split())[:60]
    player = (f'<video src="{esc(url)}" poster="{esc(poster or "")}" controls autoplay playsinline '
              f'preload="metadata" aria-label="Latest clip from this tab: {esc(prompt)}"></video>' if url else
              '<p class="hh-muted">The clip is not on this server yet: open it in the gallery.</p>')
    text = json.dumps(record, indent=2, ensure_ascii=False, default=str)
    return (f'<section class="hh-latest-box" aria-label="Latest from this tab">'
            f'<p class="hh-latest-title">Latest from this tab</p>{player}'
            f'<p class="hh-seed-used">{seed_html(record)}</p>'
            f'<details class="hh-record"><summary>Job record</summary><pre>{esc(text)}</pre></details></section>')


def seed_html(record: dict | None) -> str:
    """seed_line as escaped HTML (the latest clip's line is drawn in a gr.HTML)."""
    if not record:
        return ""
    esc = html.escape
    model = record.get("model_label")
    line = (f"{esc(model) + ' · ' if isinstance(model, str) and model else ''}Seed used: "
            f"<code>{esc(str(record.get('seed')))}</code> · job <code>{esc(str(record.get('id')))}</code> · "
            f"{esc(str(record.get('backend')))}")
    actual, written = record.get("actual_prompt"), (record.get("request") or {}).get("prompt")
    if isinstance(actual, str) and actual.strip() and actual.strip() != (written or "").strip():
        line += (f'<br><strong>Rewritten prompt</strong> (what the model ran): '
                 f'{esc(" ".join(actual.split())[:4000])}')
    return line


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


def result_api(video: gr.Video, record: gr.JSON) -> dict:
    """How the job's two outputs read in the API: the clip and the named, documented job record."""
    return {video: {"description": "the MP4 clip (the client downloads it and returns its local path)"},
            record: {"type": "object", "additionalProperties": {}, "description": RECORD_DOC}}


def quote_text(ctx: UiContext, variant: Variant, **fields) -> str:
    """The quote, or what has to change before there can be one."""
    try:
        prepared = ctx.studio.core.prepare(variant, **uploads(fields))
    except StudioError as e:
        noted = noted_input(str(e))  # said in full under that input: point there instead of saying it again
        return f"{CANT} {noted} can't be used: the note under it says why." if noted else f"{CANT} {e}"
    if ctx.studio.settings.backend == "preview":  # what it costs here first: a phone's bar shows two lines
        lines = [f"**Free here** · ≈ {prepared.quote.describe()}",
                 "Preview: rendered offline, not HappyHorse output."]
    else:
        lines = [f"**{prepared.quote.describe()}**", f"Backend: {ctx.studio.backend_label()}"]
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
