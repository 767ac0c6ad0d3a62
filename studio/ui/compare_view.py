"""Compare on the page (#21 item 5): the same shot on 2-3 models, one quote with a line per model, the clips side by
side playing in sync, and "Pick this one" to continue the chain from the winner.

One gr.HTML holds the whole view (light: no component per clip). A tab's "Compare models…" button checks the
tab's form and draws the offer: a line per model with its price, each model a checkbox, the total, and Send. The
offer's request lives in this page's session (a gr.State, never taken from the browser); the view's own buttons
travel as the HTML's click event with {act, ...}:

    models   the checked models changed: quote again (studio.compare.quote)
    send     send the shot to them (studio.compare.start), linked as one compare with one seed
    pick     pick a finished clip: it is starred alone and opens in the clip's panel for its frame, final, variations
    close    put the view away

The compare shown is kept in the owner's draft, so a reload draws it again (studio.compare.group). A timer
redraws it while any of its clips runs, and stops when all have ended. Everything is the caller's own:
a compare id or job id sent by a stranger finds nothing.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import gradio as gr

from studio import model_choice, models
from studio.errors import StudioError
from studio.jobs.model import Job, JobState
from studio.service import Caller
from studio.ui import tiles
from studio.ui.compat import event_data
from studio.ui.context import UiContext, uploads, user_error
from studio.ui.controls import TabUi, rewritten_line
from studio.ui.watch import page_of
from studio.ui.words import seed_words
from studio.variant_kinds import Variant

DRAFT_KEY = "compare.shown"   # the owner's draft keeps the compare on screen, for a reload
TICK = 2.0                    # seconds between redraws while a compared clip runs
MAX_MODELS = 3
MAX_ID = 64

SYNC_JS = """
let hhSyncing = false;
const hhVideos = () => [...element.querySelectorAll('video')];
const hhPlay = (v) => { const p = v.play(); if (p) p.catch(() => {}); };  // a pause may interrupt it: no error
const hhAll = (fn) => {
  if (hhSyncing) return;
  hhSyncing = true;
  try { hhVideos().forEach(fn); } finally { hhSyncing = false; }
};
// one clip played, paused or moved: the others follow it (media events do not bubble: listen while capturing)
element.addEventListener('play', (e) => hhAll(v => {
  if (v !== e.target) { v.currentTime = e.target.currentTime; hhPlay(v); } }), true);
element.addEventListener('pause', (e) => hhAll(v => { if (v !== e.target) v.pause(); }), true);
element.addEventListener('seeked', (e) => hhAll(v => {
  if (v !== e.target && Math.abs(v.currentTime - e.target.currentTime) > 0.2) v.currentTime = e.target.currentTime;
}), true);
element.addEventListener('change', (e) => {
  if (!e.target.matches('input[data-model]')) return;
  const chosen = [...element.querySelectorAll('input[data-model]:checked')].map(i => i.dataset.model);
  trigger('click', {act: 'models', models: chosen});
});
element.addEventListener('click', (e) => {
  const b = e.target.closest('[data-act]');
  if (!b || b.disabled) return;
  e.preventDefault();
  const act = b.dataset.act;
  if (act === 'sync') {
    const videos = hhVideos();
    const playing = videos.some(v => !v.paused);
    hhAll(v => { v.currentTime = 0; playing ? v.pause() : hhPlay(v); });
    return;
  }
  if (act === 'send') {
    const chosen = [...element.querySelectorAll('input[data-model]:checked')].map(i => i.dataset.model);
    trigger('click', {act: 'send', models: chosen});
    return;
  }
  trigger('click', {act: act, id: b.dataset.id || ''});
});
"""

SHOW_JS = "() => { document.querySelector('#hh-compare-view')?.scrollIntoView({behavior: 'smooth', block: 'start'}); }"


@dataclass
class CompareUi:
    view: gr.HTML
    shot: gr.State      # {"variant", "fields", "models"} of the offer shown, or {"id"} of the compare shown
    timer: gr.Timer


def render() -> CompareUi:
    view = gr.HTML("", visible=False, js_on_load=SYNC_JS, elem_id="hh-compare-view", apply_default_css=False)
    return CompareUi(view, gr.State(None), gr.Timer(TICK, active=False))


def esc(value: Any) -> str:
    return html.escape(str(value), quote=True)


# --- what the view shows -------------------------------------------------------------------------------------


def offered_models(variant: Variant, backend: str) -> list[str]:
    return [o.model for o in model_choice.offered(variant, backend) if o.available]


def first_choice(chosen: str | None, offered: list[str]) -> list[str]:
    """The models a compare starts with: the tab's model first, then the others offered, at most three."""
    ordered = ([chosen] if chosen in offered else []) + [m for m in offered if m != chosen]
    return ordered[:MAX_MODELS]


