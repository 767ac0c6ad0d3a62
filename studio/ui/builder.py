"""The prompt builder every tab shows: cinematic vocabulary and a library of good prompts.

One gr.HTML per tab, not 36 components: a closed <details> whose form is built in the browser the
first time it is opened (assets/builder.js asks the server function `builder_parts` for its fields,
their words and the tab's examples), so the first view carries none of it.

Above it, always in view, two rows of one-click chips: camera moves (each writes the words the model
knows, prompts.CAMERA_WORDS, at the caret) and, in Reference to video, one chip per filled reference slot
that writes the backend's name for that image ("[Image 2]", "character2") at the caret (#23 item 12).

It never replaces what the user typed: "Insert at cursor" puts the built text where the caret is in
the prompt box (without a caret it appends), "Append" adds it at the end, "Add example" appends an
example, and an empty builder changes nothing. The text is joined on the server (the server function
`builder_insert`: prompts.compose and prompts.insert, the one place that knows how) and written into
the prompt box as if typed, so the form follows it (counter, advice, quote, draft: studio.ui.form).
"""

from __future__ import annotations

import html
from dataclasses import dataclass, fields
from pathlib import Path

import gradio as gr

from studio import prompts
from studio.prompts import BuilderFields

BUILDER_JS = (Path(__file__).resolve().parents[2] / "assets" / "builder.js").read_text()
MAX_FIELD = 600      # characters: a builder field longer than this is cut (a browser may send anything)
MAX_PROMPT = 20_000  # the prompt box itself says 5000; the join must not be a way to grow the server's work

INTRO = ("Name the camera move, the light and the style: the model follows cinematic language. "
         "One or two subjects work best. Built text is added to your prompt, never swapped for it.")

# (field, label, placeholder, words offered); in BuilderFields order
FIELDS = (
    ("subject", "Subject", "a chestnut horse", ()),
    ("action", "Action", "gallops along the surf", ()),
    ("shot", "Shot size", "", prompts.SHOT_SIZES),
    ("camera", "Camera move", "", prompts.CAMERA_WORDS),
    ("lens", "Lens and depth of field", "", prompts.LENSES),
    ("time_of_day", "Time of day", "", prompts.TIMES_OF_DAY),
    ("light", "Light quality", "", prompts.LIGHTING),
    ("motion", "Motion", "", prompts.MOTION),
    ("style", "Style", "", prompts.STYLES),
    ("ambience", "Ambient sound", "", prompts.AMBIENCE),
    ("effects", "Sound effects", "", prompts.EFFECTS),
    ("speech", "Speech (spoken words, lip-synced)", "Your flat white is ready.", ()),
    ("speech_language", "Speech language", "", prompts.SPEECH_LANGUAGES),
)
assert [f[0] for f in FIELDS] == [f.name for f in fields(BuilderFields)]


# (chip, the words it writes): the camera moves a creator reaches for, in the model's own vocabulary
CAMERA_PRESETS = (("Static", "static camera"), ("Dolly in", "slow dolly in"), ("Push in", "slow push in"),
                  ("Pull back", "pull back"), ("Tracking", "tracking shot"), ("Orbit", "orbit around the subject"),
                  ("Crane up", "crane up"), ("Crane down", "crane down"), ("Pan left", "pan left"),
                  ("Pan right", "pan right"), ("Tilt up", "tilt up"), ("Tilt down", "tilt down"),
                  ("Handheld", "handheld camera"))
assert {words for _, words in CAMERA_PRESETS} <= set(prompts.CAMERA_WORDS)


@dataclass
class Builder:
    box: gr.HTML
    variant: str


