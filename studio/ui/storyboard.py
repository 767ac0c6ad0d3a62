"""The storyboard above the gallery: finished clips in order, each trimmed at head and tail, a cut or a
crossfade at each join, exported as one MP4 with sound (the chain section's stitch, a free job of its own).

The plan lives on the server (a gr.State of shots, kept with the owner's draft so a reload brings it
back); the strip is HTML whose inputs send the plan back as events. What a browser sends is treated as
hostile: only numbers are taken from it, matched to the shots by id, only for shots already in the plan
and still the owner's; the chain section's check_storyboard says at once what an export would refuse.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import gradio as gr

from studio.chain import StoryShot
from studio.errors import InputError, StudioError
from studio.jobs.model import Job, JobState
from studio.service import Caller
from studio.ui import tiles
from studio.ui.compat import event_data
from studio.ui.context import UiContext, user_error
from studio.ui.tiles import esc

MAX_SHOTS = 24
FADES = (0.0, 0.25, 0.5, 1.0, 1.5, 2.0)  # the join menu's choices; 0 is a cut
MAX_FADE = 10.0
DRAFT_KEY = "storyboard"

# Edits go back as one "input" event with the whole plan; the arrows and ✕ as a "click" with it too, so a
# move never runs on a plan older than what is on screen.
BOARD_JS = """
const plan = () => [...element.querySelectorAll('.hh-shot')].map(li => ({id: li.dataset.id,
  start: li.querySelector('[name=start]').value, end: li.querySelector('[name=end]').value,
  fade: (element.querySelector(`.hh-join[data-after="${li.dataset.i}"] select`) || {}).value || '0'}));