def offer_html(offered: list[str], chosen: list[str], lines: dict[str, str], total: str | None,
               problem: str | None, summary: str) -> str:
    """The quote before anything is sent: a checkbox per model with its line, the total, Send."""
    rows = []
    for model in offered:
        on = model in chosen
        line = lines.get(model) or ("not in this compare" if not on else "")
        rows.append(f'<li><label><input type="checkbox" data-model="{esc(model)}"{" checked" if on else ""}> '
                    f'<b>{esc(models.label(model))}</b></label> <span class="hh-cmp-line">{esc(line)}</span></li>')
    can = total is not None and not problem
    send = (f'<button type="button" class="hh-cmp-send" data-act="send">Send to {len(chosen)} models · {esc(total)}'
            '</button>' if can else
            '<button type="button" class="hh-cmp-send" data-act="send" disabled>Send</button>')
    said = f'<p class="hh-cmp-problem"><b>Can\'t compare yet:</b> {esc(problem)}</p>' if problem else ""
    return (f'<div class="hh-cmp hh-cmp-offer"><div class="hh-cmp-head"><b>Compare this shot</b>'
            f'<button type="button" data-act="close" class="hh-cmp-close">✕ Close</button></div>'
            f'<p class="hh-muted">{esc(summary)}</p><ul class="hh-cmp-lines">{"".join(rows)}</ul>{said}'
            f'<p class="hh-cmp-total">{esc(total or "")}</p>{send}</div>')


def card(ctx: UiContext, block, job: Job) -> str:
    done = job.state is JobState.SUCCEEDED
    url = ctx.url(block, job.output_path) if done else None
    poster = ctx.url(block, job.poster_path) if done else None
    picture = (f'<video src="{esc(url)}" poster="{esc(poster or "")}" muted loop playsinline controls '
               'preload="auto"></video>' if url else
               f'<div class="hh-cmp-wait">{esc(tiles.state_words(job).capitalize())}'
               f'{"" if job.state.finished else tiles.running_bar(job, None, job.updated_at or job.created_at)}'
               f'{"<p>" + esc(job.error_message) + "</p>" if job.state.finished and job.error_message else ""}</div>')
    rewritten = rewritten_line(job.actual_prompt, job.request.prompt)
    rewrite = (f'<details class="hh-cmp-rewrite"><summary>Rewritten prompt</summary>{esc(job.actual_prompt)}</details>'
               if rewritten else "")
    mark = " ★" if job.favourite else ""
    pick = (f'<button type="button" data-act="pick" data-id="{esc(job.id)}" class="hh-cmp-pick">Pick this one</button>'
            if done else "")
    return (f'<figure class="hh-cmp-clip" data-job="{esc(job.id)}" data-state="{esc(job.state.value)}">{picture}'
            f'<figcaption><b>{esc(models.label(job.model))}{mark}</b> <span class="hh-muted">'
            f'{esc(tiles.money(job))} · seed {esc(seed_words(job))}</span>{rewrite}{pick}</figcaption></figure>')


