"""The model picker each generating tab shows, and the fields only some models take (Wan 2.7's negative
prompt and prompt rewrite).

The picker offers what the studio's backend runs (studio.model_choice.offered: on inference.sh only the
models it has apps for) and says why the others are missing. Choosing a model changes the ratios offered,
the duration's range, and shows or hides the extra fields. Its three inputs are the last parameters of the
tab's API endpoint, named `model`, `negative_prompt` and `prompt_extend`.

A field a model does not take is cleared when another model is chosen: the page never sends a hidden
negative prompt or rewrite (an API caller who sends one to a model without it is refused in words).
"""

from __future__ import annotations

import html
from dataclasses import dataclass

import gradio as gr

from studio import model_choice, models, variants
from studio.errors import StudioError
from studio.models import Family
from studio.variant_kinds import Variant

MODEL_DOC = "model: {choices}; empty means {default}, the default here"
NEGATIVE_DOC = ("negative_prompt: what the clip should not show, up to {most} characters; only {takers} "
                "(leave it empty for the others)")
EXTEND_DOC = ("prompt_extend: true lets the provider rewrite the prompt with an LLM (the rewritten prompt is in "
              "the record's actual_prompt), false sends it as written; only {takers} (send false or nothing for "
              "the others)")


@dataclass
class ModelUi:
    model: gr.Dropdown
    negative: gr.Textbox
    extend: gr.Checkbox

    @property
    def inputs(self) -> list[gr.components.Component]:
        """In the API's order: model, negative_prompt, prompt_extend."""
        return [self.model, self.negative, self.extend]


def family_or_none(model) -> Family | None:
    try:
        return models.family(model)
    except StudioError:
        return None


def price_words(fam: Family) -> str:
    rates = sorted({fam.price(r) for r in fam.resolutions})
    span = f"${rates[0]:.2f}" if len(rates) == 1 else f"${rates[0]:.2f}–{rates[-1]:.2f}"
    return f"{span}/s" + ("" if fam.prices.confirmed else ", price unconfirmed")


def choices(variant: Variant, backend: str) -> list[tuple[str, str]]:
    """(label with its prices, catalogue id) of every model the backend runs for this variant."""
    return [(f"{o.label} · {price_words(models.family(o.model))}", o.model)
            for o in model_choice.offered(variant, backend) if o.available]


def default(variant: Variant, backend: str) -> str:
    return model_choice.default_model(variant, backend)


def info(variant: Variant, backend: str) -> str:
    """The line under the picker: what the default is, and why a model is missing here."""
    missing = [o.why_not for o in model_choice.offered(variant, backend) if not o.available and o.why_not]
    first = (f"{models.label(default(variant, backend))} unless you choose another. "
             "Prices per second of video, 720P–1080P.")
    return " ".join([first, *missing])


def takers(what: str, one: str = "", many: str = "") -> str:
    """The models that take a field ("Wan 2.7"), with the verb that fits their number when one is given."""
    fams = [f.label for f in models.catalogue().families.values() if getattr(f, what)]
    verb = (one if len(fams) == 1 else many) if one else ""
    return (" and ".join(fams) or "no model") + (f" {verb}" if verb else "")


def render(variant: Variant, backend: str) -> ModelUi:
    """The picker and the two fields only some models take, visible when the default model takes them."""
    fam = models.family(default(variant, backend))
    model = gr.Dropdown(choices(variant, backend), value=fam.id, label="Model", info=info(variant, backend),
                        elem_id=f"hh-model-{variant.value}", elem_classes=["hh-model"])
    negative = gr.Textbox(label="Negative prompt", max_lines=2, visible=fam.negative_prompt,
                          placeholder="What the clip should not show, e.g. blurry, text on screen, extra fingers",
                          info=f"Only {takers('negative_prompt', 'takes', 'take')} a negative prompt.",
                          elem_classes=["hh-wan"])
    extend = gr.Checkbox(label="Let the provider rewrite my prompt (prompt rewrite)", value=False,
                         visible=fam.prompt_extend, elem_classes=["hh-wan"],
                         info="Off sends your prompt as written. On, an LLM expands it first; the rewritten "
                              "prompt is shown beside the clip.")
    return ModelUi(model, negative, extend)


def doc_lines(variant: Variant, backend: str) -> str:
    """The docstring's Args lines for the three model parameters (see studio.ui.controls.priced)."""
    ids = [o.model for o in model_choice.offered(variant, backend) if o.available]
    most = max((f.negative_prompt_max for f in models.catalogue().families.values()), default=0)
    return "\n".join([MODEL_DOC.format(choices=" or ".join(f'"{m}"' for m in ids), default=default(variant, backend)),
                      NEGATIVE_DOC.format(most=most, takers=takers("negative_prompt", "takes one", "take one")),
                      EXTEND_DOC.format(takers=takers("prompt_extend", "rewrites", "rewrite"))])


