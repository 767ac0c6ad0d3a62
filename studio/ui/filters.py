"""The gallery's search and filters: one gr.HTML of native controls and one State with what they chose.

Seven Gradio components before (two rows, a textbox, a checkbox, three dropdowns; issue #22). The box is
drawn once and never redrawn by the server, so typing is never interrupted; assets/filters.js sends every
change as the box's `change` event with the five values, which `chosen` checks (they come from the browser)
before they become the page's State. The backend list is the caller's own backends and models, asked of the
server function `backends` when the page opens and whenever the list is about to be used.
"""

from __future__ import annotations

import html
from pathlib import Path

import gradio as gr

from studio import models
from studio.jobs.library import STATE_GROUPS, Filter
from studio.service import Caller
from studio.ui.context import UiContext

VARIANTS = [("All kinds", ""), ("Text to video", "t2v"), ("Image to video", "i2v"),
            ("Reference to video", "r2v"), ("Video edit", "edit")]
STATES = [("Any state", ""), ("Running", "running"), ("Done", "done"), ("Failed", "failed"),
          ("Cancelled", "cancelled"), ("Needs your decision", "decide")]
ANY_BACKEND = ("Any backend or model", "")
MODEL = "model:"  # the backend filter lists the models too: "model:wan2.7" filters by model
SEARCH_CHARS = 200
NONE = {"variant": "", "state": "", "backend": "", "search": "", "favourites": False}
FILTERS_JS = (Path(__file__).resolve().parents[2] / "assets" / "filters.js").read_text()


def _select(elem_id: str, name: str, label: str, choices: list[tuple[str, str]]) -> str:
    """label: the filter's name, which a screen reader says before the option chosen ("State, Failed")."""
    options = "".join(f'<option value="{html.escape(v)}">{html.escape(text)}</option>' for text, v in choices)
    return f'<select id="{elem_id}" data-f="{name}" aria-label="{html.escape(label)}">{options}</select>'


def box_html() -> str:
    """The search, the favourites switch and the three filters (static: the page's JS keeps their state)."""
    return (
        '<div class="hh-filterbox">'
        '<div id="hh-toolbar">'
        '<label id="hh-search"><span class="hh-sr">Search prompts or a job id</span>'
        f'<input type="search" data-f="search" maxlength="{SEARCH_CHARS}" autocomplete="off" spellcheck="false" '
        'placeholder="Search prompts or a job id"></label>'
        '<label id="hh-favs"><input type="checkbox" data-f="favourites"><span>★ Favourites</span></label>'
        '</div>'
        '<div id="hh-filters">'
        f'{_select("hh-f-variant", "variant", "Kind of clip", VARIANTS)}{_select("hh-f-state", "state", "State", STATES)}'
        f'{_select("hh-f-backend", "backend", "Backend or model", [ANY_BACKEND])}'
        '</div></div>')


def chosen(data) -> dict:
    """The five values the browser sent, each checked: anything else reads as "no filter"."""
    data = data if isinstance(data, dict) else {}
    text = {k: v if isinstance(v := data.get(k), str) else "" for k in ("variant", "state", "backend", "search")}
    return {"variant": text["variant"] if text["variant"] in {v for _, v in VARIANTS} else "",
            "state": text["state"] if text["state"] in STATE_GROUPS else "",
            "backend": text["backend"][:80], "search": text["search"][:SEARCH_CHARS],
            "favourites": data.get("favourites") is True}


def filter_of(values) -> Filter:
    """The ledger's Filter for the page's State (checked again: a State is only as good as what was put in)."""
    v = chosen(values)
    backend = v["backend"]
    model = backend[len(MODEL):][:64] if backend.startswith(MODEL) else None
    return Filter(variant=v["variant"] or None, state=v["state"] or None,
                  backend=None if model is not None else backend or None, model=model or None,
                  search=v["search"], favourites=v["favourites"])


def backend_choices(ctx: UiContext, caller: Caller | None) -> list[tuple[str, str]]:
    """"Any", then the caller's own backends and models (nobody else's)."""
    if not caller:
        return [ANY_BACKEND]
    return ([ANY_BACKEND] + [(n, n) for n in ctx.studio.gallery.backends(caller)]
            + [(models.label(m), MODEL + m) for m in ctx.studio.gallery.models(caller)])


def render(ctx: UiContext) -> tuple[gr.HTML, gr.State]:
    def backends(_unused, request: gr.Request) -> list[list[str]]:
        """The backend filter's choices for this caller (a server function is always sent one argument)."""
        return [list(c) for c in backend_choices(ctx, ctx.caller_or_none(request))]

    box = gr.HTML(box_html(), elem_id="hh-filterbox", js_on_load=FILTERS_JS, server_functions=[backends],
                  apply_default_css=False)
    return box, gr.State(dict(NONE))
