"""Variations side by side in the clip's panel: the clip that was varied and every variation of it, to
play together and pick one. Picking stars that take alone (the chain section's pick_take) and opens it, ready for its
final or the next shot.
"""

from __future__ import annotations

from studio.errors import StudioError
from studio.jobs.model import Job, JobState
from studio.service import Caller
from studio.ui import tiles
from studio.ui.context import UiContext
from studio.ui.tiles import esc

TAKES_JS = """
element.addEventListener('click', (e) => {
  const pick = e.target.closest('[data-pick]');
  if (pick) { e.preventDefault(); trigger('click', {id: pick.dataset.pick}); return; }
  if (!e.target.closest('[data-act=all]')) return;
  const videos = [...element.querySelectorAll('video')];
  const playing = videos.some(v => !v.paused);
  videos.forEach(v => { v.currentTime = 0; playing ? v.pause() : v.play(); });
});
"""


def takes_of(ctx: UiContext, caller: Caller, job: Job) -> list[Job]:
    """The set this clip belongs to (the varied clip first, then its variations); [] if none."""
    try:
        return ctx.studio.chain.takes(caller, job.id)
    except StudioError:
        return []


def version(takes: list[Job], job: Job) -> str:
    """What the panel was drawn from: it is drawn again when the clip changes, or another take ends or is
    starred (not on each step of another take's progress, which would reset what the user is doing)."""
    others = "|".join(f"{j.id}:{j.state.value}:{j.favourite}" for j in takes if j.id != job.id)
    return f"{job.id}:{job.updated_at}|{others}"


def takes_html(ctx: UiContext, block, job: Job, takes: list[Job]) -> str:
    if not takes:
        return ""
    cards = []
    for n, take in enumerate(takes, start=1):
        done = take.state is JobState.SUCCEEDED
        url = ctx.url(block, take.output_path) if done else None
        poster = ctx.url(block, take.poster_path) if done else None
        picture = (f'<video src="{esc(url)}" poster="{esc(poster or "")}" muted loop playsinline controls '
                   'preload="none"></video>' if url else
                   f'<div class="hh-take-wait">{esc(tiles.state_words(take).capitalize())}</div>')
        here = take.id == job.id
        mark = " ★" if take.favourite else ""
        seed = "?" if take.seed is None else str(take.seed)
        button = ('<span class="hh-take-here">Open now</span>' if here else
                  f'<button type="button" data-pick="{esc(take.id)}"{"" if done else " disabled"}>'
                  'Pick this take</button>')
        cards.append(f'<figure class="hh-take{" hh-take-on" if here else ""}">{picture}'
                     f'<figcaption><b>Take {n}{mark}</b><span class="hh-muted">seed {esc(seed)}</span>'
                     f'{button}</figcaption></figure>')
    waiting = sum(t.state is not JobState.SUCCEEDED for t in takes)
    note = f" · {waiting} still coming" if waiting else ""
    return (f'<p class="hh-takes-title">{len(takes)} takes of this prompt, side by side{note}</p>'
            f'<div class="hh-takes">{"".join(cards)}</div>'
            '<button class="hh-both" data-act="all">Play all from the start</button>')
