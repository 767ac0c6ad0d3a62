"""The clip's detail: a panel over the page's right side (full screen on a phone), opened from a tile.

It shows the player (before/after for an edit), the state in words, the
actions that fit that state, then the settings, cost, lineage and history.
It follows the job live until it ends (studio.ui.live refreshes it).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import gradio as gr

from studio.errors import StudioError
from studio.jobs.model import Job, JobState, Phase
from studio.service import Caller
from studio.service.billing import console_name
from studio.ui import chain_actions, model_picker, takes, tiles
from studio.ui.compat import event_data
from studio.ui.context import UiContext, serve, user_error
from studio.ui.tiles import esc

LINK_JS = """
element.addEventListener('click', (e) => {
  const link = e.target.closest('[data-open]');
  if (link) { e.preventDefault(); trigger('click', {id: link.dataset.open}); }
});
"""
COMPARE_JS = """
element.addEventListener('click', (e) => {
  if (!e.target.closest('[data-act=both]')) return;
  const videos = [...element.querySelectorAll('video')];
  const playing = videos.some(v => !v.paused);
  videos.forEach(v => { v.currentTime = 0; playing ? v.pause() : v.play(); });
});
"""


@dataclass
class DetailUi:
    panel: gr.Column
    selected: gr.State
    seen: gr.State          # what the panel was drawn from (drawn_from): redraw only on a change
    title: gr.HTML
    favourite: gr.Button
    close: gr.Button
    banner: gr.HTML
    player: gr.Video
    compare: gr.HTML
    takes: gr.HTML          # variations side by side, to pick one
    running: gr.Row
    cancel: gr.Button
    decide: gr.Row
    resend: gr.Button
    keep: gr.Button
    owed: gr.Row
    collect: gr.Button
    chain: chain_actions.ChainUi
    again: gr.Row
    load: gr.Button
    retry: gr.Button
    delete: gr.Button
    confirm: gr.Row
    really: gr.Button
    keep_it: gr.Button
    info: gr.HTML
    record: gr.JSON

    @property
    def outputs(self) -> list:
        return [self.panel, self.selected, self.seen, self.title, self.favourite, self.banner, self.player,
                self.compare, self.takes, self.running, self.decide, self.resend, self.keep, self.owed, self.again,
                self.load, self.retry, self.delete, self.confirm, self.info, self.record, *self.chain.outputs]


def render() -> DetailUi:
    with gr.Column(visible=False, elem_id="hh-detail") as panel:
        with gr.Row(elem_id="hh-detail-head", equal_height=True):
            title = gr.HTML("", elem_id="hh-detail-title")
            favourite = gr.Button("☆ Favourite", size="sm", scale=0, min_width=110, elem_id="hh-detail-fav")
            close = gr.Button("✕ Close", size="sm", scale=0, min_width=90, elem_id="hh-detail-close")
        banner = gr.HTML("", elem_id="hh-detail-banner")
        player = gr.Video(label="Clip", interactive=False, visible=False, elem_id="hh-player", loop=True,
                          height=320)
        compare = gr.HTML("", visible=False, js_on_load=COMPARE_JS, elem_id="hh-compare")
        takes_box = gr.HTML("", visible=False, js_on_load=takes.TAKES_JS, elem_id="hh-takes")
        with gr.Row(visible=False, elem_classes=["hh-actions"]) as running:
            cancel = gr.Button("Cancel job", variant="stop", size="sm")
        with gr.Row(visible=False, elem_classes=["hh-actions"]) as decide:
            resend = gr.Button("It is not in my provider console: send again", variant="primary", size="sm")
            keep = gr.Button("It ran: keep it as billed", size="sm")
        with gr.Row(visible=False, elem_classes=["hh-actions"]) as owed:
            collect = gr.Button("Collect the clip again now (no new charge)", variant="primary", size="sm")
        chain = chain_actions.render()
        with gr.Row(visible=False, elem_classes=["hh-actions"]) as again:
            load = gr.Button("Load prompt and settings to change", size="sm", elem_id="hh-load")
            retry = gr.Button("Run again", size="sm")
            delete = gr.Button("Delete…", size="sm", variant="stop", elem_id="hh-delete")
        with gr.Row(visible=False, elem_classes=["hh-actions", "hh-confirm"]) as confirm:
            really = gr.Button("Yes, delete the clip and its files", variant="stop", size="sm")
            keep_it = gr.Button("Keep it", size="sm")
        info = gr.HTML("", js_on_load=LINK_JS, elem_id="hh-detail-info")
        with gr.Accordion("Job record", open=False):
            record = gr.JSON(show_label=False)
    return DetailUi(panel, gr.State(None), gr.State(None), title, favourite, close, banner, player, compare,
                    takes_box, running, cancel, decide, resend, keep, owed, collect, chain, again, load, retry,
                    delete, confirm, really, keep_it, info, record)


def closed(ui: DetailUi) -> dict:
    return {ui.panel: gr.update(visible=False), ui.selected: None, ui.seen: None,
            ui.player: gr.update(value=None, visible=False), ui.confirm: gr.update(visible=False)}


def expected_seconds(ctx: UiContext, caller: Caller, job: Job) -> float | None:
    """How long jobs with these settings usually take (median of earlier ones); None without history."""
    try:
        return ctx.studio.core.expected_time(caller, job.id).seconds
    except StudioError:
        return None


def view(ctx: UiContext, ui: DetailUi, caller: Caller, job: Job, expected: float | None = None,
         redraw: bool = False) -> dict:
    """Every part of the panel for this job, as it stands now (redraw: the same job drawn again as it changes,
    keeping what the user set in its chain actions)."""
    if expected is None and not job.state.finished:
        expected = expected_seconds(ctx, caller, job)
    done = job.state is JobState.SUCCEEDED
    is_edit = job.request.variant.value == "edit" and done and bool(job.request.video)
    decided = job.state.finished and job.state is not JobState.UNSURE
    generated = job.request.variant.value in chain_actions.TAB_OF
    owed = job.phase.collectable
    family = takes.takes_of(ctx, caller, job)
    return chain_actions.view(ctx, ui.chain, caller, job, redraw) | {
        ui.panel: gr.update(visible=True),
        ui.selected: job.id,
        ui.seen: takes.version(family, job),
        ui.title: title_html(job),
        ui.favourite: gr.update(value="★ Favourite" if job.favourite else "☆ Favourite"),
        ui.banner: banner_html(job, expected),
        ui.player: gr.update(value=serve(ctx.studio.media_path(job.output_path)) if done else None,
                             visible=done and not is_edit),
        ui.compare: gr.update(value=compare_html(ctx, ui, job) if is_edit else "", visible=is_edit),
        ui.takes: gr.update(value=takes.takes_html(ctx, ui.takes, job, family), visible=bool(family)),
        ui.running: gr.update(visible=not job.state.finished),
        ui.owed: gr.update(visible=owed),
        ui.decide: gr.update(visible=job.state is JobState.UNSURE),
        ui.resend: gr.update(value=f"It is not in my {console_name(job.backend)}: send again "
                                   f"(≈ ${job.quote_usd:.2f})"),
        ui.keep: gr.update(value=f"It ran: keep it as billed (${job.quote_usd:.2f})"),
        ui.again: gr.update(visible=decided),
        ui.load: gr.update(visible=generated),
        ui.retry: gr.update(visible=generated and not owed, value=f"Run again, new seed · ≈ ${job.quote_usd:.2f}"
                            if not job.is_test else f"Run again, new seed · {tiles.money(job)}"),
        ui.delete: gr.update(visible=decided),
        ui.confirm: gr.update(visible=False),
        ui.info: info_html(ctx, caller, job),
        ui.record: job.public_record(),
    }


def drawn_from(ctx: UiContext, caller: Caller, job: Job) -> str:
    """The panel is drawn again when this changes: the clip, or any take beside it."""
    return takes.version(takes.takes_of(ctx, caller, job), job)


def title_html(job: Job) -> str:
    return (f'<div class="hh-dt"><span class="hh-spec">{esc(tiles.spec(job))}</span>'
            f'<h2>{esc(tiles.prompt_start(job, 90))}</h2></div>')


def banner_html(job: Job, expected: float | None) -> str:
    now = time.time()
    if not job.state.finished:
        return (f'<div class="hh-banner hh-b-running"><p>{tiles.running_words(job, expected, now)}</p>'
                f'{tiles.running_bar(job, expected, now)}<p class="hh-note">It keeps running if you close '
                'this page; the tile shows when it is done.</p></div>')
    if job.state is JobState.SUCCEEDED:
        return (f'<div class="hh-banner hh-b-done"><p>Done {esc(tiles.when(job.updated_at, now))} · '
                f'{esc(tiles.length(job))} · {esc(tiles.cost_line(job))}</p></div>')
    if job.state is JobState.UNSURE:
        return (f'<div class="hh-banner hh-b-decide"><p><b>Needs your decision.</b> '
                f'{esc(job.error_message or "")}</p><p>Look in the <b>{esc(console_name(job.backend))}</b> for '
                f'a task created around {esc(time.strftime("%H:%M", time.localtime(job.created_at)))}, '
                'then tell the studio what you found.</p></div>')
    if job.state is JobState.CANCELLED or job.phase is Phase.KEPT_BILLED:
        return (f'<div class="hh-banner hh-b-cancelled"><p><b>{esc(tiles.state_words(job).capitalize())}.</b> '
                f'{esc(job.error_message or "")}</p><p>{esc(tiles.cost_line(job))}</p></div>')
    return (f'<div class="hh-banner hh-b-failed"><p><b>{esc(tiles.state_words(job).capitalize())}.</b> '
            f'{esc(job.error_message or "")}</p><p>{esc(tiles.cost_line(job))}. Change the prompt or settings '
            'and run it again.</p></div>')


def compare_html(ctx: UiContext, ui: DetailUi, job: Job) -> str:
    before, after = ctx.url(ui.compare, job.request.video), ctx.url(ui.compare, job.output_path)
    if not (before and after):
        return ""
    return ('<div class="hh-compare"><figure><figcaption>Before</figcaption>'
            f'<video src="{esc(before)}" controls muted playsinline preload="metadata"></video></figure>'
            '<figure><figcaption>After</figcaption>'
            f'<video src="{esc(after)}" controls playsinline preload="metadata"></video></figure></div>'
            '<button class="hh-both" data-act="both">Play both from the start</button>')


def settings_line(job: Job) -> str:
    r = job.request
    parts = [r.resolution] + ([r.ratio] if r.ratio else []) + ([f"{r.duration} s"] if r.duration else [])
    parts += [f"seed {job.seed}", f"watermark {'on' if r.watermark else 'off'}"]
    if r.audio:
        parts.append(f"sound {r.audio.value}")
    inputs = (["a first frame"] if r.first_frame else []) + \
        ([f"{len(r.references)} reference images"] if r.references else []) + (["a source clip"] if r.video else [])
    if inputs:
        parts.append("from " + ", ".join(inputs))
    return " · ".join(parts)


def lineage_html(ctx: UiContext, caller: Caller, job: Job) -> str:
    """Where the clip came from and what was made from it, both ways; each step opens in one click."""
    family = ctx.studio.chain.lineage(caller, job.id)
    rows = []
    how = job.made_as.value if job.made_as else "made from"
    for parent in family.parents:
        rows.append(f"<p>This is the <b>{esc(how)}</b> {link(parent)}</p>")
    for older in family.ancestors[1:]:
        rows.append(f"<p class='hh-muted'>which came from {link(older)}</p>")
    for child in family.children:
        made = child.made_as.value if child.made_as else "made from"
        rows.append(f"<p>{link(child)} is the <b>{esc(made)}</b> this clip</p>")
    return "".join(rows) or '<p class="hh-muted">An original: nothing made from it yet.</p>'


def link(job: Job) -> str:
    return (f'<a href="#" data-open="{esc(job.id)}" class="hh-link">{esc(tiles.prompt_start(job, 40))}</a> '
            f'<span class="hh-muted">({esc(tiles.spec(job))}, {esc(tiles.state_words(job))})</span>')


def info_html(ctx: UiContext, caller: Caller, job: Job) -> str:
    rows = [("Prompt", esc(job.request.prompt or "—")),
            *model_picker.detail_rows(job),  # comparepage: the model, and the prompt as the provider rewrote it
            ("Settings", esc(settings_line(job))),
            ("Cost", esc(tiles.cost_line(job)) + (f" · billed {job.billed_seconds:g} s"
                                                  if job.billed_seconds else ""))]
    if job.width:
        rows.append(("Clip", f"{job.width}×{job.height} px · {job.seconds:.1f} s"))
    rows.append(("Backend", esc(ctx.studio.backend_label(job.backend)) + (f" · region {esc(job.region)}"
                                                                          if job.region else "")))
    ids = [f"job {job.id}"] + ([f"task {job.task_id}"] if job.task_id else []) + \
          ([f"request {job.request_id}"] if job.request_id else [])
    rows.append(("Ids", esc(" · ".join(ids))))
    rows.append(("Lineage", lineage_html(ctx, caller, job)))
    history = ctx.studio.core.history(caller, job.id)
    start = history[0]["at"] if history else job.created_at
    rows.append(("History", "<ol class='hh-history'>" + "".join(
        f"<li><b>{esc(h['state'])}</b> <span>{esc(time.strftime('%H:%M:%S', time.localtime(h['at'])))}"
        f" (+{tiles.clock(h['at'] - start)})</span>{' · ' + esc(h['detail']) if h.get('detail') else ''}</li>"
        for h in history) + "</ol>"))
    return '<dl class="hh-facts">' + "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in rows) + "</dl>"


def wire(ctx: UiContext, ui: DetailUi, redraw_after) -> Callable[[str, Job], dict]:
    """The panel's own buttons; returns open_view(caller, job) for anything that opens a job here."""

    def open_view(caller: Caller, job: Job) -> dict:
        return view(ctx, ui, caller, job)

    def act(fn, toast: Callable[[Job], str] | None = None):
        def handler(job_id, request: gr.Request):
            caller = ctx.caller(request)
            if not job_id:
                raise gr.Error("Open a clip first.", print_exception=False)
            try:
                job = fn(caller, job_id, request)
            except StudioError as e:
                raise user_error(e, "Not done") from None
            if toast:
                gr.Info(toast(job))
            return open_view(caller, job) if job.deleted_at is None else closed(ui)
        return handler

    private = dict(api_visibility="private", show_progress="hidden")
    core, billing, gallery = ctx.studio.core, ctx.studio.billing, ctx.studio.gallery

    def spending(method):
        """A paid action: asked first above the confirm line; the caller pays (on their own key when it fits)."""
        def run(caller: Caller, job_id: str, request: gr.Request) -> Job:
            job = core.job(caller, job_id)
            ctx.confirm_spend(caller, job.quote_usd, job.backend, f"{method.__name__} of {job_id}", request)
            return method(caller, job_id)
        return run

    buttons = [
        (ui.favourite, lambda c, i, r: gallery.favourite(c, i, not core.job(c, i).favourite), None),
        (ui.cancel, lambda c, i, r: core.cancel(c, i), lambda j: j.error_message or f"Job {j.id}: {j.state.words}."),
        (ui.retry, spending(core.retry), lambda j: f"Started again as a new job ({tiles.money(j)})."),
        (ui.resend, spending(billing.resend_unsure),
         lambda j: "Sent again as a new job; the unsure one is closed, not billed."),
        (ui.keep, lambda c, i, r: billing.keep_unsure_as_billed(c, i), lambda j: "Kept as billed: it counts in your spend."),
        (ui.collect, lambda c, i, r: billing.collect_again(c, i, timeout=20),
         lambda j: "The clip is here." if j.state is JobState.SUCCEEDED else
         "Not collected yet: the studio keeps trying while the provider's link is valid."),
        (ui.really, lambda c, i, r: gallery.delete(c, i), lambda j: "Deleted the clip and its files."),
    ]
    for button, fn, words in buttons:
        redraw_after(button.click(act(fn, words), ui.selected, ui.outputs, **private))
    ui.close.click(lambda: closed(ui), None, ui.outputs, **private)
    ui.delete.click(lambda: gr.update(visible=True), None, ui.confirm, **private)
    ui.keep_it.click(lambda: gr.update(visible=False), None, ui.confirm, **private)

    def follow(evt: gr.EventData, request: gr.Request):
        data = event_data(evt)
        caller = ctx.caller(request)
        try:
            return open_view(caller, core.job(caller, str(data.get("id") or "")))
        except StudioError as e:
            raise user_error(e, "Not found") from None

    ui.info.click(follow, None, ui.outputs, **private)

    def pick(evt: gr.EventData, request: gr.Request):
        data = event_data(evt)
        caller = ctx.caller(request)
        try:
            job = ctx.studio.chain.pick_take(caller, str(data.get("id") or ""))
        except StudioError as e:
            raise user_error(e, "Not picked") from None
        gr.Info("Picked: the only starred take in the gallery, open here for its final or the next shot.",
                duration=5)
        return open_view(caller, job)

    redraw_after(ui.takes.click(pick, None, ui.outputs, **private))
    return open_view