element.addEventListener('change', (e) => {
  if (e.target.matches('input, select')) trigger('input', {plan: plan()});
});
element.addEventListener('click', (e) => {
  const b = e.target.closest('button[data-act]');
  if (!b) return;
  e.preventDefault();
  const act = b.dataset.act;
  const confirm = element.querySelector('.hh-story-confirm');
  if (act === 'clear' || act === 'keep_board') {  // Clear asks first, here
    if (confirm) confirm.hidden = act === 'keep_board';
    const focus = act === 'clear' ? element.querySelector('#hh-story-really') : element.querySelector('#hh-story-clear');
    if (focus) focus.focus();
    return;
  }
  if (act === 'export') { trigger('submit', {}); return; }
  trigger('click', {act: act === 'clear_all' ? 'clear' : act, i: Number(b.dataset.i), plan: plan()});
});
"""


@dataclass
class StoryboardUi:
    box: gr.Column
    shots: gr.State   # [{"id", "start", "end", "fade"}]: the plan, in order; fade is the join after the shot
    summary: gr.HTML  # the length once joined, and what an export would refuse
    board: gr.HTML    # the strip of shots and joins, then Export and Clear (plain buttons: `submit`, `click`)

    @property
    def outputs(self) -> list:
        return [self.shots, self.box, self.summary, self.board]


def render() -> StoryboardUi:
    with gr.Column(visible=False, elem_id="hh-storyboard") as box:
        summary = gr.HTML("", elem_id="hh-story-summary")
        board = gr.HTML("", js_on_load=BOARD_JS, elem_id="hh-board")
    return StoryboardUi(box, gr.State([]), summary, board)


def shot(job_id: str) -> dict:
    return {"id": job_id, "start": 0.0, "end": None, "fade": 0.0}


def number(value) -> float | None:
    try:
        x = float(value)
    except (TypeError, ValueError):
        return None
    return x if math.isfinite(x) else None


def edited(shots: list[dict], lengths: dict[str, float], plan) -> tuple[list[dict], bool]:
    """The plan with a browser's edits applied, and whether every value was taken as sent.

    Entries are matched to shots by id (a shot the browser no longer shows keeps its values); a trim
    outside the clip is brought inside it; anything that is not a number keeps the old value."""
    sent = {}
    for entry in (plan if isinstance(plan, list) else [])[:MAX_SHOTS * 2]:
        if isinstance(entry, dict) and isinstance(entry.get("id"), str):
            sent.setdefault(entry["id"], entry)
    out, as_sent = [], isinstance(plan, list)
    for old in shots:
        new, length = sent.get(old["id"]), lengths.get(old["id"], 0.0)
        if new is None:
            out.append(old)
            continue
        start, end, fade = number(new.get("start")), number(new.get("end")), number(new.get("fade"))
        as_sent &= None not in (start, end, fade) and 0 <= start <= length and 0 <= end <= length \
            and 0 <= fade <= MAX_FADE
        start = old["start"] if start is None else min(max(start, 0.0), length)
        end = old["end"] if end is None else min(max(end, 0.0), length)
        fade = old["fade"] if fade is None or not 0 <= fade <= MAX_FADE else fade
        out.append({"id": old["id"], "start": start, "end": None if end is None or end >= length - 1e-6 else end,
                    "fade": fade})
    return out, as_sent


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
    elif act in ("up", "left") and i > 0:
        order[i - 1], order[i] = order[i], order[i - 1]
    elif act in ("down", "right") and i < len(shots) - 1:
        order[i], order[i + 1] = order[i + 1], order[i]
    return tidy([{**shots[k], "fade": fade} for k, fade in zip(order, fades)])


def tidy(shots: list[dict]) -> list[dict]:
    """No join after the last shot: a crossfade removed with its shot never comes back on the next add."""
    return [*shots[:-1], {**shots[-1], "fade": 0.0}] if shots else []


def own_shots(ctx: UiContext, caller: Caller, shots) -> tuple[list[Job], list[dict], int]:
    """The plan's shots that are still the caller's finished clips, and how many were dropped."""
    jobs, kept, dropped = [], [], 0
    for s in (shots if isinstance(shots, list) else [])[:MAX_SHOTS]:
        try:
            job = ctx.studio.core.job(caller, str(s["id"]))
        except (StudioError, KeyError, TypeError):
            dropped += 1
            continue
        if job.state is not JobState.SUCCEEDED or job.deleted_at:
            dropped += 1
            continue
        jobs.append(job)
        kept.append({"id": job.id, "start": number(s.get("start")) or 0.0, "end": number(s.get("end")),
                     "fade": number(s.get("fade")) or 0.0})
    return jobs, tidy(kept), dropped


def used(s: dict, length: float) -> float:
    return max(0.0, (length if s["end"] is None else s["end"]) - s["start"])


def summary_html(ctx: UiContext, caller: Caller, jobs: list[Job], shots: list[dict]) -> str:
    if not jobs:
        return ""
    count = f'{len(jobs)} shot{"s" * (len(jobs) != 1)}'
    try:
        joined = ctx.studio.chain.check_storyboard(caller, [StoryShot(s["id"], s["start"], s["end"]) for s in shots],
                                                   [s["fade"] for s in shots[:-1]])
        problem = "" if len(jobs) > 1 else "<p class='hh-muted'>Add another clip from its panel to join them.</p>"
    except InputError as e:
        joined = sum(used(s, j.seconds or 0.0) for j, s in zip(jobs, shots)) - sum(s["fade"] for s in shots[:-1])
        problem = f'<p class="hh-story-problem" role="alert">Before exporting: {esc(str(e))}</p>'
    return f'<p class="hh-story-title">Storyboard: {count} · {max(joined, 0):.1f} s once joined</p>{problem}'


def board_html(ctx: UiContext, board: gr.HTML, jobs: list[Job], shots: list[dict]) -> str:
    """The shots in order with their trims, and the join after each."""
    items = []
    for i, (job, s) in enumerate(zip(jobs, shots)):
        length = job.seconds or 0.0
        end = length if s["end"] is None else s["end"]
        poster = ctx.url(board, job.poster_path)
        picture = f'<img src="{esc(poster)}" alt="">' if poster else '<span class="hh-shot-ph"></span>'
        n = i + 1
        items.append(
            f'<li class="hh-shot" data-i="{i}" data-id="{esc(job.id)}">{picture}<div class="hh-shot-body">'
            f'<p><b>{n}</b> {esc(tiles.prompt_start(job, 44))}</p>'
            f'<p class="hh-trim"><label>From <input type="number" name="start" min="0" max="{length:g}" '
            f'step="0.1" value="{s["start"]:g}" aria-label="Shot {n} starts at (s)"></label>'
            f'<label>to <input type="number" name="end" min="0" max="{length:g}" step="0.1" value="{end:g}" '
            f'aria-label="Shot {n} ends at (s)"></label> s'
            f'<span class="hh-muted"> of {length:.1f} s</span></p></div>'
            f'<div class="hh-shot-moves">{_button("left", i, "←", f"Move shot {n} earlier", i == 0)}'
            f'{_button("right", i, "→", f"Move shot {n} later", i == len(jobs) - 1)}'
            f'{_button("remove", i, "✕", f"Take shot {n} out", False)}</div></li>')
        if i < len(jobs) - 1:
            items.append(f'<li class="hh-join" data-after="{i}"><select aria-label="Join after shot {n}">'
                         f'{_fade_options(s["fade"])}</select></li>')
    if not items:
        return ""
    return (f'<ol class="hh-story">{"".join(items)}</ol><div class="hh-story-acts">'
            '<button type="button" class="hh-dbtn hh-primary" id="hh-export" data-act="export">'
            'Export one MP4 (free)</button>'
            '<button type="button" class="hh-dbtn" id="hh-story-clear" data-act="clear">Clear</button></div>'
            '<div class="hh-story-confirm hh-confirm" hidden>'
            '<button type="button" class="hh-dbtn hh-stop" id="hh-story-really" data-act="clear_all">'
            'Yes, take every shot off (the clips stay in the gallery)</button>'
            '<button type="button" class="hh-dbtn" data-act="keep_board">Keep the storyboard</button></div>')


def _button(act: str, i: int, text: str, label: str, disabled: bool) -> str:
    return (f'<button type="button" data-act="{act}" data-i="{i}" aria-label="{esc(label)}" title="{esc(label)}"'
            f'{" disabled" if disabled else ""}>{text}</button>')


def _fade_options(current: float) -> str:
    choices = sorted(set(FADES) | {current})
    return "".join(f'<option value="{f:g}"{" selected" if f == current else ""}>'
                   f'{"Cut" if f == 0 else f"Crossfade {f:g} s"}</option>' for f in choices)


def drawn(ctx: UiContext, ui: StoryboardUi, caller: Caller, shots, strip: bool = True) -> dict:
    """The plan as it now stands, kept with the draft; the strip itself is redrawn only when asked, or when
    shots left it (named in a warning)."""
    jobs, shots, dropped = own_shots(ctx, caller, shots)
    if dropped:
        gr.Warning(f"{dropped} shot{'s' * (dropped != 1)} left the storyboard: deleted from the gallery or "
                   "no longer a finished clip.", duration=6)
    ctx.studio.gallery.save_draft(caller, {DRAFT_KEY: shots})  # at most MAX_SHOTS short entries: far below the draft's cap
    return {ui.shots: shots, ui.box: gr.update(visible=bool(shots)), ui.summary: summary_html(ctx, caller, jobs, shots),
            ui.board: board_html(ctx, ui.board, jobs, shots) if strip or dropped else gr.skip()}


def pruned(ctx: UiContext, ui: StoryboardUi, caller: Caller, shots) -> dict:
    """After the gallery changed: the storyboard without the shots that left it, or nothing to redraw."""
    if not shots or len(own_shots(ctx, caller, shots)[1]) == len(shots):
        return {}
    return drawn(ctx, ui, caller, shots)


def restored(ctx: UiContext, ui: StoryboardUi, caller: Caller | None, stored: dict) -> dict:
    """The storyboard kept with the owner's draft (`stored`), drawn for the first view; {} when there is none."""
    shots = stored.get(DRAFT_KEY) if caller else None
    return drawn(ctx, ui, caller, shots) if shots else {}


