"""The storyboard above the gallery: finished clips in order, each trimmed at head and tail, a cut or a
crossfade at each join, exported as one MP4 with sound (Studio.stitch, a free job of its own).

The plan lives on the server (a gr.State of shots); the strip is HTML whose inputs send edits back as
events. What a browser sends is treated as hostile: only numbers are taken from it, only for shots
already in the plan, and the service checks every trim and crossfade against the clips before joining.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import gradio as gr

from studio.chain import StoryShot
from studio.errors import StudioError
from studio.jobs.model import Job, JobState
from studio.ui import tiles
from studio.ui.context import UiContext, user_error
from studio.ui.tiles import esc

MAX_SHOTS = 24
FADES = (0.0, 0.25, 0.5, 1.0, 1.5, 2.0)  # the join menu's choices; 0 is a cut

# Edits go back as one "input" event with the whole plan; the arrows and ✕ as a "click" naming the shot.
BOARD_JS = """
const plan = () => [...element.querySelectorAll('.hh-shot')].map(li => ({
  start: li.querySelector('[name=start]').value, end: li.querySelector('[name=end]').value,
  fade: (element.querySelector(`.hh-join[data-after="${li.dataset.i}"] select`) || {}).value || '0'}));
element.addEventListener('change', (e) => {
  if (e.target.matches('input, select')) trigger('input', {plan: plan()});
});
element.addEventListener('click', (e) => {
  const b = e.target.closest('button[data-act]');
  if (b) { e.preventDefault(); trigger('click', {act: b.dataset.act, i: Number(b.dataset.i)}); }
});
"""


@dataclass
class StoryboardUi:
    box: gr.Column
    shots: gr.State   # [{"id", "start", "end", "fade"}]: the plan, in order; fade is the join after the shot
    board: gr.HTML
    export: gr.Button
    clear: gr.Button


def render() -> StoryboardUi:
    with gr.Column(visible=False, elem_id="hh-storyboard") as box:
        board = gr.HTML("", js_on_load=BOARD_JS, elem_id="hh-board")
        with gr.Row(equal_height=True):
            export = gr.Button("Export one MP4 (free)", variant="primary", size="sm", scale=1, elem_id="hh-export")
            clear = gr.Button("Clear", size="sm", scale=0, min_width=70, elem_id="hh-story-clear")
    return StoryboardUi(box, gr.State([]), board, export, clear)


def shot(job_id: str) -> dict:
    return {"id": job_id, "start": 0.0, "end": None, "fade": 0.0}


def number(value, low: float, high: float) -> float | None:
    """A number a browser sent, inside low..high; None for anything else (the old value stays)."""
    try:
        x = float(value)
    except (TypeError, ValueError):
        return None
    return x if math.isfinite(x) and low <= x <= high else None


def edited(shots: list[dict], lengths: dict[str, float], plan) -> list[dict]:
    """The plan with a browser's edits applied: one entry per shot, numbers only, within each clip."""
    if not isinstance(plan, list) or len(plan) != len(shots):
        return shots  # a stale or forged plan: keep the one the server has
    out = []
    for old, new in zip(shots, plan):
        new = new if isinstance(new, dict) else {}
        length = lengths.get(old["id"], 0.0)
        start = number(new.get("start"), 0.0, length)
        end = number(new.get("end"), 0.0, length)
        fade = number(new.get("fade"), 0.0, max(FADES))
        out.append({"id": old["id"], "start": old["start"] if start is None else start,
                    "end": old["end"] if end is None else (None if abs(end - length) < 1e-6 else end),
                    "fade": old["fade"] if fade is None else fade})
    return out


def moved(shots: list[dict], act, i) -> list[dict]:
    """The plan after an arrow or ✕ on shot i; anything else leaves it as it is.

    The joins stay where they are: a crossfade chosen between places 1 and 2 is still there after a move.
    """
    order = list(range(len(shots)))
    if not isinstance(i, int) or isinstance(i, bool) or not 0 <= i < len(shots):
        return list(shots)
    fades = [s["fade"] for s in shots]
    if act == "remove":
        del order[i]
        del fades[min(i, len(fades) - 1)]
    elif act == "up" and i > 0:
        order[i - 1], order[i] = order[i], order[i - 1]
    elif act == "down" and i < len(shots) - 1:
        order[i], order[i + 1] = order[i + 1], order[i]
    return [{**shots[k], "fade": fade} for k, fade in zip(order, fades)]


def used(s: dict, length: float) -> float:
    return max(0.0, (length if s["end"] is None else s["end"]) - s["start"])


