"""The gallery's tiles as HTML: what a person reads on each clip, at the clip's own shape.

Pure functions of jobs and addresses (no Gradio, no disk), so the words are
tested without a browser. assets/studio.js brings the grid to life: hover
plays muted, a click opens the detail, elapsed times tick, the end of the
grid asks for more.
"""

from __future__ import annotations

import datetime as dt
import html
import time

from studio import models
from studio.jobs.library import Page
from studio.jobs.model import Job, JobState, Phase
from studio.ui import words

ABBREVIATIONS = {"t2v": "T2V", "i2v": "I2V", "r2v": "R2V", "edit": "EDIT", "stitch": "STORY"}
RATIO_SHAPES = {"16:9": (16, 9), "9:16": (9, 16), "1:1": (1, 1), "4:3": (4, 3), "3:4": (3, 4)}
STATE_CLASS = {JobState.SUCCEEDED: "done", JobState.FAILED: "failed", JobState.CANCELLED: "cancelled",
               JobState.UNSURE: "decide"}
PROMPT_CHARS = 110


def esc(value) -> str:
    return html.escape(str(value), quote=True)


def when(at: float, now: float | None = None) -> str:
    """How long ago, the way a person says it."""
    now = time.time() if now is None else now
    ago = max(0.0, now - at)
    if ago < 45:
        return "just now"
    if ago < 3600:
        return f"{round(ago / 60) or 1} min ago"
    stamp = dt.datetime.fromtimestamp(at)
    if ago < 86400 and stamp.date() == dt.datetime.fromtimestamp(now).date():
        return f"today {stamp:%H:%M}"
    if ago < 2 * 86400:
        return f"yesterday {stamp:%H:%M}"
    return f"{stamp:%d %b %Y}" if ago > 300 * 86400 else f"{stamp:%d %b}"


def clock(seconds: float) -> str:
    seconds = max(0, int(seconds))
    return f"{seconds // 60}:{seconds % 60:02d}"


def seconds_text(seconds: float) -> str:
    """A cut's length as every part of the page writes it: to the hundredth, without trailing zeros."""
    return f"{max(seconds, 0.0):.2f}".rstrip("0").rstrip(".") + " s"


def length(job: Job) -> str:
    """A clip's length: whole seconds for a generated clip (its duration as asked), and for a storyboard's
    cut the length the storyboard showed (seconds_text), so one cut reads the same on the board, its tile
    and in the viewer."""
    secs = job.seconds or job.request.duration
    if not secs:
        return ""
    return seconds_text(secs) if job.request.variant.value == "stitch" else f"{secs:.0f} s"


def spec(job: Job) -> str:
    """The compact chips on a tile: variant, resolution, length (e.g. T2V 720P 3s)."""
    secs = job.seconds or job.request.duration
    parts = [ABBREVIATIONS.get(job.request.variant.value, job.request.variant.value.upper()),
             job.request.resolution] + ([length(job).replace(" ", "")] if secs else [])
    return " ".join(parts)


def money(job: Job) -> str:
    """The cost in a few characters: free, $0.70, or what it may cost."""
    if job.is_test:
        return "free preview" if job.is_preview else "test run, no money"
    if job.cost_usd is not None:
        return "free" if job.cost_usd == 0 else f"${job.cost_usd:.2f}"
    if job.state.finished and job.state is not JobState.UNSURE:
        return "not billed"
    return f"≈ ${job.quote_usd:.2f}"


def cost_line(job: Job) -> str:
    """What the job cost, or may cost, in the words a user needs to judge it."""
    if job.state is JobState.UNCOLLECTED:
        money = f"${job.cost_usd:.2f}" if job.cost_usd is not None else f"≈ ${job.quote_usd:.2f}"
        line = f"{money} billed, clip not collected yet (the studio keeps collecting it: no new charge)"
        return f"test run on an emulator · no money, as if {line}" if job.is_test else line
    if job.is_test:
        kind = "preview · free" if job.is_preview else "test run on an emulator · no money"
        return f"{kind} (≈ ${job.quote_usd:.2f} on HappyHorse)"
    if job.backend == "studio":
        return "free: joined here by the studio"
    if job.cost_usd is not None:
        return f"${job.cost_usd:.2f}"
    if job.phase is Phase.FAILED:
        return "not billed (failed tasks are free)"
    if job.phase in (Phase.CANCELLED, Phase.NOT_SENT):
        return "not billed (cancelled in time)" if job.phase is Phase.CANCELLED else "not billed"
    if job.phase in (Phase.UNSURE, Phase.STOPPED_WAITING, Phase.PAST_DEADLINE):
        return f"may be billed ≈ ${job.quote_usd:.2f}: check the provider's console"
    return f"≈ ${job.quote_usd:.2f} quoted"


def shape(job: Job) -> tuple[int, int]:
    """The clip's width and height, or the shape it was asked for while it has none yet."""
    if job.width and job.height:
        return job.width, job.height
    return RATIO_SHAPES.get(job.request.ratio or "", (16, 9))


def prompt_start(job: Job, chars: int = PROMPT_CHARS) -> str:
    """The prompt as a caption, cut at a whole word (studio.ui.words.title); its kind when it has none."""
    return words.title(job, chars)


