"""Variations side by side in the clip's panel: the clip that was varied (the original) and every variation
of it, to play together and pick one. Picking stars that take alone (the chain section's pick_take) and opens
it in the main player, ready for its final or the next shot.

The original is named apart from its variations: "3 variations" is what the user asked for, and counting
the original as a fourth take read as one more than they made (#23).
"""

from __future__ import annotations

from studio.errors import StudioError
from studio.jobs.model import Job, JobState
from studio.service import Caller
from studio.ui import tiles
from studio.ui.context import UiContext
from studio.ui.tiles import esc
from studio.ui.words import seed_words


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


def take_name(takes: list[Job], job: Job) -> str:
    """What a take is called in the panel: the original (the clip that was varied), or variation n."""
    at = next((n for n, take in enumerate(takes) if take.id == job.id), None)
    return "The original" if at == 0 else f"Variation {at}" if at else "This take"


def picked_words(takes: list[Job], job: Job) -> str:
    """The message after a pick: which take, what the star means now, and what comes next."""
    name = take_name(takes, job)
    others = "the original and the other variations" if len(takes) > 2 else "the other take"
    return (f"{name} is your pick: it has the star (★) in the gallery and {others} no longer do. It is open "
            "in the player: make its 1080P final or the next shot below.")


def takes_html(ctx: UiContext, block, job: Job, takes: list[Job]) -> str:
    if not takes:
        return ""
    cards = []
    for take in takes:
        done = take.state is JobState.SUCCEEDED
        url = ctx.url(block, take.output_path) if done else None
        poster = ctx.url(block, take.poster_path) if done else None
        name = take_name(takes, take)
        picture = (f'<video src="{esc(url)}" poster="{esc(poster or "")}" muted loop playsinline controls '
                   f'preload="none" aria-label="{esc(name)}"></video>' if url else
                   f'<div class="hh-take-wait">{esc(tiles.state_words(take).capitalize())}</div>')
        here = take.id == job.id
        mark = ' <span role="img" aria-label="your pick">★</span>' if take.favourite else ""
        seed = seed_words(take)
        button = ('<span class="hh-take-here">Open now</span>' if here else
                  f'<button type="button" data-pick="{esc(take.id)}"{"" if done else " disabled"}>'
                  'Pick this take</button>')
        cards.append(f'<figure class="hh-take{" hh-take-on" if here else ""}">{picture}'
                     f'<figcaption><b>{esc(name)}{mark}</b>'
                     f'<span class="hh-muted">seed {esc(seed)}</span>'
                     f'{button}</figcaption></figure>')
    waiting = sum(t.state is not JobState.SUCCEEDED for t in takes)
    note = f" · {waiting} still coming" if waiting else ""
    count = len(takes) - 1
    title = f"The original and {count} variation{'s' if count != 1 else ''}, side by side"
    return (f'<p class="hh-takes-title">{title}{note}</p>'
            f'<div class="hh-takes">{"".join(cards)}</div>'
            '<button class="hh-both" data-act="all">Play all from the start</button>')