def group_html(ctx: UiContext, block, jobs: list[Job]) -> str:
    first = jobs[0]
    waiting = sum(not j.state.finished for j in jobs)
    note = f" · {waiting} still running" if waiting else ""
    return (f'<div class="hh-cmp hh-cmp-group" data-compare="{esc(first.compare_id)}">'
            f'<div class="hh-cmp-head"><b>{len(jobs)} models, the same shot{esc(note)}</b>'
            f'<button type="button" data-act="close" class="hh-cmp-close">✕ Close</button></div>'
            f'<p class="hh-muted">“{esc(tiles.prompt_start(first, 90))}” · {esc(tiles.spec(first))} · '
            f'seed {esc(seed_words(first))}</p>'
            f'<div class="hh-cmp-clips">{"".join(card(ctx, block, j) for j in jobs)}</div>'
            '<button type="button" data-act="sync" class="hh-both">Play all from the start, in sync</button></div>')


def version(jobs: list[Job]) -> str:
    """What the view was drawn from: it is drawn again only when a clip's state or star changes (a redraw
    restarts the players)."""
    return "|".join(f"{j.id}:{j.state.value}:{j.favourite}:{bool(j.actual_prompt)}" for j in jobs)


# --- wiring ----------------------------------------------------------------------------------------------------


