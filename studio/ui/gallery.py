"""The gallery: every job of this user, newest first, read from the ledger.

Posters, not autoplaying videos. Unfinished jobs show their progress; failed
and cancelled ones show why, with a one-click retry. Selecting a card opens
the clip, its settings and its history.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import gradio as gr

from studio.errors import StudioError
from studio.jobs.model import Job, JobState
from studio.ui.context import UiContext, job_title, serve

ASSETS = Path(__file__).resolve().parents[2] / "assets"
PLACEHOLDER = {
    JobState.FAILED: "card-failed.png",
    JobState.CANCELLED: "card-cancelled.png",
    JobState.UNSURE: "card-unsure.png",
}
PENDING = "card-pending.png"
REFRESH_SECONDS = 2.0


@dataclass
class GalleryUi:
    gallery: gr.Gallery
    ids: gr.State
    signature: gr.State
    selected: gr.State
    player: gr.Video
    details: gr.Markdown
    cancel: gr.Button
    retry: gr.Button
    status: gr.Markdown
    timer: gr.Timer


def cost_line(job: Job) -> str:
    """What the job cost, or may cost, in the words a user needs to judge it."""
    if job.state is JobState.UNCOLLECTED:
        money = f"${job.cost_usd:.2f}" if job.cost_usd is not None else f"≈ ${job.quote_usd:.2f}"
        line = f"{money} billed, clip not collected yet (the studio keeps collecting it: no new charge)"
        return f"test run on an emulator · no money, as if {line}" if job.is_test else line
    if job.is_test:
        kind = "preview · free" if job.is_preview else "test run on an emulator · no money"
        return f"{kind} (≈ ${job.quote_usd:.2f} on HappyHorse)"
    if job.cost_usd is not None:
        return f"${job.cost_usd:.2f}"
    if job.state is JobState.FAILED and job.error_code != "deadline":
        return "not billed (failed tasks are free)"
    if job.state is JobState.CANCELLED and job.error_code == "cancelled":
        return "not billed (cancelled in time)"
    if job.state is JobState.UNSURE or job.error_code in ("stopped_waiting", "deadline"):
        return f"may be billed ≈ ${job.quote_usd:.2f}: check the provider's console"
    return f"≈ ${job.quote_usd:.2f} quoted"


def caption(job: Job) -> str:
    """One short line: what it is, where it ran, what it cost (or where it stands)."""
    r = job.request
    secs = job.seconds or r.duration
    head = f"{r.variant.value.upper()} {r.resolution}" + (f" {secs:.0f}s" if secs else "")
    if job.state is JobState.SUCCEEDED:
        money = "free" if job.is_test else (f"${job.cost_usd:.2f}" if job.cost_usd is not None
                                               else f"≈${job.quote_usd:.2f}")
        return f"{head} · {money} · {job.backend}"
    if not job.state.finished:
        pct = f" {job.progress * 100:.0f}%" if job.progress else ""
        return f"{job.state.words}{pct} · {head} · {job.backend}"
    return f"{job.state.words} · {head} · {job.backend}"


def card_image(job: Job) -> str:
    if job.state is JobState.SUCCEEDED and job.poster_path and Path(job.poster_path).exists():
        return serve(job.poster_path)
    return str(ASSETS / PLACEHOLDER.get(job.state, PENDING))


def details(ctx: UiContext, owner: str, job: Job) -> str:
    r = job.request
    rows = [
        f"### {job_title(job)}",
        f"**State:** {job.state.words}" + (f" — {job.error_message}" if job.error_message else ""),
        f"**Backend:** {ctx.studio.backend_label(job.backend)}" + (f" · region {job.region}" if job.region else ""),
        f"**Cost:** {cost_line(job)}" + (f" · billed {job.billed_seconds:g} s" if job.billed_seconds else ""),
        f"**Prompt:** {r.prompt or '—'}",
        f"**Settings:** {r.resolution}" + (f" · {r.ratio}" if r.ratio else "") +
        (f" · {r.duration} s" if r.duration else "") + f" · seed {job.seed} · watermark {'on' if r.watermark else 'off'}"
        + (f" · sound {r.audio.value}" if r.audio else ""),
    ]
    if job.width:
        rows.append(f"**Clip:** {job.width}×{job.height}, {job.seconds:.1f} s")
    if job.parent_id:
        rows.append(f"**From job:** `{job.parent_id}`")
    ids = [f"job `{job.id}`"] + ([f"task `{job.task_id}`"] if job.task_id else []) + \
          ([f"request `{job.request_id}`"] if job.request_id else [])
    rows.append("**Ids:** " + " · ".join(ids))
    history = ctx.studio.history(owner, job.id)
    rows.append("**History:** " + " → ".join(
        f"{h['state']} {dt.datetime.fromtimestamp(h['at']).strftime('%H:%M:%S')}" for h in history))
    return "  \n".join(rows)


def render(ctx: UiContext) -> GalleryUi:
    gr.Markdown("### Your clips", elem_classes=["hh-gallery-title"])
    gallery = gr.Gallery(show_label=False, columns=2, allow_preview=False, object_fit="cover", height="auto",
                         fit_columns=False,
                         elem_id="hh-gallery", buttons=[])
    status = gr.Markdown(elem_classes=["hh-status"])
    with gr.Group(visible=True, elem_id="hh-detail"):
        player = gr.Video(label="Selected clip", interactive=False, visible=False)
        info = gr.Markdown()
        with gr.Row():
            cancel = gr.Button("Cancel job", variant="stop", size="sm", visible=False)
            retry = gr.Button("Run again", size="sm", visible=False)
    return GalleryUi(gallery, gr.State([]), gr.State(""), gr.State(None), player, info, cancel, retry, status,
                     gr.Timer(REFRESH_SECONDS))


@dataclass
class Refresh:
    """Re-reads the gallery from the ledger; chained after anything that changes jobs."""

    fn: object
    inputs: list
    outputs: list

    def after(self, event) -> None:
        event.then(self.fn, self.inputs, self.outputs, api_visibility="private", show_progress="hidden")

    def on_load(self, demo: gr.Blocks) -> None:
        demo.load(self.fn, self.inputs, self.outputs, api_visibility="private", show_progress="hidden")


def wire(ctx: UiContext, ui: GalleryUi, header: gr.HTML, header_html) -> Refresh:
    def refresh(signature: str, request: gr.Request):
        owner = ctx.owner_or_none(request)
        jobs = ctx.studio.jobs(owner) if owner else []
        sig = "|".join(f"{j.id}:{j.state.value}:{j.progress}" for j in jobs)
        if sig == signature:
            return gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.skip()
        items = [(card_image(j), caption(j)) for j in jobs]
        running = sum(not j.state.finished for j in jobs)
        status = f"{len(jobs)} clip{'s' * (len(jobs) != 1)}" + (f" · {running} running" if running else "") if jobs else \
            "No clips yet: make one on the left. Jobs keep running if you close this tab."
        return items, [j.id for j in jobs], sig, status, header_html(owner)

    outputs = [ui.gallery, ui.ids, ui.signature, ui.status, header]
    ui.timer.tick(refresh, ui.signature, outputs, api_visibility="private", show_progress="hidden")
    again = Refresh(refresh, [ui.signature], outputs)

    def open_job(ids: list[str], evt: gr.SelectData, request: gr.Request):
        if evt.index is None or evt.index >= len(ids):
            return gr.skip(), gr.skip(), gr.skip(), gr.skip(), None
        return show(ids[evt.index], request)

    def show(job_id: str | None, request: gr.Request):
        if not job_id:
            return gr.update(visible=False), "", gr.update(visible=False), gr.update(visible=False), None
        owner = ctx.owner(request)
        try:
            job = ctx.studio.job(owner, job_id)
        except StudioError as e:
            raise gr.Error(str(e)) from None
        video = serve(job.output_path) if job.state is JobState.SUCCEEDED else None
        return (gr.update(value=video, visible=video is not None), details(ctx, owner, job),
                gr.update(visible=not job.state.finished or job.error_code == "stopped_waiting"),
                gr.update(visible=job.state.finished, value=f"Run again · ≈ ${job.quote_usd:.2f}"), job.id)

    detail_out = [ui.player, ui.details, ui.cancel, ui.retry, ui.selected]
    ui.gallery.select(open_job, ui.ids, detail_out, api_visibility="private")

    def cancel(job_id: str | None, request: gr.Request):
        if not job_id:
            raise gr.Error("Select a job first.")
        job = ctx.studio.cancel(ctx.owner(request), job_id)
        gr.Info(job.error_message or job.state.words)
        return show(job_id, request)

    def retry(job_id: str | None, request: gr.Request):
        if not job_id:
            raise gr.Error("Select a job first.")
        try:
            job = ctx.studio.retry(ctx.owner(request), job_id)
        except StudioError as e:
            raise gr.Error(str(e)) from None
        gr.Info(f"Started again as job {job.id}: quoted ${job.quote_usd:.2f}.")
        return show(job.id, request)

    again.after(ui.cancel.click(cancel, ui.selected, detail_out, api_visibility="private"))
    again.after(ui.retry.click(retry, ui.selected, detail_out, api_visibility="private"))
    return again