def _offered(variant: Variant, backend: str) -> list[Family]:
    return [models.family(m) for _, m in choices(variant, backend)]


def _grouped(variant: Variant, backend: str, words) -> str:
    """Each distinct answer with the models it is true of: "A and B x; C y"."""
    said: dict[str, list[str]] = {}
    for fam in _offered(variant, backend):
        said.setdefault(words(fam), []).append(fam.label)
    return "; ".join(f"{' and '.join(labels)} {text}" for text, labels in said.items())


def ratio_words(variant: Variant, backend: str) -> str:
    return _grouped(variant, backend, lambda f: ", ".join(f'"{r}"' for r in f.ratios))


def duration_words(variant: Variant, backend: str) -> str:
    return _grouped(variant, backend, lambda f: f"{f.min_seconds} to {f.max_seconds}")


def ratio_choices(fam: Family, current: str | None) -> list[tuple[str, str]]:
    """The model's ratios; a chosen one it does not take stays shown, marked, so the quote's refusal has
    something to point at (it names the model that takes it)."""
    shown = [(r, r) for r in fam.ratios]
    if current and current not in fam.ratios:
        shown.append((f"{current} (not on {fam.label})", current))
    return shown


def problem(model, resolution=None, ratio=None, duration=None) -> str | None:
    """What the chosen model does not take in the form, in the catalogue's words (None: nothing), so the advice
    says it beside the prompt as the quote does beside Generate."""
    fam = family_or_none(model)
    if fam is None:
        return None
    try:
        if resolution is not None:
            variants.parse_resolution(resolution, fam)
        if ratio is not None:
            model_choice.parse_ratio(ratio, fam)
        if duration is not None:
            model_choice.parse_duration(duration, fam)
    except StudioError as e:
        return str(e)
    return None


def follower(inputs: list, ui: ModelUi, resolution, ratio=None, duration=None):
    """problem() for a tab's form, given the values of its `inputs` in order (studio.ui.advice_view.follower)."""
    at = {id(c): i for i, c in enumerate(inputs)}

    def check(*values) -> str | None:
        def value(c):
            return values[at[id(c)]] if c is not None and at[id(c)] < len(values) else None  # older callers
        return problem(value(ui.model), value(resolution), value(ratio), value(duration))

    return check


def wire(ui: ModelUi, ratio: gr.Radio | None, duration: gr.Slider | None) -> None:
    """Choosing a model sets the ratios and durations it takes and shows (or clears and hides) its fields.

    "multiple": the form's own listener is the one deferred listener on the picker (see studio.ui.form).
    """
    outputs = [c for c in (ratio, duration) if c is not None] + [ui.negative, ui.extend]

    def chosen(model, *rest):
        fam = family_or_none(model)
        if fam is None:
            return [gr.skip()] * len(outputs)
        out = []
        if ratio is not None:
            out.append(gr.update(choices=ratio_choices(fam, rest[0] if isinstance(rest[0], str) else None)))
        if duration is not None:
            out.append(gr.update(minimum=fam.min_seconds, maximum=fam.max_seconds))
        out.append(gr.update(visible=True) if fam.negative_prompt else gr.update(value="", visible=False))
        out.append(gr.update(visible=True) if fam.prompt_extend else gr.update(value=False, visible=False))
        return out

    ui.model.change(chosen, [ui.model] + ([ratio] if ratio is not None else []), outputs,
                    api_visibility="private", show_progress="hidden", trigger_mode="multiple", preprocess=False)


def detail_rows(job) -> list[tuple[str, str]]:
    """Rows for a clip's detail (studio.ui.detail.info_html), as escaped HTML: the model it ran on, and the
    prompt the provider ran when it rewrote the one sent (Wan 2.7's prompt rewrite)."""
    rows = [("Model", html.escape(models.label(job.model) or "—"))]
    actual = (job.actual_prompt or "").strip()
    if actual and actual != (job.request.prompt or "").strip():
        rows.append(("Rewritten prompt", html.escape(actual) + ' <span class="hh-muted">(the provider rewrote '
                                                               'the prompt; this is what the model ran)</span>'))
    elif job.request.prompt_extend:
        rows.append(("Prompt rewrite", "on; the provider returned no rewritten prompt" if job.state.finished
                     else "on; the rewritten prompt shows here when the provider returns it"))
    return rows