def wire(ctx: UiContext, ui: StoryboardUi, add: gr.HTML, selected: gr.State, reopen: Callable,
         panel_outputs: list, redraw_after) -> None:
    """Add from the clip's viewer (its body's `submit` event); edit, reorder and remove in the strip; export as one free job."""
    private = {"api_visibility": "private", "show_progress": "hidden"}
    outputs = ui.outputs

    def shown(caller: Caller, shots, strip: bool = True) -> tuple:
        return tuple(drawn(ctx, ui, caller, shots, strip)[c] for c in outputs)

    def on_add(job_id, shots, request: gr.Request):
        caller = ctx.caller(request)
        try:
            job = ctx.studio.core.job(caller, str(job_id or ""))
        except StudioError as e:
            raise user_error(e, "Not added") from None
        if job.state is not JobState.SUCCEEDED or not job.output_path:
            raise gr.Error("Only a finished clip can be a shot: wait for it to finish.", print_exception=False)
        shots = list(shots or [])
        place = next((n for n, s in enumerate(shots, start=1) if s.get("id") == job.id), None)
        if place:
            gr.Info(f"It is already shot {place} of the storyboard.", duration=4)
            return shown(caller, shots)
        if len(shots) >= MAX_SHOTS:
            raise gr.Error(f"A storyboard holds up to {MAX_SHOTS} shots: export this one, then start another.",
                           print_exception=False)
        gr.Info(f"Added as shot {len(shots) + 1} of the storyboard (above the gallery).", duration=5)
        return shown(caller, [*shots, shot(job.id)])

    def on_edit(shots, evt: gr.EventData, request: gr.Request):
        caller = ctx.caller(request)
        jobs, shots, _ = own_shots(ctx, caller, shots)
        plan, as_sent = edited(shots, {j.id: j.seconds or 0.0 for j in jobs}, event_data(evt).get("plan"))
        return shown(caller, plan, strip=not as_sent)  # a value taken as typed: leave the inputs alone

    def on_move(shots, evt: gr.EventData, request: gr.Request):
        caller = ctx.caller(request)
        data = event_data(evt)
        jobs, shots, _ = own_shots(ctx, caller, shots)
        plan, _ = edited(shots, {j.id: j.seconds or 0.0 for j in jobs}, data.get("plan"))
        if data.get("act") == "clear":
            return shown(caller, [])
        return shown(caller, moved(plan, data.get("act"), data.get("i")))

    def on_export(shots, request: gr.Request):
        caller = ctx.caller(request)
        _, shots, _ = own_shots(ctx, caller, shots)
        try:
            job = ctx.studio.chain.stitch(caller, [StoryShot(s["id"], s["start"], s["end"]) for s in shots],
                                          [s["fade"] for s in shots[:-1]])
        except StudioError as e:
            raise user_error(e, "Not exported") from None
        if job.state is not JobState.SUCCEEDED:  # the plan stays, to change and export again
            gr.Warning(f"The export failed: {job.error_message or 'no reason given'}", duration=8)
        else:
            gr.Info(f"Exported: one {tiles.length(job)} MP4 with sound, first in the gallery. The storyboard "
                    "stays here to change and export again, or Clear it.", duration=6)
        return reopen(caller, job, request) | drawn(ctx, ui, caller, shots)  # the strip drawn again: Export is ready

    # "multiple": a second clip added while the first add is still on its way is added too, not dropped
    # (Gradio's default for a click); the adds run one after another, each on the plan the last one left.
    add.submit(on_add, [selected, ui.shots], outputs, trigger_mode="multiple", **private)
    ui.board.input(on_edit, ui.shots, outputs, trigger_mode="always_last", **private)
    ui.board.click(on_move, ui.shots, outputs, **private)
    # Exports run ffmpeg: two at a time for the whole studio, each user's own waits in line with the rest.
    redraw_after(ui.board.submit(on_export, ui.shots, [*panel_outputs, *outputs], concurrency_id="stitch",
                                 concurrency_limit=2, **(private | {"show_progress": "minimal"})))
