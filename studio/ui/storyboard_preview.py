"""The timeline's join preview, drawn inside the storyboard's own HTML (no component of its own): a small
video of one join as the export will make it, with the join's time marked on a bar beneath it, or the
words that say why it was not made.

The page asks with the board's `submit` event ({"i": join, "plan", "sel"}); studio.ui.storyboard applies the
plan as any edit (hostile values checked there), and the service renders only the caller's own clips
(studio.service.join_previews). The page's script (assets/storyboard.js) marks a shown preview as out of date
the moment the plan changes under it, and lets one preview render at a time; each drawing carries a stamp
(data-drawn) by which the page tells a new answer from the last, as Gradio patches the HTML in place.
"""

from __future__ import annotations

import time

import gradio as gr

from studio.service.join_previews import JoinPreview
from studio.ui.context import UiContext
from studio.ui.tiles import esc


def join_button(i: int) -> str:
    """The control under join i's cut/crossfade menu (0: between shots 1 and 2)."""
    return (f'<button type="button" class="hh-tl-prev" data-act="preview" data-after="{i}" '
            f'aria-label="Preview join {i + 1}: the end of shot {i + 1} into shot {i + 2}">'
            '<span aria-hidden="true">▶</span> Preview</button>')


def name_of(shown: JoinPreview) -> str:
    how = "a cut" if not shown.fade else f"a {shown.fade:g} s crossfade"
    return f"Join {shown.join + 1}: shot {shown.join + 1} into shot {shown.join + 2}, {how}"


def preview_html(ctx: UiContext, block: gr.HTML, shown: JoinPreview) -> str:
    """The join's preview, playing inline: the join's time marked on a bar beneath it, and said in words."""
    url = ctx.url(block, str(shown.path))
    if not url:
        return refused_html(shown.join, "The preview was made but could not be shown: press Preview again.")
    length = max(shown.seconds, 1e-3)
    at, width = shown.join_at / length * 100, shown.fade / length * 100
    mark = (f"the crossfade runs {shown.join_at:.2f}–{shown.join_at + shown.fade:.2f} s" if shown.fade
            else f"the cut is at {shown.join_at:.2f} s")
    name = name_of(shown)
    return (f'<div class="hh-tl-pv" role="group" aria-label="Preview of join {shown.join + 1}" '
            f'data-drawn="{time.time_ns()}" data-after="{shown.join}" data-at="{shown.join_at:.6f}" '
            f'data-fade="{shown.fade:.6f}" data-len="{shown.seconds:.6f}">'
            f'<video src="{esc(url)}" controls playsinline preload="auto" aria-label="{esc(name)} (preview)">'
            '</video><div class="hh-tl-pv-side">'
            f'<p class="hh-tl-pv-name" role="status"><b>{esc(name)}</b></p>'
            f'<div class="hh-tl-pv-bar" aria-hidden="true"><i class="hh-tl-pv-join" '
            f'style="left:{at:.3f}%;width:{width:.3f}%"></i><i class="hh-tl-pv-head"></i></div>'
            f'<p class="hh-tl-pv-ends" aria-hidden="true"><span>Shot {shown.join + 1}</span>'
            f'<span>Shot {shown.join + 2}</span></p>'
            f'<p class="hh-tl-pv-note">{shown.seconds:.2f} s around the join: {mark}. A small, fast preview of '
            'what the export makes (same trims, join and sound); the export is full size.</p>'
            '<p class="hh-tl-pv-stale" hidden>The storyboard changed since: press Preview again to see it now.</p>'
            '</div></div>')


def refused_html(join, words: str) -> str:
    """Why a join preview was not made, where it would have played."""
    after = join if isinstance(join, int) and not isinstance(join, bool) else -1
    return (f'<div class="hh-tl-pv hh-tl-pv-no" data-drawn="{time.time_ns()}" data-after="{after}">'
            f'<p role="alert"><b>No preview.</b> {esc(words)}</p></div>')
