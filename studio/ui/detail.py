"""The clip viewer, opened from a tile: a dialog beside the gallery on a wide screen (over the page below
1200 px, full screen on a phone), with previous/next through the gallery (assets/viewer.js).

It shows the player (before/after for an edit), the state in words, the actions that fit that state, the
next shots (studio.ui.chain_actions), then the settings, cost, lineage and history. It follows the job
live until it ends (studio.ui.live refreshes it). Four gr.HTML parts, not dozens of components: the page's
first render stays light (#22), and its buttons are plain buttons whose events carry what was set beside
them; every value a browser sends is checked on the server.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import gradio as gr

from studio.errors import StudioError
from studio.jobs.model import Job, JobState, Phase
from studio.service import Caller
from studio.service.billing import console_name
from studio.ui import chain_actions, facts, model_picker, takes, tiles
from studio.ui.compat import event_data
from studio.ui.context import UiContext, user_error
from studio.ui.tiles import esc
from studio.ui.watch import page_of, seq_of
from studio.ui.unfetched import unfetched_note
from studio.ui.words import seed_words, title

ASSETS = Path(__file__).resolve().parents[2] / "assets"
HEAD_JS = (ASSETS / "viewer.js").read_text()    # the viewer's keyboard (Esc, arrows), focus and its head
BODY_JS = (ASSETS / "detail.js").read_text()    # the body's buttons and fields, as events with their values
NOTES_JS = """
element.addEventListener('click', (e) => {
  const b = e.target.closest('button[data-act]');
  if (b) { e.preventDefault(); trigger('select', {act: b.dataset.act}); }
});
"""


@dataclass
class DetailUi:
    """The clip's viewer in a handful of components: the head (title, previous/next, favourite, close), the
    player, the body (state, actions, next shots, facts, record: plain HTML whose buttons send `click`
    events for the panel's own actions, `select` for those that fill a tab, `submit` for the storyboard),
    and the notes a chain action leaves (a frame's PNG, the edit's price and trim offer)."""

    panel: gr.Column
    selected: gr.State
    seen: gr.State          # what the panel was drawn from (drawn_from): redraw only on a change
    head: gr.HTML
    player: gr.HTML
    body: gr.HTML
    notes: gr.HTML

    @property
    def outputs(self) -> list:
        return [self.panel, self.selected, self.seen, self.head, self.player, self.body, self.notes]


def render() -> DetailUi:
    with gr.Column(visible=False, elem_id="hh-detail", scale=4, min_width=340) as panel:
        head = gr.HTML("", elem_id="hh-detail-head", js_on_load=HEAD_JS, apply_default_css=False)
        player = gr.HTML("", elem_id="hh-player", apply_default_css=False)
        body = gr.HTML("", elem_id="hh-detail-body", js_on_load=BODY_JS, apply_default_css=False)
        notes = gr.HTML("", elem_id="hh-detail-notes", js_on_load=NOTES_JS, apply_default_css=False)
    return DetailUi(panel, gr.State(None), gr.State(None), head, player, body, notes)


def closed(ui: DetailUi) -> dict:
    return {ui.panel: gr.update(visible=False), ui.selected: None, ui.seen: None, ui.head: "", ui.player: "",
            ui.body: "", ui.notes: ""}


def expected_seconds(ctx: UiContext, caller: Caller, job: Job) -> float | None:
    """How long jobs with these settings usually take (median of earlier ones); None without history."""
    try:
        return ctx.studio.core.expected_time(caller, job.id).seconds
    except StudioError:
        return None


def view(ctx: UiContext, ui: DetailUi, caller: Caller, job: Job, expected: float | None = None,
         redraw: bool = False) -> dict:
    """Every part of the viewer for this job, as it stands now (redraw: the same job drawn again as it
    changes, keeping the notes a chain action left and the player if its clip is the same)."""
    if expected is None and not job.state.finished:
        expected = expected_seconds(ctx, caller, job)
    family = takes.takes_of(ctx, caller, job)
    out = {ui.panel: gr.update(visible=True), ui.selected: job.id, ui.seen: takes.version(family, job),
           ui.head: head_html(job), ui.player: player_html(ctx, ui, job),
           ui.body: body_html(ctx, ui, caller, job, expected, family)}
    if not redraw:
        out[ui.notes] = ""
    return out


def head_html(job: Job) -> str:
    """Title and the head's buttons, each named in words: the star's glyph is hidden from screen readers and
    its name says what a press does ("Favourite", "Unfavourite"), not "☆" (#23)."""
    star = ('<span aria-hidden="true">★</span> Unfavourite' if job.favourite else
            '<span aria-hidden="true">☆</span> Favourite')
    return (f'<div class="hh-dhead" data-id="{esc(job.id)}">{title_html(job)}<div class="hh-dnav">'
            '<button type="button" data-act="prev" aria-label="Previous clip" title="Previous clip (←)">‹</button>'
            '<button type="button" data-act="next" aria-label="Next clip" title="Next clip (→)">›</button>'
            f'<button type="button" data-act="fav" id="hh-detail-fav">{star}</button>'
            '<button type="button" data-act="close" id="hh-detail-close" title="Close (Esc)">'
            '<span aria-hidden="true">✕</span> Close</button>'
            '</div></div>')


def player_html(ctx: UiContext, ui: DetailUi, job: Job) -> str:
    if job.state is not JobState.SUCCEEDED:
        return ""
    if job.request.variant.value == "edit" and job.request.video:
        return compare_html(ctx, ui, job)
    url, poster = ctx.url(ui.player, job.output_path), ctx.url(ui.player, job.poster_path)
    if not url:
        return unfetched_note(job)
    return (f'<video src="{esc(url)}" poster="{esc(poster or "")}" controls loop playsinline preload="metadata" '
            f'aria-label="Clip: {esc(title(job, 60))}"></video>')


def _button(act: str, text: str, *, id: str = "", kind: str = "", hidden: bool = False) -> str:
    ident = f' id="{id}"' if id else ""
    kind = f" hh-{kind}" if kind else ""
    return (f'<button type="button" data-act="{act}"{ident} class="hh-dbtn{kind}"{" hidden" if hidden else ""}>'
            f'{esc(text)}</button>')


def body_html(ctx: UiContext, ui: DetailUi, caller: Caller, job: Job, expected: float | None,
              family: list[Job]) -> str:
    decided = job.state.finished and job.state is not JobState.UNSURE
    generated = job.request.variant.value in chain_actions.TAB_OF
    owed = job.phase.collectable
    parts = [banner_html(job, expected)]
    if family:
        parts.append(f'<div id="hh-takes">{takes.takes_html(ctx, ui.body, job, family)}</div>')
    rows = []
    if not job.state.finished:
        rows.append(_button("cancel", "Cancel job", kind="stop"))
    if job.state is JobState.UNSURE:
        rows.append(_button("resend", f"It is not in my {console_name(job.backend)}: send again "
                                      f"(≈ ${job.quote_usd:.2f})", kind="primary"))
        rows.append(_button("keep", f"It ran: keep it as billed (${job.quote_usd:.2f})"))
    if owed:
        rows.append(_button("collect", "Collect the clip again now (no new charge)", kind="primary"))
    if rows:
        parts.append(f'<div class="hh-actions">{"".join(rows)}</div>')
    if job.state is JobState.SUCCEEDED:
        parts.append(chain_actions.chain_html(ctx, caller, job))
    if decided:
        again = []
        if generated:
            again.append(_button("load", "Load prompt and settings to change", id="hh-load"))
            if not owed:
                again.append(_button("retry", f"Run again, new seed · ≈ ${job.quote_usd:.2f}" if not job.is_test
                                     else f"Run again, new seed · {tiles.money(job)}"))
        again.append(_button("delete", "Delete…", id="hh-delete", kind="stop"))
        parts.append(f'<div class="hh-actions">{"".join(again)}</div>'
                     f'<div class="hh-actions hh-confirm" hidden>'
                     f'{_button("really", "Yes, delete the clip and its files", kind="stop")}'
                     f'{_button("keep_it", "Keep it")}</div>')
    parts.append(f'<div id="hh-detail-info">{info_html(ctx, caller, job)}</div>')
    record = json.dumps(job.public_record(), indent=2, ensure_ascii=False, default=str)
    parts.append(f'<details class="hh-record"><summary>Job record</summary><pre>{esc(record)}</pre></details>')
    return "".join(parts)


def drawn_from(ctx: UiContext, caller: Caller, job: Job) -> str:
    """The panel is drawn again when this changes: the clip, or any take beside it."""
    return takes.version(takes.takes_of(ctx, caller, job), job)


def title_html(job: Job) -> str:
    return (f'<div class="hh-dt"><span class="hh-spec">{esc(tiles.spec(job))}</span>'
            f'<h2 id="hh-detail-h" tabindex="-1">{esc(title(job, 90))}</h2></div>')


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
    before, after = ctx.url(ui.player, job.request.video), ctx.url(ui.player, job.output_path)
    if not (before and after):
        return ""
    return ('<div class="hh-compare"><figure><figcaption>Before</figcaption>'
            f'<video src="{esc(before)}" controls muted playsinline preload="metadata" aria-label="Before: the '
            'source clip"></video></figure><figure><figcaption>After</figcaption>'
            f'<video src="{esc(after)}" controls playsinline preload="metadata" aria-label="After: the edit">'
            '</video></figure></div>'
            '<button class="hh-both" data-act="both">Play both from the start</button>')


def settings_line(job: Job) -> str:
    r = job.request
    parts = [r.resolution] + ([r.ratio] if r.ratio else []) + ([f"{r.duration} s"] if r.duration else [])
    parts += [f"seed {seed_words(job)}", f"watermark {'on' if r.watermark else 'off'}"]
    if r.audio:
        parts.append(f"sound {r.audio.value}")
    inputs = (["a first frame"] if r.first_frame else []) + \
        ([f"{len(r.references)} reference images"] if r.references else []) + (["a source clip"] if r.video else [])
    if inputs:
        parts.append("from " + ", ".join(inputs))
    return " · ".join(parts)


def info_html(ctx: UiContext, caller: Caller, job: Job) -> str:
    rows = [("Prompt", esc(job.request.prompt or "—")),
            *model_picker.detail_rows(job),  # the model, and the prompt as the provider rewrote it
            ("Settings", esc(settings_line(job))),
            ("Cost", esc(tiles.cost_line(job)) + (f" · billed {job.billed_seconds:g} s"
                                                  if job.billed_seconds else ""))]
    if job.width:
        rows.append(("Clip", f"{job.width}×{job.height} px · {tiles.seconds_text(job.seconds or 0.0)}"))
    rows.append(("Backend", esc(ctx.studio.backend_label(job.backend)) + (f" · region {esc(job.region)}"
                                                                          if job.region else "")))
    ids = [f"job {job.id}"] + ([f"task {job.task_id}"] if job.task_id else []) + \
          ([f"request {job.request_id}"] if job.request_id else [])
    rows.append(("For support", esc(" · ".join(ids))))  # what the provider and the ledger know it by
    rows.append(("Lineage", facts.lineage_html(ctx, caller, job)))
    rows.append(("History", facts.history_html(ctx, caller, job)))
    return '<dl class="hh-facts">' + "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in rows) + "</dl>"


def wire(ctx: UiContext, ui: DetailUi, redraw_after) -> Callable[..., dict]:
    """The viewer's own actions (its head's and body's `click` events); returns open_view(caller, job, request)
    for anything that opens a job here."""

    def open_view(caller: Caller, job: Job | None, request: gr.Request, ticket: tuple[int, int] | None = None) -> dict:
        """The viewer showing `job` (None: closed), unless a later request of the page came in meanwhile
        (then nothing: that one's answer is drawn). `ticket`: taken when the request began, if it was."""
        page = page_of(caller, request)
        ticket = ticket or (ctx.opening.take(page) if page else None)
        drawn = view(ctx, ui, caller, job) if job else closed(ui)
        # asked once drawn, not before: a later open answered while this one was drawn has the last word
        if page and not ctx.opening.shows(page, ticket, job.id if job else ""):
            return {}
        return drawn

    core, billing, gallery, chain = ctx.studio.core, ctx.studio.billing, ctx.studio.gallery, ctx.studio.chain

    def spending(method):
        """A paid action: asked first above the confirm line; the caller pays (on their own key when it fits)."""
        def run(caller: Caller, job_id: str, request: gr.Request, data: dict) -> Job:
            job = core.job(caller, job_id)
            ctx.confirm_spend(caller, job.quote_usd, job.backend, f"{method.__name__} of {job_id}", request)
            return method(caller, job_id)
        return run

    def final(caller: Caller, job_id: str, request: gr.Request, data: dict) -> Job:
        offer = chain.offer_final(caller, job_id)  # what is confirmed is what is sent
        ctx.confirm_spend(caller, offer.total, offer.backend, f"final of {job_id}", request)
        (job,) = chain.send(caller, offer)
        return job

    def variations(caller: Caller, job_id: str, request: gr.Request, data: dict) -> Job:
        count = data.get("count")
        count = count if isinstance(count, int) and not isinstance(count, bool) else 0
        offer = chain.offer_variations(caller, job_id, count)  # checks the count too
        ctx.confirm_spend(caller, offer.total, offer.backend, f"{len(offer.seeds)} variations of {job_id}", request)
        made = chain.send(caller, offer)
        gr.Info(f"Making {len(made)} variations with new seeds: they arrive together at the top of the gallery.",
                duration=5)
        return offer.parent

    def other(fn):
        """An action on the job the browser named (a lineage link, a take), not the open one."""
        def run(caller: Caller, job_id: str, request: gr.Request, data: dict) -> Job:
            return fn(caller, str(data.get("id") or "")[:64])
        return run

    def picked(caller: Caller, take_id: str) -> Job:
        job = chain.pick_take(caller, take_id)
        gr.Info(takes.picked_words(takes.takes_of(ctx, caller, job), job), duration=6)
        return job

    actions = {
        "fav": (lambda c, i, r, d: gallery.favourite(c, i, not core.job(c, i).favourite), None),
        # no toast of its own: the page follows every running job and says "cancelled" once it ends (live.py)
        "cancel": (lambda c, i, r, d: core.cancel(c, i), None),
        "retry": (spending(core.retry), lambda j: f"Started again as a new job ({tiles.money(j)})."),
        "resend": (spending(billing.resend_unsure),
                   lambda j: "Sent again as a new job; the unsure one is closed, not billed."),
        "keep": (lambda c, i, r, d: billing.keep_unsure_as_billed(c, i),
                 lambda j: "Kept as billed: it counts in your spend."),
        "collect": (lambda c, i, r, d: billing.collect_again(c, i, timeout=20),
                    lambda j: "The clip is here." if j.state is JobState.SUCCEEDED else
                    "Not collected yet: the studio keeps trying while the provider's link is valid."),
        "really": (lambda c, i, r, d: gallery.delete(c, i), lambda j: "Deleted the clip and its files."),
        "final": (final, lambda j: "Making the 1080P final (same prompt and seed): it opens here and leads the "
                                   "gallery."),
        "variations": (variations, None),
        "open": (other(core.job), None),
        "pick": (other(picked), None),
    }

    def act(job_id, evt: gr.EventData, request: gr.Request):
        data = event_data(evt)
        name = data.get("act")
        if name not in actions and name != "close":
            return {}
        caller = ctx.caller(request)
        page = page_of(caller, request)
        # A timer's redraw that read the viewer before this act must not draw over its answer, and an
        # open (the arrows, a lineage link) clicked before another one must not either.
        opens = str(data.get("id") or "")[:64] if name == "open" else None
        ticket = ctx.opening.take(page, seq_of(data) if opens is not None else None, opens) if page else None
        if name == "close":
            return open_view(caller, None, request, ticket)
        if not job_id and name not in ("open", "pick"):
            raise gr.Error("Open a clip first.", print_exception=False)
        fn, words = actions[name]
        try:
            job = fn(caller, job_id, request, data)
        except StudioError as e:
            raise user_error(e, "Not found" if name == "open" else "Not done") from None
        if words:
            gr.Info(words(job))
        return open_view(caller, job if job.deleted_at is None else None, request, ticket)

    private = {"api_visibility": "private", "show_progress": "hidden"}
    for block in (ui.head, ui.body):
        redraw_after(block.click(act, ui.selected, ui.outputs, **private))
    return open_view
