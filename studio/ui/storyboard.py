"""The storyboard above the gallery: finished clips on a timeline, each trimmed at head and tail to the frame,
a cut or a crossfade at each join, exported as one MP4 with sound (the chain section's stitch, a free job).

The plan lives on the server (a gr.State of shots, kept with the owner's draft so a reload brings it
back); the timeline is HTML (studio.ui.storyboard_html, made live by assets/storyboard.js) whose handles,
nudges and menus send the plan back as events. What a browser sends is treated as hostile
(studio.ui.storyboard_plan): only numbers are taken, matched to the shots by id, only for shots already in
the plan and still the owner's. The cut's length is the chain section's one sum (check_storyboard), shown
in the summary and on Export and recorded as the exported file's; an export shows its steps and can be
cancelled. Each join has a Preview: that join alone, small, as the export makes it, played in the timeline
(studio.ui.storyboard_preview; rendered and kept by studio.service.join_previews).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import gradio as gr

from studio.chain import StoryShot
from studio.errors import InputError, StudioError
from studio.jobs.model import Job, JobState
from studio.media.stitch_run import Cancelled
from studio.service import Caller
from studio.ui.compat import event_data
from studio.ui.context import UiContext, user_error
from studio.ui.storyboard_html import (Board, acts_html, board_html, frames_html, mixed, progress_html,
                                       seconds_text, summary_html)
from studio.ui.storyboard_plan import (MAX_SHOTS, chosen_of, edited, fit_of, moved, own_shots, shot, tidy,
                                       used)
from studio.ui.storyboard_preview import preview_html, refused_html

__all__ = ["MAX_SHOTS", "edited", "moved", "own_shots", "shot", "tidy"]

DRAFT_KEY = "storyboard"
FIT_KEY = "storyboard_fit"
BOARD_JS = (Path(__file__).resolve().parents[2] / "assets" / "storyboard.js").read_text()
TICK = 0.5  # seconds between two drawings of a running export's progress

# The export bar: Export and Cancel as events; Clear asks first, here; the size choice as an "input".
ACTS_JS = """
element.addEventListener('click', (e) => {
  const b = e.target.closest('button[data-act]');
  if (!b || b.disabled) return;
  e.preventDefault();
  const act = b.dataset.act;
  const confirm = element.querySelector('.hh-story-confirm');
  if (act === 'clear' || act === 'keep_board') {
    if (confirm) confirm.hidden = act === 'keep_board';
    const focus = element.querySelector(act === 'clear' ? '#hh-story-really' : '#hh-story-clear');
    if (focus) focus.focus();
    return;
  }
  if (act === 'export') { b.disabled = true; b.textContent = 'Starting the export…'; trigger('submit', {}); return; }
  if (act === 'cancel') { b.disabled = true; b.textContent = 'Cancelling…'; }
  trigger('click', {act: act === 'clear_all' ? 'clear' : act});
});
element.addEventListener('change', (e) => {
  if (e.target.name === 'fit') trigger('input', {fit: e.target.value});
});
"""


# Hide folds the storyboard to its title line, so the gallery comes up under it; the choice is kept in this
# browser, and a shot added unfolds it (the summary's redraw carries the count).
SUMMARY_JS = """
const KEY = 'hh-story-folded';
const kept = () => { try { return localStorage.getItem(KEY) === '1'; } catch (e) { return false; } };
const keep = (on) => { try { on ? localStorage.setItem(KEY, '1') : localStorage.removeItem(KEY); } catch (e) {} };
let shots = null;  // unknown until the first board is drawn (a reload's: it keeps the fold, set by assets/studio.js)
const sync = () => {
  const head = element.querySelector('.hh-story-head');
  if (!head) { if (shots !== null) shots = 0; return; }  // no board (cleared): the next shot added opens it
  const n = Number(head.dataset.shots);
  if (shots !== null && n > shots) keep(false);  // a shot added: show it
  shots = n;
  const folded = kept();
  document.documentElement.toggleAttribute('data-hh-story-folded', folded);
  const b = head.querySelector('.hh-story-fold');
  if (!b) return;
  b.setAttribute('aria-expanded', String(!folded));
  b.setAttribute('aria-label', folded ? 'Show the storyboard' : 'Hide the storyboard');
  if (b.textContent !== (folded ? 'Show' : 'Hide')) b.textContent = folded ? 'Show' : 'Hide';
};
element.addEventListener('click', (e) => {
  if (!e.target.closest('.hh-story-fold')) return;
  keep(!kept());
  sync();
});
new MutationObserver(sync).observe(element, {childList: true, subtree: true});
sync();
"""


@dataclass
class StoryboardUi:
    box: gr.Column
    shots: gr.State   # [{"id", "start", "end", "fade"}]: the plan, in order; fade is the join after the shot
    summary: gr.HTML  # the length once joined, and what an export would refuse
    board: gr.HTML    # the timeline: a strip per shot, joins between, the chosen shot's trim controls
    frames: gr.HTML   # the chosen shot's in and out frames
    acts: gr.HTML     # Export (with the length), Clear, the mixed sizes' choice; progress and Cancel
    fit: gr.State     # how mixed sizes are resolved: "largest" or "smallest"
    chosen: gr.State  # the id of the shot whose frames are shown

    @property
    def outputs(self) -> list:
        return [self.shots, self.box, self.summary, self.board, self.frames, self.acts, self.fit, self.chosen]


def render() -> StoryboardUi:
    with gr.Column(visible=False, elem_id="hh-storyboard") as box:
        summary = gr.HTML("", js_on_load=SUMMARY_JS, elem_id="hh-story-summary")
        board = gr.HTML("", js_on_load=BOARD_JS, elem_id="hh-board")
        frames = gr.HTML("", elem_id="hh-story-frames")
        acts = gr.HTML("", js_on_load=ACTS_JS, elem_id="hh-story-acts")
    return StoryboardUi(box, gr.State([]), summary, board, frames, acts, gr.State("largest"), gr.State(None))


def measured(ctx: UiContext, caller: Caller, jobs: list[Job], shots: list[dict]) -> Board:
    """The plan with each clip's facts and the cut's length as the export will make it (or what is wrong)."""
    facts = [ctx.studio.chain.story_clips.facts(j) for j in jobs]
    if not jobs:
        return Board([], [], [], 0.0)
    try:
        seconds = ctx.studio.chain.check_storyboard(caller, [StoryShot(s["id"], s["start"], s["end"]) for s in shots],
                                                    [s["fade"] for s in shots[:-1]])
        return Board(jobs, shots, facts, seconds)
    except InputError as e:
        rough = sum(used(s, f.video_end) for s, f in zip(shots, facts)) - sum(s["fade"] for s in shots[:-1])
        return Board(jobs, shots, facts, max(rough, 0.0), str(e))


def drawn(ctx: UiContext, ui: StoryboardUi, caller: Caller, shots, strip: bool = True, fit=None,
          chosen=None, preview: Callable[[Board], str] | None = None) -> dict:
    """The plan as it now stands, kept with the draft; the timeline itself is redrawn only when asked, or when
    shots left it (named in a warning). fit, chosen: the size choice and the shown shot (None: left as they are);
    preview: draws a join's preview into the timeline, from the board as measured."""
    jobs, shots, dropped = own_shots(ctx, caller, shots)
    if dropped:
        gr.Warning(f"{dropped} shot{'s' * (dropped != 1)} left the storyboard: deleted from the gallery or "
                   "no longer a finished clip.", duration=6)
    board = measured(ctx, caller, jobs, shots)
    shown_fit = fit_of(fit if fit is not None else ctx.studio.gallery.draft(caller).get(FIT_KEY))
    keep = {DRAFT_KEY: shots} | ({FIT_KEY: fit_of(fit)} if fit is not None else {})
    ctx.studio.gallery.save_draft(caller, keep)  # at most MAX_SHOTS short entries: far below the draft's cap
    place = chosen_of(chosen, shots)
    out = {ui.shots: shots, ui.box: gr.update(visible=bool(shots)), ui.summary: summary_html(board),
           ui.board: board_html(ctx, ui.board, board, preview(board) if preview else "") if strip or dropped
           else gr.skip(),
           ui.frames: frames_html(ctx, ui.frames, board, place),
           ui.acts: acts_html(board, shown_fit)}
    if fit is not None:
        out[ui.fit] = fit_of(fit)
    if chosen is not None or not shots:
        out[ui.chosen] = shots[place]["id"] if shots else None
    return out