def wire(ctx: UiContext, ui: CompareUi, tabs: list[TabUi], open_view: Callable[[Caller, Job], dict],
         panel_outputs: list, redraw_after: Callable) -> tuple[Callable[[gr.Request], dict], list]:
    """Each tab's Compare button, the view's own buttons and the timer while clips run; returns the view's
    restore after a reload and its outputs, for the first view's one load event (studio.ui.first_view)."""
    private = dict(api_visibility="private", show_progress="hidden")
    backend = ctx.studio.settings.backend
    compare = ctx.studio.compare

    def quoted(caller: Caller, shot: dict):
        """The shot (checked again, files by content) quoted on the chosen models; StudioError in words."""
        request = compare.prepare(shot["variant"], shot["models"], **uploads(shot["fields"]))
        return compare.quote(caller, request, shot["models"])

    def offer(caller: Caller, shot: dict) -> str:
        variant = Variant(shot["variant"])
        offered = offered_models(variant, backend)
        chosen = shot["models"]
        where = ("on the preview: free renders, not the models' output" if backend == "preview" else
                 f"on {ctx.studio.backend_label()}")
        summary = (f"{variant.title} {where} · the same prompt, inputs, resolution, ratio, duration and seed for "
                   "each model.")
        try:
            quote = quoted(caller, shot)
        except StudioError as e:
            return offer_html(offered, chosen, {}, None, str(e), summary)
        lines = {line.model: line.describe() for line in quote.lines}
        return offer_html(offered, chosen, lines, f"${quote.total:.2f} in all", None, summary)

    def shown(caller: Caller, compare_id: str) -> tuple[str, list[Job]]:
        jobs = compare.group(caller, compare_id)
        return group_html(ctx, ui.view, jobs), jobs

    for tab in tabs:
        if tab.result.compare is None or tab.fields is None:
            continue

        def ask(request: gr.Request, *values, tab=tab):
            caller = ctx.caller(request)
            try:
                fields = tab.fields(*values)
            except TypeError:  # not the tab's form: a page sends every input of it
                raise gr.Error("The form did not arrive whole: reload the page and try again.",
                               print_exception=False) from None
            chosen = first_choice(fields.get("model"), offered_models(Variant(tab.variant), backend))
            shot = {"variant": tab.variant, "fields": fields, "models": chosen}
            return {ui.view: gr.update(value=offer(caller, shot), visible=True), ui.shot: shot,
                    ui.timer: gr.Timer(active=False)}

        tab.result.compare.click(ask, tab.inputs, [ui.view, ui.shot, ui.timer], preprocess=False,
                                 **private).then(None, js=SHOW_JS, **private)

    def acted(shot, evt: gr.EventData, request: gr.Request):
        data = event_data(evt)
        caller = ctx.caller(request)
        act = data.get("act")
        if act == "close":
            ctx.studio.gallery.save_draft(caller, {DRAFT_KEY: None})
            return {ui.view: gr.update(value="", visible=False), ui.shot: None, ui.timer: gr.Timer(active=False)}
        if act == "pick":
            try:
                job = compare.pick(caller, str(data.get("id") or "")[:MAX_ID])
            except StudioError as e:
                raise user_error(e, "Not picked") from None
            gr.Info("Picked: starred alone among this compare, open in the clip's panel for its frame, final or "
                    "variations.", duration=5)
            view = shown(caller, job.compare_id)[0] if job.compare_id else gr.update()
            return {ui.view: view, **open_view(caller, job, request)}
        if not isinstance(shot, dict) or "variant" not in shot:
            return {ui.view: gr.skip()}  # no offer on screen: nothing to change or send
        picked = data.get("models")
        picked = [m for m in picked if isinstance(m, str)][:MAX_MODELS + 1] if isinstance(picked, list) else []
        offered = offered_models(Variant(shot["variant"]), backend)
        shot = shot | {"models": [m for m in offered if m in picked]}
        if act == "models":
            return {ui.view: offer(caller, shot), ui.shot: shot}
        if act != "send":
            return {ui.view: gr.skip()}
        try:
            quote = quoted(caller, shot)
            ctx.confirm_spend(caller, quote.total, quote.backend,
                              f"compare of {[line.prepared.request.to_dict() for line in quote.lines]}", request)
            jobs = compare.send(caller, quote)
        except StudioError as e:
            raise user_error(e, "Not sent") from None
        page = page_of(caller, request)
        for job in jobs:
            if page:
                ctx.watch.follow(page, job.id)
        ctx.studio.gallery.save_draft(caller, {DRAFT_KEY: jobs[0].compare_id})
        gr.Info(f"Sent to {len(jobs)} models, one seed ({jobs[0].seed}): "
                + ("test runs, no money." if jobs[0].is_test else f"≈ ${quote.total:.2f} quoted."), duration=5)
        return {ui.view: group_html(ctx, ui.view, jobs), ui.shot: {"id": jobs[0].compare_id, "seen": version(jobs)},
                ui.timer: gr.Timer(active=not all(j.state.finished for j in jobs))}

    redraw_after(ui.view.click(acted, ui.shot, [ui.view, ui.shot, ui.timer, *panel_outputs], preprocess=False,
                               trigger_mode="multiple", **private))

    def tick(shot, request: gr.Request):
        caller = ctx.caller_or_none(request)
        if not caller or not isinstance(shot, dict) or not isinstance(shot.get("id"), str):
            return {ui.timer: gr.Timer(active=False)}
        try:
            jobs = compare.group(caller, shot["id"])
        except StudioError:
            return {ui.view: gr.update(value="", visible=False), ui.shot: None, ui.timer: gr.Timer(active=False)}
        out = {ui.timer: gr.Timer(active=not all(j.state.finished for j in jobs))}
        if version(jobs) != shot.get("seen"):
            out |= {ui.view: group_html(ctx, ui.view, jobs), ui.shot: shot | {"seen": version(jobs)}}
        return out

    ui.timer.tick(tick, ui.shot, [ui.view, ui.shot, ui.timer], concurrency_limit=None, **private)

    def restore(request: gr.Request):
        caller = ctx.caller_or_none(request)
        shown_id = (ctx.studio.gallery.draft(caller) or {}).get(DRAFT_KEY) if caller else None
        if not isinstance(shown_id, str):
            return {ui.view: gr.skip()}
        try:
            view, jobs = shown(caller, shown_id)
        except StudioError:
            return {ui.view: gr.skip()}
        return {ui.view: gr.update(value=view, visible=True), ui.shot: {"id": shown_id, "seen": version(jobs)},
                ui.timer: gr.Timer(active=not all(j.state.finished for j in jobs))}

    return restore, [ui.view, ui.shot, ui.timer]
