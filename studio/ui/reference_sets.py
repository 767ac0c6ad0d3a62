"""Reference slots' helpers: save the filled slots as a named set, load a set, delete one, close gaps.

One gr.HTML a tab (#22: it was an Accordion of eleven components): a native <details> whose name field, set
picker and buttons are plain HTML. assets/sets.js sends each button as the box's click event with
{act, name, set}; the answer redraws the box (open, with the name and set kept and the outcome said in a
status line) and fills the slots. The picker's list is the caller's own sets, asked from the server function
`set_names` when the picker gets focus (it is never redrawn under an open list).

Slots keep the numbers shown on screen; "Close gaps" is the explicit way to
move pictures up, and it renumbers the prompt's tokens with them. Deleting
asks first: the first press names the set and turns the button into the
confirmation, a second press within CONFIRM_SECONDS deletes it (only the
caller's own sets are ever found; pictures nothing else uses leave the disk).
"""

from __future__ import annotations

import html
import re
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import gradio as gr
from gradio.components.base import server

from studio.errors import StudioError
from studio.ui.compat import event_data
from studio.ui.context import UiContext, serve, upload_path

SETS_JS = (Path(__file__).resolve().parents[2] / "assets" / "sets.js").read_text()
CONFIRM_SECONDS = 30   # a second press of Delete within this long deletes the set the first one named
MAX_NAME_SHOWN = 200   # a set name from the page longer than this is no set of this studio
DELETE_LABEL = "Delete this set…"
TITLE = "Reference sets: save or load a character or product"
BOLD = re.compile(r"\*\*(.+?)\*\*")


@dataclass
class SetsUi:
    box: gr.HTML
    variant: str


def render(variant: str) -> SetsUi:
    """The closed box; its server function is bound in wire() (it needs the studio)."""
    box = gr.HTML(sets_html(variant), elem_id=f"hh-sets-{variant}", elem_classes=["hh-sets-block"],
                  js_on_load=SETS_JS, apply_default_css=False)
    return SetsUi(box, variant)


def said_html(text: str) -> str:
    """The handlers' words (Markdown-style **bold** only) as escaped HTML."""
    return BOLD.sub(r"<strong>\1</strong>", html.escape(text))


def sets_html(variant: str, names: list[str] = (), chosen: str | None = None, name: str = "", said: str = "",
              delete_label: str = DELETE_LABEL, open_: bool = False) -> str:
    """The box: a <details> with the name field and Save, the picker and Load, Close gaps, Delete and a status
    line. Every value is escaped; ids are per tab, so each label names its own field."""
    esc = html.escape
    options = '<option value="">Pick a set</option>' + "".join(
        f'<option value="{esc(n)}"{" selected" if n == chosen else ""}>{esc(n)}</option>' for n in names)
    field = 'class="hh-bfield"'
    return (f'<details class="hh-sets" data-variant="{esc(variant)}"{" open" if open_ else ""}>'
            f'<summary>{esc(TITLE)}</summary><div class="hh-sets-body">'
            f'<div class="hh-brow"><label {field}>Set name<input data-role="name" type="text" '
            f'maxlength="{MAX_NAME_SHOWN}" placeholder="e.g. Captain Mara" value="{esc(name)}" autocomplete="off">'
            f'</label><button type="button" class="hh-bbtn" data-act="save" id="hh-set-save-{variant}">'
            f'Save filled slots as a set</button></div>'
            f'<div class="hh-brow"><label {field}>Your sets<select data-role="set" '
            f'aria-describedby="hh-set-help-{variant}">{options}</select></label>'
            f'<button type="button" class="hh-bbtn" data-act="load">Load set into the slots</button></div>'
            f'<p class="hh-note" id="hh-set-help-{variant}">Loading fills the slots from 1 and replaces what is in '
            f'them.</p><div class="hh-brow">'
            f'<button type="button" class="hh-bbtn" data-act="gaps">Close gaps (move pictures up, renumber the '
            f'prompt)</button><button type="button" class="hh-bbtn hh-stop" data-act="delete" '
            f'id="hh-set-delete-{variant}">{esc(delete_label)}</button></div>'
            f'<p class="hh-bsay" role="status" aria-live="polite">{said_html(said)}</p></div></details>')


class Confirmations:
    """Which set each owner pressed Delete for, and when: a second press on it within CONFIRM_SECONDS deletes."""

    def __init__(self) -> None:
        self._asked: dict[str, tuple[str, float]] = {}
        self._lock = threading.Lock()

    def confirmed(self, owner: str, name: str, now: float | None = None) -> bool:
        """True for the second press on the same set in time (the ask is used up); False asks (again)."""
        now = time.monotonic() if now is None else now
        with self._lock:
            self._asked = {o: a for o, a in self._asked.items() if now - a[1] < CONFIRM_SECONDS}
            asked = self._asked.pop(owner, None)
            if asked is not None and asked[0] == name:
                return True
            self._asked[owner] = (name, now)
            return False

    def forget(self, owner: str) -> None:
        with self._lock:
            self._asked.pop(owner, None)