def pruned(ctx: UiContext, ui: StoryboardUi, caller: Caller, shots) -> dict:
    """After the gallery changed: the storyboard without the shots that left it, or nothing to redraw."""
    if not shots or len(own_shots(ctx, caller, shots)[1]) == len(shots):
        return {}
    return drawn(ctx, ui, caller, shots)


def restored(ctx: UiContext, ui: StoryboardUi, caller: Caller | None, stored: dict) -> dict:
    """The storyboard kept with the owner's draft (`stored`), drawn for the first view; {} when there is none."""
    shots = stored.get(DRAFT_KEY) if caller else None
    return drawn(ctx, ui, caller, shots, fit=fit_of(stored.get(FIT_KEY))) if shots else {}


def wire(ctx: UiContext, ui: StoryboardUi, add: gr.HTML, selected: gr.State, reopen: Callable,
         panel_outputs: list, redraw_after) -> None:
    """Add from the clip's viewer (its body's `submit` event); trim, join, reorder and remove on the timeline;
    export as one free job, with its progress and Cancel."""
    private = {"api_visibility": "private", "show_progress": "hidden"}
    outputs = ui.outputs

    def shown(caller: Caller, shots, strip: bool = True, fit=None, chosen=None, preview=None) -> dict:
        return drawn(ctx, ui, caller, shots, strip, fit, chosen, preview)

    def on_add(job_id, shots, fit, request: gr.Request):
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
            return shown(caller, shots, fit=fit)
        if len(shots) >= MAX_SHOTS:
            raise gr.Error(f"A storyboard holds up to {MAX_SHOTS} shots: export this one, then start another.",
                           print_exception=False)
        gr.Info(f"Added as shot {len(shots) + 1} of the storyboard (above the gallery).", duration=5)
        return shown(caller, [*shots, shot(job.id)], fit=fit, chosen=job.id)

    def facts_of(jobs: list[Job]) -> tuple[dict, dict]:
        facts = {j.id: ctx.studio.chain.story_clips.facts(j) for j in jobs}
        return {k: f.video_end for k, f in facts.items()}, {k: f.fps for k, f in facts.items()}

    def on_edit(shots, fit, evt: gr.EventData, request: gr.Request):
        caller = ctx.caller(request)
        data = event_data(evt)
        jobs, shots, _ = own_shots(ctx, caller, shots)
        if "fit" in data:  # the size choice (from the export bar)
            return shown(caller, shots, strip=False, fit=fit_of(data.get("fit")))
        lengths, rates = facts_of(jobs)
        plan, as_sent = edited(shots, lengths, data.get("plan"), rates)
        # a value taken as sent: leave the timeline alone (the page already shows it)
        return shown(caller, plan, strip=not as_sent, fit=fit, chosen=data.get("sel") or "")

    def on_move(shots, fit, evt: gr.EventData, request: gr.Request):
        caller = ctx.caller(request)
        data = event_data(evt)
        jobs, shots, _ = own_shots(ctx, caller, shots)
        lengths, rates = facts_of(jobs)
        plan, _ = edited(shots, lengths, data.get("plan"), rates)
        if data.get("act") == "clear":
            return shown(caller, [], fit=fit)
        return shown(caller, moved(plan, data.get("act"), data.get("i")), fit=fit, chosen=data.get("sel") or "")

    def on_preview(shots, fit, evt: gr.EventData, request: gr.Request):
        """A join's Preview: the plan as the page sent it (checked as any edit), then that join rendered small
        (or kept from before) and drawn into the timeline, or the words saying why not."""
        caller = ctx.caller(request)
        data = event_data(evt)
        jobs, shots, _ = own_shots(ctx, caller, shots)
        lengths, rates = facts_of(jobs)
        plan, _ = edited(shots, lengths, data.get("plan"), rates)
        join = data.get("i")
        if len(plan) < 2:  # nothing of the caller's to preview (a stranger's forged event ends here)
            raise gr.Error(f"There is no join {str(join)[:24]} to preview: a storyboard needs two shots of yours "
                           "to have a join.", print_exception=False)

        def preview(board: Board) -> str:
            if board.problem:
                return refused_html(join, board.problem)
            try:
                made = ctx.studio.chain.preview_join(
                    caller, [StoryShot(s["id"], s["start"], s["end"]) for s in board.shots],
                    [s["fade"] for s in board.shots[:-1]], join, fit=fit_of(fit) if mixed(board) else None)
            except StudioError as e:
                return refused_html(join, str(e))
            return preview_html(ctx, ui.board, made)

        return shown(caller, plan, fit=fit, chosen=data.get("sel") or "", preview=preview)

    def on_acts(shots, fit, evt: gr.EventData, request: gr.Request):
        """The export bar's Cancel and Clear."""
        caller = ctx.caller(request)
        act = event_data(evt).get("act")
        if act == "cancel":
            if not ctx.studio.chain.cancel_export(caller):
                gr.Info("No export is running: it may have just finished.", duration=4)
            return {ui.acts: gr.skip()}  # the running export draws its own end ({} would read as no outputs)
        if act == "clear":
            return shown(caller, [], fit=fit)
        return {ui.acts: gr.skip()}

    def on_export(shots, fit, request: gr.Request):
        caller = ctx.caller(request)
        jobs, shots, _ = own_shots(ctx, caller, shots)
        board = measured(ctx, caller, jobs, shots)
        fit = fit_of(fit)
        told = {"done": 0, "total": 1, "words": "Reading the clips"}
        ended: dict = {}

        def work():
            try:
                ended["job"] = ctx.studio.chain.stitch(
                    caller, [StoryShot(s["id"], s["start"], s["end"]) for s in shots],
                    [s["fade"] for s in shots[:-1]], fit=fit if mixed(board) else None,
                    on_step=lambda done, total, words: told.update(done=done, total=total, words=words))
            except BaseException as e:  # handed to the page's thread below, in words
                ended["error"] = e

        worker = threading.Thread(target=work, name="storyboard-export", daemon=True)
        began = time.monotonic()
        worker.start()
        while worker.is_alive():
            yield {ui.acts: acts_html(board, fit, progress_html(told["done"], told["total"], told["words"],
                                                                board.seconds, time.monotonic() - began))}
            worker.join(TICK)
        error = ended.get("error")
        if error is not None:
            yield {ui.acts: acts_html(board, fit)}  # Export is back, to try again
            if isinstance(error, Cancelled):
                gr.Info(str(error), duration=5)
                return
            if isinstance(error, StudioError):
                raise user_error(error, "Not exported") from None
            raise error
        job = ended["job"]
        if job.state is not JobState.SUCCEEDED:  # the plan stays, to change and export again
            gr.Warning(f"The export failed: {job.error_message or 'no reason given'}", duration=8)
        else:
            gr.Info(f"Exported: one {seconds_text(job.seconds or 0.0)} MP4 with sound, first in the gallery. "
                    f"The storyboard stays here to change and export again, or Clear it.", duration=6)
        yield reopen(caller, job, request) | shown(caller, shots, strip=False, fit=fit)

    # "multiple": a second clip added while the first add is still on its way is added too, not dropped
    # (Gradio's default for a click); the adds run one after another, each on the plan the last one left.
    add.submit(on_add, [selected, ui.shots, ui.fit], outputs, trigger_mode="multiple", **private)
    ui.board.input(on_edit, [ui.shots, ui.fit], outputs, trigger_mode="always_last", **private)
    ui.board.click(on_move, [ui.shots, ui.fit], outputs, **private)
    # A join's Preview renders a few seconds of video: two at a time for the whole studio (never in the exports'
    # line), and a press while the page's last one still runs is dropped ("once"; the page disables it too).
    ui.board.submit(on_preview, [ui.shots, ui.fit], outputs, concurrency_id="join-preview", concurrency_limit=2,
                    trigger_mode="once", **private)
    ui.acts.input(on_edit, [ui.shots, ui.fit], outputs, **private)
    ui.acts.click(on_acts, [ui.shots, ui.fit], outputs, concurrency_limit=None, **private)  # Cancel never waits
    # Exports run ffmpeg: two at a time for the whole studio, each user's own waits in line with the rest.
    redraw_after(ui.acts.submit(on_export, [ui.shots, ui.fit], [*panel_outputs, *outputs], concurrency_id="stitch",
                                concurrency_limit=2, **private))

