"""The viewer's record of a clip in words (studio.ui.detail): where it came from and what was made from it,
and its history. Both were hard to read (#23): a storyboard's history line was its plan as raw JSON, and a
clip with three variations (or a storyboard of six shots) said "is the variation of this clip" three times.
Now each kind of relation is one line, its clips listed once, and a plan reads as shots and joins.
"""

from __future__ import annotations

import json
import time
from collections import defaultdict

from studio.jobs.model import Job, MadeAs
from studio.service import Caller
from studio.ui import tiles
from studio.ui.context import UiContext
from studio.ui.tiles import esc
from studio.ui.words import seed_words, title

MANY = {MadeAs.RETRY: "runs again", MadeAs.FRAME: "clips made from its frames", MadeAs.FINAL: "finals",
        MadeAs.EDIT: "edits", MadeAs.VARIATION: "variations", MadeAs.STITCH: "storyboards"}


def link(job: Job, seed: bool = False) -> str:
    """A clip that opens here in one click, with its shape and state (and its seed, among takes of one prompt)."""
    extra = f", seed {seed_words(job)}" if seed else ""
    return (f'<a href="#" data-open="{esc(job.id)}" class="hh-link">{esc(title(job, 40))}</a> '
            f'<span class="hh-muted">({esc(tiles.spec(job))}, {esc(tiles.state_words(job))}{esc(extra)})</span>')


def listed(jobs: list[Job], seed: bool = False) -> str:
    return '<ol class="hh-lineage-list">' + "".join(f"<li>{link(j, seed)}</li>" for j in jobs) + "</ol>"


def lineage_html(ctx: UiContext, caller: Caller, job: Job) -> str:
    """Where the clip came from and what was made from it, both ways; each step opens in one click."""
    family = ctx.studio.chain.lineage(caller, job.id)
    how = job.made_as.value if job.made_as else "made from"
    rows = []
    if len(family.parents) == 1:
        rows.append(f"<p>This is the <b>{esc(how)}</b> {link(family.parents[0])}</p>")
    elif family.parents:
        rows.append(f"<p>This is the <b>{esc(how)}</b> {len(family.parents)} clips:</p>{listed(family.parents)}")
    if job.made_as is not MadeAs.STITCH:  # a storyboard's first shot is among its parents already
        for older in family.ancestors[1:]:
            rows.append(f"<p class='hh-muted'>which came from {link(older)}</p>")
    kinds: dict[MadeAs | None, list[Job]] = defaultdict(list)
    for child in family.children:
        kinds[child.made_as].append(child)
    for made, children in kinds.items():
        words = made.value if made else "made from"
        if len(children) == 1:
            rows.append(f"<p>{link(children[0])} is the <b>{esc(words)}</b> this clip</p>")
        else:
            name = MANY.get(made, "clips made from it")
            rows.append(f"<p><b>{len(children)} {esc(name)}</b> of this clip:</p>"
                        f"{listed(children, seed=made in (MadeAs.VARIATION, MadeAs.RETRY))}")
    return "".join(rows) or '<p class="hh-muted">An original: nothing made from it yet.</p>'


def _seconds(value) -> str:
    return f"{value:g} s" if isinstance(value, (int, float)) and not isinstance(value, bool) else "the end"


def plan_words(detail: str) -> str:
    """A storyboard's plan (studio.chain.storyboard_detail, JSON) in words; any other detail as it is."""
    if not detail.startswith("{"):
        return detail
    try:
        plan = json.loads(detail)
        shots, fades = plan["shots"], plan.get("crossfades") or []
        parts = [f"shot {n} from {_seconds(s.get('start') or 0)} to {_seconds(s.get('end'))}"
                 for n, s in enumerate(shots, start=1)]
        joins = ["cut" if not f else f"{f:g} s crossfade" for f in fades]
        words = f"{len(shots)} shots: " + ", ".join(parts)
        if joins:
            words += "; joins: " + ", ".join(joins)
        copied, encoded = plan.get("copied_seconds"), plan.get("encoded_seconds")
        if isinstance(copied, (int, float)) and isinstance(encoded, (int, float)):
            words += f"; {copied:g} s copied as made, {encoded:g} s encoded again"
        if plan.get("conformed"):
            words += "; some shots were scaled to match the first"
        return words
    except (ValueError, KeyError, TypeError, AttributeError):
        return "the storyboard as planned"  # never the raw text of a plan the studio cannot read


def history_html(ctx: UiContext, caller: Caller, job: Job) -> str:
    history = ctx.studio.core.history(caller, job.id)
    start = history[0]["at"] if history else job.created_at
    return "<ol class='hh-history'>" + "".join(
        f"<li><b>{esc(h['state'])}</b> <span>{esc(time.strftime('%H:%M:%S', time.localtime(h['at'])))}"
        f" (+{tiles.clock(h['at'] - start)})</span>"
        f"{' · ' + esc(plan_words(str(h['detail']))) if h.get('detail') else ''}</li>"
        for h in history) + "</ol>"