def set_name(value) -> str | None:
    """The set name the page sent, or None when it is no name a set could have."""
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_NAME_SHOWN:
        return None
    return value.strip()


def wire(ctx: UiContext, ui: SetsUi, variant: str, prompt: gr.Textbox, slots: list[gr.Image]) -> None:
    """The box's one click event ({act, name, set} from assets/sets.js) and its `set_names` server function."""
    keep = [gr.update()] * len(slots)

    def own_names(caller) -> list[str]:
        return [s.name for s in ctx.studio.references.list(caller)]

    def set_names(_: str = "", request: gr.Request = None) -> list[str]:
        """The caller's own sets, for the picker (asked when it gets focus)."""
        caller = ctx.caller_or_none(request)
        return own_names(caller) if caller else []

    bound = server(set_names)  # bound here, as gr.HTML(server_functions=...) binds them: it needs the studio
    setattr(ui.box, "set_names", bound)
    ui.box.server_fns.append(bound)

    def save(caller, name, images):
        try:
            saved = ctx.studio.references.save(caller, name, [upload_path(i) for i in images])
        except StudioError as e:
            return keep, None, f"**Not saved:** {e}"
        return keep, saved.name, f"Saved **{saved.name}** ({len(saved.images)} images)."

    def load(caller, chosen):
        try:
            images = ctx.studio.references.get(caller, chosen or "").images
        except StudioError as e:
            return keep, chosen, f"**Not loaded:** {e}"
        shown = [serve(p) for p in images[:len(slots)]]
        note = (f" Only the first {len(slots)} of its {len(images)} images fit here."
                if len(images) > len(slots) else "")
        return [*shown, *[None] * (len(slots) - len(shown))], chosen, f"Loaded **{chosen}**.{note}"

    asked = Confirmations()

    def delete(caller, chosen):
        """(label of the Delete button, chosen set afterwards, words)."""
        if chosen is None:
            asked.forget(caller.owner)
            return DELETE_LABEL, None, "**Not deleted:** pick one of your sets first."
        try:
            found = ctx.studio.references.get(caller, chosen)  # the caller's own sets only
        except StudioError as e:
            asked.forget(caller.owner)
            return DELETE_LABEL, chosen, f"**Not deleted:** {e}"
        if not asked.confirmed(caller.owner, found.name):
            ask = (f"Delete **{found.name}** ({len(found.images)} images)? Press the red button again within "
                   f"{CONFIRM_SECONDS} s to delete it; the slots keep what they show.")
            return f"Yes, delete “{found.name}”", found.name, ask
        try:
            ctx.studio.references.delete(caller, found.name)
        except StudioError as e:
            return DELETE_LABEL, found.name, f"**Not deleted:** {e}"
        return DELETE_LABEL, None, f"Deleted **{found.name}**. The slots keep what they show."

    def acted(text, evt: gr.EventData, request: gr.Request, *images):
        """Whatever the page sent is hostile: only the four acts, and names that could be a set's, are taken."""
        data = event_data(evt)
        act = data.get("act")
        caller = ctx.caller(request)
        typed = data.get("name") if isinstance(data.get("name"), str) else ""
        typed = typed[:MAX_NAME_SHOWN]
        chosen = set_name(data.get("set"))
        if act == "rearm":  # another set picked: Delete asks again
            asked.forget(caller.owner)
            return [gr.skip()] * (len(slots) + 2)
        text_out, label = gr.update(), DELETE_LABEL
        if act == "save":
            filled, chosen_after, said = save(caller, typed, images)
            chosen = chosen_after or chosen
        elif act == "load":
            filled, chosen, said = load(caller, chosen)
        elif act == "gaps":
            try:
                text_out, kept = ctx.studio.advice.close_gaps(variant, text, [upload_path(i) for i in images])
            except StudioError as e:
                filled, said = keep, f"**Gaps not closed:** {e}"
                text_out = gr.update()
            else:
                filled = [*kept, *[None] * (len(slots) - len(kept))]
                said = "Pictures moved up; the prompt's tokens follow them."
        elif act == "delete":
            filled = keep
            label, chosen, said = delete(caller, chosen)
        else:
            return [gr.skip()] * (len(slots) + 2)
        if act != "delete":
            asked.forget(caller.owner)
        drawn = sets_html(variant, own_names(caller), chosen, typed, said, label, open_=True)
        return [text_out, *filled, drawn]

    # "multiple": a press sent while another runs (a set picked, then Delete) is run after it, not dropped
    ui.box.click(acted, [prompt, *slots], [prompt, *slots, ui.box], preprocess=False, api_visibility="private",
                 show_progress="hidden", trigger_mode="multiple")