def render(variant: str, prompt: gr.Textbox, token: str | None = None) -> Builder:
    """The builder under a prompt box, writing into that box. token: how a prompt names reference {n} on
    this backend (Reference to video only: its chips name the filled slots)."""
    if not prompt.elem_id:
        prompt.elem_id = f"hh-prompt-{variant}"

    def builder_parts(_: str = "") -> dict:
        """The builder's fields with the words offered, and this tab's example prompts."""
        return parts(variant)

    def builder_insert(ask) -> dict:
        """The prompt with the built text (or an example) added: {"prompt", "said"}. `ask` is what the
        browser sent: {"current", "values", "at", "example"} (Gradio hands a server function one value)."""
        ask = ask if isinstance(ask, dict) else {}
        return joined(ask.get("current"), ask.get("values"), ask.get("at"), ask.get("example"))

    box = gr.HTML(closed_html(variant, prompt.elem_id, token), elem_classes=["hh-builder-block"], js_on_load=BUILDER_JS,
                  server_functions=[builder_parts, builder_insert], apply_default_css=False)
    return Builder(box, variant)


def chips_html(variant: str, token: str | None = None) -> str:
    """The one-click rows above the builder, as data the browser draws buttons from (assets/builder.js): the
    first render stays light. Camera moves always; in Reference to video, the filled slots' names."""
    camera = "|".join(f"{name}={words}" for name, words in CAMERA_PRESETS)
    rows = [f'<div class="hh-chips" role="group" aria-label="Camera" '
            f'data-camera="{html.escape(camera)}"><span class="hh-chips-label">Camera</span></div>']
    if variant == "r2v" and token:
        rows.append(f'<div class="hh-chips hh-refchips" role="group" aria-label="References" '
                    f'data-token="{html.escape(token)}"><span class="hh-chips-label">References</span>'
                    '<span class="hh-refnone">Each image added gets a button.</span></div>')
    return f'<div class="hh-quick">{"".join(rows)}</div>'


def closed_html(variant: str, prompt_id: str, token: str | None = None) -> str:
    return (f'{chips_html(variant, token)}'
            f'<details class="hh-builder" data-variant="{variant}" data-prompt="{prompt_id}">'
            '<summary>Prompt builder and examples</summary>'
            f'<div class="hh-builder-body"><p class="hh-note">{INTRO}</p></div></details>')


def parts(variant: str) -> dict:
    return {"fields": [{"name": n, "label": label, "placeholder": hint, "words": list(words)}
                       for n, label, hint, words in FIELDS],
            "examples": [[e.title, e.prompt] for e in prompts.examples(variant)]}


def _text(value, limit: int) -> str:
    return value[:limit] if isinstance(value, str) else ""


def joined(current, values, at=None, example=None) -> dict:
    """What a builder button does to the prompt, from what a browser sent (anything: only strings and a
    whole number are taken, each cut to size)."""
    current = _text(current, MAX_PROMPT)
    given = values if isinstance(values, dict) else {}
    where = at if isinstance(at, int) and not isinstance(at, bool) and 0 <= at <= len(current) else None
    if example is not None:
        text = _text(example, MAX_FIELD * 10).strip()
        if not text:
            return {"prompt": current, "said": "Pick an example first. Your prompt is unchanged."}
        return {"prompt": prompts.insert(current, text), "said": "Example added to your prompt."}
    text = build_text(*[_text(given.get(n), MAX_FIELD) for n, *_ in FIELDS])
    if not text:
        return {"prompt": current, "said": "The builder is empty: pick or type something first. "
                                           "Your prompt is unchanged."}
    return {"prompt": prompts.insert(current, text, where), "said": "Added to your prompt."}


def build_text(*values: str | None) -> str:
    """The builder's fields as prompt text ("" when every field is empty)."""
    return prompts.compose(BuilderFields(*[v or "" for v in values]))


def append_built(current: str, *values: str | None) -> str:
    text = build_text(*values)
    if not text:
        gr.Info("The builder is empty: pick or type something first. Your prompt is unchanged.")
    return prompts.insert(current, text)


def add_example(current: str, example: str | None) -> str:
    if not example:
        gr.Info("Pick an example first. Your prompt is unchanged.")
    return prompts.insert(current, example or "")