def board_html(ctx: UiContext, board: gr.HTML, jobs: list[Job], shots: list[dict]) -> str:
    """The shots in order with their trims and the join after each, and the length once joined."""
    if not jobs:
        return ""
    items = []
    for i, (job, s) in enumerate(zip(jobs, shots)):
        length = job.seconds or 0.0
        end = length if s["end"] is None else s["end"]
        poster = ctx.url(board, job.poster_path)
        picture = f'<img src="{esc(poster)}" alt="">' if poster else '<span class="hh-shot-ph"></span>'
        n = i + 1
        items.append(
            f'<li class="hh-shot" data-i="{i}">{picture}<div class="hh-shot-body">'
            f'<p><b>{n}</b> {esc(tiles.prompt_start(job, 44))}</p>'
            f'<p class="hh-trim"><label>From <input type="number" name="start" min="0" max="{length:g}" '
            f'step="0.1" value="{s["start"]:g}" aria-label="Shot {n} starts at (s)"></label>'
            f'<label>to <input type="number" name="end" min="0" max="{length:g}" step="0.1" value="{end:g}" '
            f'aria-label="Shot {n} ends at (s)"></label> s'
            f'<span class="hh-muted"> of {length:.1f} s</span></p></div>'
            f'<div class="hh-shot-moves">{_button("up", i, "↑", f"Move shot {n} earlier", i == 0)}'
            f'{_button("down", i, "↓", f"Move shot {n} later", i == len(jobs) - 1)}'
            f'{_button("remove", i, "✕", f"Take shot {n} out", False)}</div></li>')
        if i < len(jobs) - 1:
            items.append(f'<li class="hh-join" data-after="{i}"><select aria-label="Join after shot {n}">'
                         f'{_fade_options(s["fade"])}</select></li>')
    joined = sum(used(s, j.seconds or 0.0) for j, s in zip(jobs, shots)) - sum(s["fade"] for s in shots[:-1])
    count = f'{len(jobs)} shot{"s" * (len(jobs) != 1)}'
    hint = "" if len(jobs) > 1 else " · add another clip from its panel to join them"
    return (f'<p class="hh-story-title">Storyboard: {count} · {max(joined, 0):.1f} s once joined{hint}</p>'
            f'<ol class="hh-story">{"".join(items)}</ol>')


def _button(act: str, i: int, text: str, label: str, disabled: bool) -> str:
    return (f'<button type="button" data-act="{act}" data-i="{i}" aria-label="{esc(label)}" title="{esc(label)}"'
            f'{" disabled" if disabled else ""}>{text}</button>')


def _fade_options(current: float) -> str:
    choices = sorted(set(FADES) | {current})
    return "".join(f'<option value="{f:g}"{" selected" if f == current else ""}>'
                   f'{"Cut" if f == 0 else f"Crossfade {f:g} s"}</option>' for f in choices)


def wire(ctx: UiContext, ui: StoryboardUi, add: gr.Button, selected: gr.State, reopen: Callable,
         panel_outputs: list, redraw_after) -> None:
    """Add from the clip's panel; edit, reorder and remove in the strip; export as one free job."""
    private = dict(api_visibility="private", show_progress="hidden")
    outputs = [ui.shots, ui.box, ui.board]

    def own_jobs(owner: str, shots: list[dict]) -> tuple[list[Job], list[dict]]:
        """The plan's shots that are still this owner's clips (a deleted one drops out)."""
        jobs, kept = [], []
        for s in shots or []:
            try:
                jobs.append(ctx.studio.job(owner, s["id"]))
                kept.append(s)
            except (StudioError, KeyError, TypeError):
                continue
        return jobs, kept

    def shown(owner: str, shots: list[dict]) -> tuple:
        jobs, shots = own_jobs(owner, shots)
        return shots, gr.update(visible=bool(shots)), board_html(ctx, ui.board, jobs, shots)

    def on_add(job_id, shots, request: gr.Request):
        owner = ctx.owner(request)
        if not job_id:
            raise gr.Error("Open a finished clip first.", print_exception=False)
        try:
            job = ctx.studio.job(owner, str(job_id))
        except StudioError as e:
            raise user_error(e, "Not added") from None
        if job.state is not JobState.SUCCEEDED or not job.output_path:
            raise gr.Error("Only a finished clip can be a shot: wait for it to finish.", print_exception=False)
        shots = [s for s in (shots or []) if s.get("id") != job.id]
        if len(shots) >= MAX_SHOTS:
            raise gr.Error(f"A storyboard holds up to {MAX_SHOTS} shots: export this one, then start another.",
                           print_exception=False)
        gr.Info(f"Added as shot {len(shots) + 1} of the storyboard (above the gallery).", duration=5)
        return shown(owner, [*shots, shot(job.id)])

    def on_edit(shots, evt: gr.EventData, request: gr.Request):
        owner = ctx.owner(request)
        jobs, shots = own_jobs(owner, shots)
        data = evt._data if isinstance(getattr(evt, "_data", None), dict) else {}
        return shown(owner, edited(shots, {j.id: j.seconds or 0.0 for j in jobs}, data.get("plan")))

    def on_move(shots, evt: gr.EventData, request: gr.Request):
        data = evt._data if isinstance(getattr(evt, "_data", None), dict) else {}
        return shown(ctx.owner(request), moved(shots or [], data.get("act"), data.get("i")))

    def on_export(shots, request: gr.Request):
        owner = ctx.owner(request)
        _, shots = own_jobs(owner, shots)
        try:
            job = ctx.studio.stitch(owner, [StoryShot(s["id"], s["start"], s["end"]) for s in shots],
                                    [s["fade"] for s in shots[:-1]])
        except StudioError as e:
            raise user_error(e, "Not exported") from None
        gr.Info(f"Storyboard exported: one {tiles.length(job)} MP4 with sound, first in the gallery.", duration=5)
        return reopen(owner, job) | {ui.shots: [], ui.box: gr.update(visible=False), ui.board: ""}

    add.click(on_add, [selected, ui.shots], outputs, **private)
    ui.board.input(on_edit, ui.shots, outputs, **private)
    ui.board.click(on_move, ui.shots, outputs, **private)
    redraw_after(ui.export.click(on_export, ui.shots, [*panel_outputs, *outputs],
                                 **(private | {"show_progress": "minimal"})))
    ui.clear.click(lambda: ([], gr.update(visible=False), ""), None, outputs, **private)
