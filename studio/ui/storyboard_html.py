"""The storyboard's four drawings: the summary line, the timeline, the in and out frames of the chosen shot, and
the export bar (Export with the cut's length, the mixed sizes named with their choice, progress and Cancel).

The timeline is HTML that assets/storyboard.js makes live: each shot is a strip as wide as its trimmed length
(the page picks the scale that fits), sliced from the clip's filmstrip, with in and out handles to drag or
nudge frame by frame. Every number the page needs to do that (frame rate, the clip's end, the trim) is written
here from the server's plan; what the page sends back is checked again (studio.ui.storyboard_plan).
"""

from __future__ import annotations

from dataclasses import dataclass

import gradio as gr

from studio.jobs.model import Job
from studio.media.stitch import FITS, reference
from studio.service.story_clips import Facts
from studio.ui import tiles
from studio.ui.context import UiContext
from studio.ui.storyboard_preview import join_button
from studio.ui.tiles import esc, seconds_text

FADES = (0.0, 0.25, 0.5, 1.0, 1.5, 2.0)  # the join menu's choices; 0 is a cut


def timecode(seconds: float, fps: float) -> str:
    """m:ss.ff, the frame after the dot (as editors show it), e.g. 0:02.13 is 2 s and 13 frames."""
    frame = round(seconds * fps)
    whole = int(frame // round(fps)) if fps < 200 else int(seconds)
    rest = frame - whole * round(fps) if fps < 200 else round((seconds - whole) * 100)
    return f"{whole // 60}:{whole % 60:02d}.{rest:02d}"


@dataclass(frozen=True)
class Board:
    """The plan with what the page draws of each shot: its job and clip facts; the cut's length or what is wrong."""

    jobs: list[Job]
    shots: list[dict]
    facts: list[Facts]
    seconds: float
    problem: str = ""

    def sizes(self) -> list[tuple[int, int]]:
        return [(f.width, f.height) for f in self.facts]


def mixed(board: Board) -> str:
    """The shots whose size differs from the rest, by name ('Shot 2 is 720P (1280×720), the others 1080P
    (1920×1080)'); '' when every shot has one size."""
    sizes = board.sizes()
    if len(set(sizes)) < 2:
        return ""
    names = {size: _size_name(size, [j for j, z in zip(board.jobs, sizes) if z == size]) for size in set(sizes)}
    common = max(set(sizes), key=lambda z: (sizes.count(z), -sizes.index(z)))
    odd = [i + 1 for i, z in enumerate(sizes) if z != common]
    if len(set(sizes)) == 2 and sizes.count(common) > 1:
        verb = "is" if len(odd) == 1 else "are"
        return f"{_shots(odd)} {verb} {names[sizes[odd[0] - 1]]}, the others {names[common]}."
    return "The shots differ in size: " + ", ".join(f"shot {i + 1} is {names[z]}" for i, z in enumerate(sizes)) + "."


def _shots(numbers: list[int]) -> str:
    if len(numbers) == 1:
        return f"Shot {numbers[0]}"
    return "Shots " + ", ".join(map(str, numbers[:-1])) + f" and {numbers[-1]}"


def _size_name(size: tuple[int, int], jobs: list[Job]) -> str:
    """A size as pixels, with its resolution's name when every shot of that size was made at the same one."""
    labels = {j.request.resolution for j in jobs}
    pixels = f"{size[0]}×{size[1]}"
    return f"{labels.pop()} ({pixels})" if len(labels) == 1 and None not in labels else pixels


def fit_choice(board: Board, fit: str) -> str:
    """The mixed sizes named, and how they are resolved at export: scaled up to the largest or down to the
    smallest (as the stitcher picks them); one line when both come to the same size."""
    notice = mixed(board)
    if not notice:
        return ""
    targets = {k: board.facts[reference(board.facts, k)] for k in FITS}
    if len({(t.width, t.height) for t in targets.values()}) == 1:
        t = targets[FITS[0]]
        return (f'<p class="hh-story-fit" role="note"><b>{esc(notice)}</b> The cut is {t.width}×{t.height}: '
                'the others are fitted inside it (bars, never stretched).</p>')
    labels = {"largest": "Scale up to", "smallest": "Export at"}
    return ('<fieldset class="hh-story-fit"><legend>' + esc(notice) + '</legend>' + "".join(
        f'<label><input type="radio" name="fit" value="{k}"{" checked" if k == fit else ""}> '
        f'{labels[k]} {targets[k].width}×{targets[k].height}</label>' for k in FITS) + '</fieldset>')


def summary_html(board: Board) -> str:
    if not board.jobs:
        return ""
    n = len(board.jobs)
    # Hide folds the board to this line (assets/studio.js keeps the choice in the browser)
    line = (f'<div class="hh-story-head" data-shots="{n}"><p class="hh-story-title">Storyboard · {n} '
            f'shot{"s" * (n != 1)} · <span class="hh-story-len">{seconds_text(board.seconds)}</span> once joined</p>'
            '<button type="button" class="hh-story-fold" aria-expanded="true" aria-controls="hh-board" '
            'aria-label="Hide the storyboard">Hide</button>'
            '</div>')
    if board.problem:
        line += f'<p class="hh-story-problem" role="alert">Before exporting: {esc(board.problem)}</p>'
    elif n == 1:
        line += "<p class='hh-muted'>Add another clip from its panel to join them.</p>"
    return line


def board_html(ctx: UiContext, block: gr.HTML, board: Board, preview: str = "") -> str:
    """The timeline: a strip per shot (to scale), a join between each with its Preview; a join's preview
    when one was asked for (its drawing, studio.ui.storyboard_preview); then the chosen shot's trim controls."""
    items = []
    for i, (job, s, f) in enumerate(zip(board.jobs, board.shots, board.facts)):
        end = f.video_end if s["end"] is None else s["end"]
        strip = ctx.studio.chain.story_clips.filmstrip(job)
        url, count = (ctx.url(block, str(strip[0])), strip[1]) if strip else (None, 0)
        poster = ctx.url(block, job.poster_path) if not url else None
        n, title = i + 1, tiles.prompt_start(job, 60)
        items.append(
            f'<div class="hh-tl-shot" role="listitem" data-i="{i}" data-id="{esc(job.id)}" data-fps="{f.fps:g}" '
            f'data-len="{f.video_end:.6f}" data-start="{s["start"]:.6f}" data-end="{end:.6f}" '
            f'data-aspect="{(f.width / f.height) if f.height else 16 / 9:.4f}" data-count="{count}" '
            f'data-strip="{esc(url or "")}" data-poster="{esc(poster or "")}" data-title="{esc(title)}">'
            f'<button type="button" class="hh-tl-pick" data-act="pick" data-i="{i}" aria-pressed="false" '
            f'aria-label="Shot {n}: {esc(title)}"><span class="hh-tl-n">{n}</span>'
            f'<span class="hh-tl-name">{esc(title)}</span><span class="hh-tl-len"></span></button>'
            f'<div class="hh-tl-film" aria-hidden="true"></div>'
            f'<span class="hh-tl-h hh-tl-in" role="slider" tabindex="0" data-edge="start" '
            f'aria-label="Shot {n} in point"></span>'
            f'<span class="hh-tl-h hh-tl-out" role="slider" tabindex="0" data-edge="end" '
            f'aria-label="Shot {n} out point"></span></div>')
        if i < len(board.jobs) - 1:
            items.append(f'<div class="hh-tl-join" data-after="{i}"><select aria-label="Join after shot {n}">'
                         f'{_fade_options(s["fade"])}</select>{join_button(i)}</div>')
    if not items:
        return ""
    return (f'<div class="hh-tl" role="list" aria-label="Storyboard timeline: drag a shot\'s edges to trim it">'
            f'{"".join(items)}</div>{preview}{INSPECTOR}')


# The chosen shot's trim, frame by frame: the page fills in its numbers (assets/storyboard.js).
INSPECTOR = (
    '<div class="hh-tl-insp" aria-label="Trim of the chosen shot" role="group">'
    '<p class="hh-tl-which"><b></b> <span></span></p>'
    '<div class="hh-tl-edges">'
    + "".join(
        f'<div class="hh-tl-edge" data-edge="{edge}"><span class="hh-tl-edge-name">{name}</span>'
        f'<button type="button" data-nudge="-1" data-edge="{edge}" aria-label="{name} point one frame earlier">'
        f'−1</button><output aria-live="polite"></output>'
        f'<button type="button" data-nudge="1" data-edge="{edge}" aria-label="{name} point one frame later">'
        f'+1</button></div>' for edge, name in (("start", "In"), ("end", "Out")))
    + '</div><div class="hh-tl-moves">'
    '<button type="button" data-act="left">← Earlier</button>'
    '<button type="button" data-act="right">Later →</button>'
    '<button type="button" data-act="remove">Take out</button></div></div>')


def _fade_options(current: float) -> str:
    choices = sorted(set(FADES) | {current})
    return "".join(f'<option value="{f:g}"{" selected" if f == current else ""}>'
                   f'{"Cut" if f == 0 else f"{f:g} s fade"}</option>' for f in choices)


def frames_html(ctx: UiContext, block: gr.HTML, board: Board, chosen: int) -> str:
    """The chosen shot's in and out frames, exact (the first and last frame the cut will show of it)."""
    if not board.jobs:
        return ""
    i = min(max(chosen, 0), len(board.jobs) - 1)
    job, s, f = board.jobs[i], board.shots[i], board.facts[i]
    end = f.video_end if s["end"] is None else s["end"]
    first, last = f.frame(s["start"]), max(f.frame(s["start"]), f.frame(end) - 1)
    figures = []
    for name, number in (("In", first), ("Out", last)):
        path = ctx.studio.chain.story_clips.frame(job, number)
        url = ctx.url(block, str(path)) if path else None
        picture = f'<img src="{esc(url)}" alt="Shot {i + 1}, {name.lower()} frame">' if url else \
            '<span class="hh-tl-noframe"></span>'
        figures.append(f'<figure>{picture}<figcaption><b>{name}</b> {timecode(number / f.fps, f.fps)} · '
                       f'frame {number + 1}</figcaption></figure>')
    return (f'<div class="hh-tl-frames" data-i="{i}" aria-label="Shot {i + 1}: its first and last frame">'
            f'{"".join(figures)}</div>')


def acts_html(board: Board, fit: str, running: str = "") -> str:
    """Export (with the cut's length) and Clear; the mixed sizes named, with their choice; or the export's
    progress and Cancel while it runs (`running`: its drawing)."""
    if not board.jobs:
        return ""
    if running:
        return running
    choice = fit_choice(board, fit)
    ready = len(board.jobs) > 1 and not board.problem
    return (f'{choice}<div class="hh-story-acts">'
            f'<button type="button" class="hh-dbtn hh-primary" id="hh-export" data-act="export"'
            f'{"" if ready else " disabled"}>Export {seconds_text(board.seconds)} as one MP4 (free)</button>'
            '<button type="button" class="hh-dbtn" id="hh-story-clear" data-act="clear">Clear</button></div>'
            '<div class="hh-story-confirm hh-confirm" hidden>'
            '<button type="button" class="hh-dbtn hh-stop" id="hh-story-really" data-act="clear_all">'
            'Yes, take every shot off (the clips stay in the gallery)</button>'
            '<button type="button" class="hh-dbtn" data-act="keep_board">Keep the storyboard</button></div>')


def progress_html(done: int, total: int, words: str, seconds: float, elapsed: float) -> str:
    """The export while it runs: a bar, the step in words, the time so far, and Cancel."""
    share = min(max(done / max(total, 1), 0.0), 1.0)
    return (f'<div class="hh-export-run" role="status" aria-live="polite">'
            f'<p><b>Exporting {seconds_text(seconds)}</b> · step {min(done + 1, total)} of {total}: {esc(words)}'
            f' · {elapsed:.0f} s</p>'
            f'<progress max="100" value="{share * 100:.0f}" aria-label="Export progress">{share:.0%}</progress>'
            '<button type="button" class="hh-dbtn hh-stop" id="hh-export-cancel" data-act="cancel">'
            'Cancel export</button></div>')
