"""The page follows the ledger: one timer redraws what changed, says when a job ends, and keeps Generate free.

Generate only sends the job (Submitted) and returns; the runner owns it. Every
TICK seconds the page asks the ledger one cheap question ("did any of my jobs
change?") and, only when the answer is yes, redraws the grid, the header, the
running jobs under each tab's Generate, the open detail, and says in a toast
which followed job finished or failed (the server keeps what each page follows:
studio.ui.watch).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

import gradio as gr

from studio.errors import NotFound, StudioError
from studio.jobs.library import Filter
from studio.jobs.model import Job, JobState
from studio.ui import detail, filters, library, storyboard, tiles
from studio.ui.context import Submitted, UiContext, user_error
from studio.ui.controls import TabUi, latest_html
from studio.ui.watch import page_of
from studio.ui.words import title

TICK = 1.5
DOUBLE_CLICK = 0.8  # seconds: a second Generate sooner than this is a double click, sent once
RUNS_SHOWN = 4
PAGES_KEPT = 10_000  # open pages whose last Generate time is kept (the least recently used is forgotten first)


class LastSent:
    """When each open page last sent a job from each tab, kept on the server (a gr.State a tab was one more
    component in every tab, #22). A page is its owner and Gradio session, which a reload renews, as a State's
    value was; without one (no session) every press counts as the first."""

    def __init__(self, size: int = PAGES_KEPT) -> None:
        self._at: OrderedDict[tuple, float] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()

    def last(self, page: tuple[str, str] | None, tab: str) -> float:
        """When this page's tab last sent a job (0.0: never, or no page)."""
        with self._lock:
            return self._at.get((*page, tab), 0.0) if page else 0.0

    def note(self, page: tuple[str, str] | None, tab: str, now: float) -> None:
        """This page's tab sent a job now (only a job sent counts, as the State's value did)."""
        if page is None:
            return
        with self._lock:
            self._at.pop((*page, tab), None)
            self._at[(*page, tab)] = now
            while len(self._at) > self._size:
                self._at.popitem(last=False)


@dataclass
class Live:
    timer: gr.Timer
    token: gr.State       # the ledger's change token when the page was last drawn


@dataclass
class Redraw:
    after: Callable        # after(event): redraw once that event ends
    run: Callable          # the redraw: takes `inputs` (then request=), returns {component: value}
    inputs: list
    outputs: list


def render() -> Live:
    return Live(gr.Timer(TICK), gr.State(""))


def runs_html(jobs: list[Job], expected: dict[str, float], now: float) -> str:
    """The compact status beside Generate: each running job of this tab in words, elapsed and time left."""
    if not jobs:
        return ""
    rows = "".join(
        f'<li data-open="{tiles.esc(j.id)}" tabindex="0" role="button" '
        f'aria-label="Open the running job: {tiles.esc(title(j, 48))}">'
        f'<span class="hh-run-prompt">{tiles.esc(title(j, 48))}</span>'
        f'<span class="hh-run-state">{tiles.running_words(j, expected.get(j.id), now)}</span>'
        f'{tiles.running_bar(j, expected.get(j.id), now)}</li>' for j in jobs[:RUNS_SHOWN])
    extra = len(jobs) - RUNS_SHOWN
    more = f'<li class="hh-muted">and {extra} more in the gallery</li>' if extra > 0 else ""
    return f'<ul class="hh-runlist">{rows}{more}</ul>'


def toast(job: Job) -> None:
    what = f"“{title(job, 50)}”"
    if job.state is JobState.SUCCEEDED:
        gr.Info(f"Done: {what}, {tiles.length(job)}, {tiles.money(job)}. It is first in the gallery.",
                title="Clip ready", duration=6)
    elif job.state is JobState.UNSURE:
        gr.Warning(f"{what} needs your decision: open it in the gallery.", title="Needs your decision")
    elif job.state is JobState.CANCELLED:
        gr.Info(f"{what} was cancelled. {job.error_message or ''}", title="Cancelled")
    elif job.state is JobState.UNCOLLECTED:  # billed, not failed: the runner keeps collecting the clip
        gr.Warning(f"{what}: {tiles.cost_line(job)}.", title="Clip owed")
    else:
        gr.Warning(f"{what} failed: {job.error_message or 'no reason given'}", title="Job failed")


def wire(ctx: UiContext, live: Live, lib: library.LibraryUi, panel: detail.DetailUi, story: storyboard.StoryboardUi,
         tabs: list[TabUi], header: gr.HTML, header_html: Callable[..., str]) -> Redraw:
    """Connect the timer and every Generate button; returns how to redraw after an event, and the redraw
    itself for the first view (studio.ui.first_view)."""
    by_variant = {tab.api_name: tab for tab in tabs}
    variant_of = {"t2v": "text_to_video", "i2v": "image_to_video", "r2v": "reference_to_video", "edit": "video_edit"}
    tab_outputs = [c for t in tabs for c in (t.result.runs, t.result.latest)]
    outputs = [live.token, lib.grid, header, *tab_outputs, *panel.outputs,
               *story.outputs]
    inputs = [live.token, lib.shown, lib.after, lib.filter, panel.selected, panel.seen, story.shots]

    def redraw(token, shown, after, chosen, selected, seen, shots,
               request: gr.Request):
        caller = ctx.caller_or_none(request)
        if not caller:
            return {live.token: gr.skip()}
        now_token = ctx.studio.gallery.changed(caller)
        if now_token == token:
            return {live.token: gr.skip()}
        page = page_of(caller, request)
        # The viewer is drawn only if no tile or viewer action came in while this redraw read the ledger,
        # and only for the clip the page's latest answer showed: this redraw's copy of the page's state may
        # name a clip opened before (two quick clicks) or draw over a newer view (a take just picked).
        opened = ctx.opening.current(page) if page else 0
        now = time.time()
        running = ctx.studio.gallery.page(caller, Filter(state="running"), limit=100).jobs
        expected = {j.id: s for j in running if (s := detail.expected_seconds(ctx, caller, j))}
        out = {live.token: now_token, header: header_html(caller),
               lib.grid: library.grid_html(ctx, lib, caller, filters.filter_of(chosen), shown, expected, after)}
        for variant_name, tab in by_variant.items():
            mine = [j for j in running if variant_of.get(j.request.variant.value) == variant_name]
            out[tab.result.runs] = runs_html(mine, expected, now)
        for job_id in ctx.watch.advance(page, {j.id for j in running}) if page else ():
            try:
                job = ctx.studio.core.job(caller, job_id)
            except NotFound:
                continue
            if not job.state.finished:  # sent after this redraw read the ledger: still to follow
                ctx.watch.follow(page, job.id)
                continue
            toast(job)
            tab = by_variant.get(variant_of.get(job.request.variant.value, ""))
            if tab and job.state is JobState.SUCCEEDED:
                block = tab.result.latest
                drawn = latest_html(ctx.url(block, job.output_path), ctx.url(block, job.poster_path),
                                    job.public_record())
                out[block] = gr.update(visible=True, value=drawn)
        out.update(storyboard.pruned(ctx, story, caller, shots))  # a shot deleted from the gallery leaves it
        def still_open() -> bool:
            return not page or (ctx.opening.is_latest(page, opened) and ctx.opening.showing(page, selected))

        if selected and still_open():
            try:
                job = ctx.studio.core.job(caller, selected)
            except NotFound:
                viewer = detail.closed(panel)
            else:
                viewer = (detail.view(ctx, panel, caller, job, expected.get(job.id), redraw=True)
                          if detail.drawn_from(ctx, caller, job) != seen else {})
            if still_open():  # asked again once drawn: a tile clicked while the view was drawn opens instead
                out.update(viewer)
        if not ctx.windows.is_asked(page, chosen, shown, after):
            # A filter, sort or page turn came in since this redraw's copy of the page state: that request
            # draws the grid. The token stays as it was, so the next tick redraws with the page's new window.
            del out[lib.grid], out[live.token]
        return out

    live.timer.tick(redraw, inputs, outputs, api_visibility="private", show_progress="hidden",
                    concurrency_limit=None)
    sent_at = LastSent()
    for tab in tabs:
        _wire_generate(ctx, live, tab, redraw, inputs, outputs, sent_at)
    private = dict(api_visibility="private", show_progress="hidden")
    return Redraw(lambda event: event.then(redraw, inputs, outputs, **private), redraw, inputs, outputs)


def _wire_generate(ctx: UiContext, live: Live, tab: TabUi, redraw, inputs, outputs, sent_at: LastSent) -> None:
    """Generate sends the job and returns; a second press sooner than DOUBLE_CLICK is the same press."""
    r = tab.result

    async def start(request: gr.Request, *values):
        now = time.time()
        caller = ctx.caller(request)
        page = page_of(caller, request)
        last = sent_at.last(page, tab.api_name)
        again = bool(last) and now - last > DOUBLE_CLICK  # a deliberate "Generate another"
        try:
            _, record = await tab.generate(*values, request=request, progress=Submitted(caller, again=again))
        except StudioError as e:
            raise user_error(e) from None
        sent_at.note(page, tab.api_name, now)
        if page:
            ctx.watch.follow(page, record["id"])
        if record["created_at"] < now:  # the studio answered with the twin it made a moment ago
            gr.Info("That is the job you sent a moment ago: a double click is sent once.", duration=4)
        elif record.get("test"):
            gr.Info("Sent to the preview renderer (free). Follow it here and in the gallery." if record.get("preview")
                    else "Sent to the emulator (a test run, no money). Follow it here and in the gallery.",
                    title="Generating", duration=4)
        else:
            gr.Info(f"Sent: ≈ ${record['quote_usd']:.2f} quoted. Follow it here and in the gallery.",
                    title="Generating", duration=4)
        return {live.token: "", r.button: gr.update(value=r.button_label(1))}

    sent = r.button.click(start, tab.inputs, [live.token, r.button], api_visibility="private",
                          concurrency_limit=None, preprocess=False, show_progress="minimal")
    sent.then(redraw, inputs, outputs, api_visibility="private", show_progress="hidden")
