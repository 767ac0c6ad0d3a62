"""The prompt builder every tab shows: cinematic vocabulary and a library of good prompts.

It never replaces what the user typed: "Insert at cursor" puts the built text
where the caret is in the prompt box (a little JavaScript; without a caret it
appends), "Append" adds it at the end, and an empty builder changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import gradio as gr

from studio import prompts
from studio.prompts import BuilderFields

# Runs in the browser: (built text, prompt as the server knows it) -> new prompt.
# Mirrors prompts.insert; the caret is read from the prompt's textarea.
INSERT_AT_CURSOR_JS = r"""
(fragment, current, elemId) => {
  fragment = (fragment || "").trim();
  current = current || "";
  if (!fragment) return current;
  const box = document.querySelector("#" + elemId + " textarea");
  let at = current.length;
  if (box && box.value === current && box.selectionEnd > 0) at = box.selectionEnd;
  const ends = ".,;:!?。，；！？";
  let before = current.slice(0, at).trimEnd();
  const after = current.slice(at).trimStart();
  if (before && !ends.includes(before.slice(-1))) {
    before += ",";
    fragment = fragment.charAt(0).toLowerCase() + fragment.slice(1);
  }
  const first = after.charAt(0);
  if (first && first !== first.toUpperCase()) fragment = fragment.replace(/\.+$/, "");
  let joined = before ? before + " " + fragment : fragment;
  if (after) joined += (".,。，".includes(fragment.slice(-1)) ? "" : ",") + " " + after;
  return joined;
}
"""


@dataclass
class Builder:
    values: list[gr.components.Component]  # in BuilderFields order
    built: gr.Textbox                       # hidden: the text the builder made
    elem_id: gr.Textbox                     # hidden: the prompt box's element id, for the JS
    insert: gr.Button
    append: gr.Button
    example: gr.Dropdown
    add_example: gr.Button


def render(variant: str, prompt: gr.Textbox) -> Builder:
    """Lay out the builder under a prompt box and wire it to that box."""
    if not prompt.elem_id:
        prompt.elem_id = f"hh-prompt-{variant}"
    with gr.Accordion("Prompt builder and examples", open=False):
        gr.Markdown("Name the camera move, the light and the style: the model follows cinematic language. "
                    "One or two subjects work best. Built text is added to your prompt, never swapped for it.")
        b = _render_fields(variant, prompt)
    _wire(b, prompt)
    return b


def _choice(label: str, words: tuple[str, ...], **kw) -> gr.Dropdown:
    return gr.Dropdown(list(words), label=label, value=None, allow_custom_value=True, **kw)


def _render_fields(variant: str, prompt: gr.Textbox) -> Builder:
    with gr.Row():
        subject = gr.Textbox(label="Subject", placeholder="a chestnut horse", max_lines=1)
        action = gr.Textbox(label="Action", placeholder="gallops along the surf", max_lines=1)
    with gr.Row():
        shot = _choice("Shot size", prompts.SHOT_SIZES)
        camera = _choice("Camera move", prompts.CAMERA_WORDS)
        lens = _choice("Lens and depth of field", prompts.LENSES)
    with gr.Row():
        time_of_day = _choice("Time of day", prompts.TIMES_OF_DAY)
        light = _choice("Light quality", prompts.LIGHTING)
        motion = _choice("Motion", prompts.MOTION)
    style = _choice("Style", prompts.STYLES)
    with gr.Row():
        ambience = _choice("Ambient sound", prompts.AMBIENCE)
        effects = _choice("Sound effects", prompts.EFFECTS)
    with gr.Row():
        speech = gr.Textbox(label="Speech (spoken words, lip-synced)", placeholder="Your flat white is ready.",
                            max_lines=2, scale=3)
        language = _choice("Speech language", prompts.SPEECH_LANGUAGES, scale=1)
    with gr.Row():
        insert = gr.Button("Insert at cursor", size="sm")
        append = gr.Button("Append to prompt", size="sm")
    examples = prompts.examples(variant)
    with gr.Row(equal_height=True):
        example = gr.Dropdown([(e.title, e.prompt) for e in examples], label="Example prompts", value=None, scale=3)
        add_example = gr.Button("Add example to prompt", size="sm", scale=1)
    built = gr.Textbox(visible=False)
    elem_id = gr.Textbox(value=prompt.elem_id, visible=False)
    values = [subject, action, shot, camera, lens, time_of_day, light, motion, style, ambience, effects, speech,
              language]
    assert len(values) == len(fields(BuilderFields))
    return Builder(values, built, elem_id, insert, append, example, add_example)


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


def _wire(b: Builder, prompt: gr.Textbox) -> None:
    private = dict(api_visibility="private", show_progress="hidden")
    b.insert.click(build_text, b.values, b.built, **private).then(
        None, [b.built, prompt, b.elem_id], prompt, js=INSERT_AT_CURSOR_JS, **private)
    b.append.click(append_built, [prompt, *b.values], prompt, **private)
    b.add_example.click(add_example, [prompt, b.example], prompt, **private)