def prompt_around(job: Job, search: str, chars: int) -> str:
    """The whole prompt (whitespace folded) when it fits in `chars`, else the part around the first search
    word it holds (… where cut), so a search hit is always in sight; the start when no word is in it."""
    text = prompt_start(job, 10**9)
    if len(text) <= chars:
        return text
    lower = text.lower()
    hits = [lower.find(w.lower()) for w in (search or "").split()]
    at = min((h for h in hits if h >= 0), default=-1)
    if at < 0:
        return prompt_start(job, chars)
    start = max(0, min(at - chars // 3, len(text) - chars))
    end = start + chars
    return ("…" if start else "") + text[start:end].strip() + ("…" if end < len(text) else "")


def state_words(job: Job) -> str:
    if job.phase in (Phase.NOT_SENT, Phase.KEPT_BILLED):
        return job.phase.value  # a decision the user made, in their words
    return job.state.words


def running_bar(job: Job, expected: float | None, now: float) -> str:
    """Progress the provider reports, else elapsed against the usual time, else a moving bar (never a frozen 0%)."""
    since = job.created_at
    attrs = f'data-since="{since:.3f}" data-now="{now:.3f}"' + (f' data-expect="{expected:.1f}"' if expected else "")
    if job.progress:
        fill = f'<i style="width:{job.progress * 100:.0f}%"></i>'
        kind = "known"
    elif expected:
        fill = f'<i style="width:{min(95.0, 100 * (now - since) / expected):.0f}%"></i>'
        kind = "expected"
    else:
        fill, kind = "<i></i>", "unknown"
    return f'<div class="hh-bar hh-bar-{kind}" {attrs}>{fill}</div>'


def time_left(seconds: float) -> str:
    """The time left in words (studio.js writes the same words as the seconds pass)."""
    if seconds >= 1:
        return f"about {clock(seconds)} left"
    return "almost done" if seconds > 0 else "taking longer than usual"


def running_words(job: Job, expected: float | None, now: float) -> str:
    """State in words, elapsed, and the time left from earlier jobs like it (or that this is the first)."""
    pct = f" {job.progress * 100:.0f}%" if job.progress else ""
    elapsed = f'<span class="hh-elapsed" data-since="{job.created_at:.3f}" data-now="{now:.3f}">' \
              f'{clock(now - job.created_at)}</span>'
    if expected:
        left = f'<span class="hh-left" data-since="{job.created_at:.3f}" data-now="{now:.3f}" ' \
               f'data-expect="{expected:.1f}">{time_left(expected - (now - job.created_at))}</span>'
    else:
        left = '<span class="hh-left">the first of its kind: no estimate yet</span>'
    return f"{esc(job.state.words)}{pct} · {elapsed} · {left}"


def state_class(job: Job) -> str:
    """The tile's look: done, running, failed, cancelled, decide, or kept (billed by the user's decision)."""
    if job.phase is Phase.KEPT_BILLED:
        return "kept"
    return STATE_CLASS.get(job.state, "running")


def tile(job: Job, poster: str | None, now: float, expected: float | None = None) -> str:
    w, h = shape(job)
    state = state_class(job)
    fav = "★" if job.favourite else "☆"
    picture = (f'<img src="{esc(poster)}" alt="" loading="lazy" decoding="async">' if poster else
               f'<div class="hh-ph"><span>{esc(state_words(job))}</span></div>')
    overlay = ""
    if not job.state.finished:
        overlay = (f'<div class="hh-runline">{running_words(job, expected, now)}</div>'
                   f'{running_bar(job, expected, now)}')
    elif job.state is not JobState.SUCCEEDED and poster:
        overlay = f'<div class="hh-flag hh-flag-{state}">{esc(state_words(job))}</div>'
    meta = " · ".join(p for p in (job.request.variant.title, models.label(job.model), length(job), money(job)) if p)
    label = f"{prompt_start(job, 60)}, {meta}, {state_words(job)}"
    return (
        f'<article class="hh-tile hh-s-{state}" data-id="{esc(job.id)}" tabindex="0" role="button" '
        f'aria-label="{esc(label)}" style="--ar:{w / h:.4f}">'
        f'<div class="hh-thumb" style="aspect-ratio:{w}/{h}" data-clip="{int(job.state is JobState.SUCCEEDED)}">'
        f'{picture}<span class="hh-spec">{esc(spec(job))}</span>'
        f'<input type="checkbox" class="hh-pick" tabindex="-1" aria-label="{esc("Select: " + prompt_start(job, 60))}">'
        f'<button class="hh-fav" data-act="fav" aria-pressed="{str(job.favourite).lower()}" '
        f'title="Favourite">{fav}</button>{overlay}</div>'
        f'<div class="hh-cap"><p class="hh-prompt">{esc(prompt_start(job))}</p>'
        f'<p class="hh-tmeta">{esc(meta)} · <time data-at="{job.created_at:.3f}" data-now="{now:.3f}">'
        f'{esc(when(job.created_at, now))}</time></p></div></article>'
    )


SORT_WORDS = {"newest": "Newest first", "oldest": "Oldest first", "cost": "Cost, highest first",
              "length": "Length, longest first"}


def summary(page: Page, shown: int, newest: bool = True) -> str:
    f = page.filter
    filtered = any((f.variant, f.state, f.backend, f.search.strip(), f.favourites))
    if not filtered:
        text = f"Your clips: {page.total}"
    else:
        text = ("No clips match" if not page.total else
                "1 clip matches" if page.total == 1 else f"{page.total} clips match")
    if page.running:
        text += f" · {page.running} running"
    first = "newest" if f.sort == "newest" else "oldest" if f.sort == "oldest" else "first"
    if not newest:
        text += f" · showing {len(page.jobs)} " + ("older ones" if f.sort == "newest" else "more")
    elif page.more:
        text += f" · showing the {first} {min(shown, page.total)}"
    return text


def toolbar(page: Page, shown: int, newest: bool) -> str:
    """The count, the order (a native select: Tab passes it by, arrows change it) and the Select mode's
    switch and actions (assets/grid.js shows them and keeps the selection across redraws)."""
    options = "".join(f'<option value="{k}"{" selected" if k == page.filter.sort else ""}>{esc(w)}</option>'
                      for k, w in SORT_WORDS.items())
    return (f'<div class="hh-gbar"><p class="hh-count">{esc(summary(page, shown, newest))}</p>'
            f'<label class="hh-sort"><span>Sort</span><select data-act="sort" aria-label="Sort the gallery">'
            f'{options}</select></label>'
            '<button type="button" class="hh-selmode" data-act="select" aria-pressed="false">Select</button></div>'
            '<div class="hh-bulk" role="toolbar" aria-label="Selected clips" hidden>'
            '<span class="hh-bulk-n" aria-live="polite">0 selected</span>'
            '<button type="button" data-bulk="all">Select all shown</button>'
            '<button type="button" data-bulk="fav">★ Favourite</button>'
            '<button type="button" data-bulk="board">Add to storyboard</button>'
            '<button type="button" data-bulk="download">Download</button>'
            '<button type="button" data-bulk="delete" class="hh-bulk-danger">Delete…</button>'
            '<button type="button" data-bulk="done">Done</button>'
            '<span class="hh-bulk-ask" hidden><span class="hh-bulk-q"></span>'
            '<button type="button" data-bulk="really" class="hh-bulk-danger">Yes, delete them</button>'
            '<button type="button" data-bulk="keep">Keep them</button></span></div>')


def empty(filtered: bool) -> str:
    if filtered:
        return ('<div class="hh-empty"><p class="hh-empty-title">Nothing matches</p>'
                '<p>Clear the search or a filter to see more clips.</p></div>')
    return ('<div class="hh-empty"><p class="hh-empty-title">No clips yet</p>'
            '<p>Write a prompt in the form and press Generate: every clip gathers here, newest first. '
            'Jobs keep running if you close this tab.</p></div>')


def grid(page: Page, posters: dict[str, str | None], shown: int, now: float,
         expected: dict[str, float] | None = None, older: bool = False, newest: bool = True) -> str:
    """The whole grid: a count line, the tiles (or the empty state), and a marker that asks for more."""
    expected = expected or {}
    f = page.filter
    if not page.jobs:
        return f'<div class="hh-lib">{toolbar(page, shown, True)}' \
               f'{empty(any((f.variant, f.state, f.backend, f.search.strip(), f.favourites)))}</div>'
    tiles = "".join(tile(j, posters.get(j.id), now, expected.get(j.id)) for j in page.jobs)
    next_words = "Show older clips" if f.sort == "newest" else "Show the next clips"
    more = (f'<button class="hh-older" data-act="older">{next_words}</button>' if page.more and older else
            f'<button class="hh-more" data-act="more" data-key="{len(page.jobs)}:{esc(page.jobs[-1].id)}">'
            'Show more clips</button>' if page.more else
            '<p class="hh-end">That is every clip.</p>' if page.total > 12 else "")
    if not newest:
        more = more.replace("That is every clip.", "That is the oldest clip." if f.sort == "newest" else
                            "That is the last clip.")
    back = "" if newest else ('<button class="hh-more hh-back" data-act="newest">Back to the ' +
                              ("newest clips" if f.sort == "newest" else "first clips") + '</button>')
    return (f'<div class="hh-lib">{toolbar(page, shown, newest)}{back}'
            f'<div class="hh-grid">{tiles}<i class="hh-fill"></i></div>{more}</div>')


def loading() -> str:
    """What the grid shows before the first page arrives: the heading and quiet placeholders, no "empty"."""
    ghosts = "".join('<article class="hh-tile hh-ghost" style="--ar:1.7778"><div class="hh-thumb" '
                     'style="aspect-ratio:16/9"><div class="hh-ph"></div></div><div class="hh-cap">'
                     '<p class="hh-prompt"></p><p class="hh-tmeta"></p></div></article>' for _ in range(6))
    return f'<div class="hh-lib"><p class="hh-count">Your clips</p><div class="hh-grid">{ghosts}' \
           '<i class="hh-fill"></i></div></div>'
