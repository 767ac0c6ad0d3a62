"""The line under the first frame: what the frame implies, and chips that reframe it (#23 item 12).

One gr.HTML (it replaced the Markdown that said the facts, so no component was added, #22). It says the
frame's size and the video shape it implies, then offers "Reframe to" chips, one per ratio the chosen
model makes, plus "Original"; once a cut is chosen, a second row says which part of the cut side is kept
(left/centre/right, or top/centre/bottom). assets/reframe.js sends a chip as the box's click event with
{ratio} or {anchor}; the studio cuts the ORIGINAL upload (studio.reframe), writes the cut into the upload
folder and sets the frame to it, so the preview, the quote, the advice and Generate all see the cut.

The page never names a file: which original a cut came from is kept here, in server memory, per owner and
keyed by the cut's own path (Cuts). A cut sent by someone else, or after a restart, is taken as an
original of its own.
"""

from __future__ import annotations

import html
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

from studio import model_choice, models, reframe
from studio.errors import StudioError
from studio.media import inspect
from studio.ui.model_picker import family_or_none
from studio.ui.reference_sets import said_html
from studio.ui.uploads import upload_folder, upload_path
from studio.variant_kinds import Variant
from studio.variants import RESOLUTIONS, nearest_ratio, shape_size

REFRAME_JS = (Path(__file__).resolve().parents[2] / "assets" / "reframe.js").read_text()
EMPTY = "Upload the first frame: JPEG, PNG, BMP or WEBP, each side 300 px or more, up to 10 MB."
MAX_CUTS = 4096  # cuts remembered across all owners; the oldest is forgotten first (its file stays a frame)


@dataclass(frozen=True)
class Cut:
    original: str  # the upload it was cut from (a checked path in the upload folder)
    ratio: str
    anchor: str
    width: int = 0   # the original's upright size (so drawing the box does not decode it again)
    height: int = 0


class Cuts:
    """Which original each cut came from, per owner. The page only ever names a ratio or an anchor."""

    def __init__(self, most: int = MAX_CUTS) -> None:
        self._cuts: OrderedDict[tuple[str, str], Cut] = OrderedDict()
        self._most = most
        self._lock = threading.Lock()

    def add(self, owner: str, path: str, cut: Cut) -> None:
        with self._lock:
            self._cuts[(owner, path)] = cut
            self._cuts.move_to_end((owner, path))
            while len(self._cuts) > self._most:
                self._cuts.popitem(last=False)

    def get(self, owner: str | None, path: str | None) -> Cut | None:
        if not owner or not path:
            return None
        with self._lock:
            return self._cuts.get((owner, path))


CUTS = Cuts()


def ratios_for(model) -> tuple[str, ...]:
    """The ratios the chosen model makes (the i2v default's when the page names none or a wrong one)."""
    fam = family_or_none(model) or models.family(model_choice.default_model(Variant.I2V))
    return tuple(fam.ratios)


def chip(attr: str, value: str, label: str, pressed: bool) -> str:
    esc = html.escape
    return (f'<button type="button" class="hh-chip" data-{attr}="{esc(value)}" '
            f'aria-pressed="{"true" if pressed else "false"}">{esc(label)}</button>')


def box_html(line: str, ratios: tuple[str, ...] = (), chosen: str = reframe.ORIGINAL, anchor: str = "centre",
             axis: str | None = None, said: str = "") -> str:
    """The facts line, the ratio chips (when the frame can be cut), the anchor chips (when a cut is chosen and
    trims a side) and a status line. Every value is escaped; **bold** in the words becomes <strong>."""
    parts = [f'<div class="hh-frame-facts"><p class="hh-frame-line">{said_html(line)}</p>']
    if ratios:
        chips = "".join(chip("ratio", r, r, r == chosen) for r in ratios)
        parts.append('<div class="hh-chips hh-reframe" role="group" aria-labelledby="hh-reframe-to">'
                     '<span class="hh-chips-label" id="hh-reframe-to">Reframe to</span>'
                     f'{chip("ratio", reframe.ORIGINAL, "Original", chosen == reframe.ORIGINAL)}{chips}</div>')
        if chosen != reframe.ORIGINAL and axis:
            words = reframe.ANCHOR_WORDS[axis]
            anchors = "".join(chip("anchor", a, words[a], a == anchor) for a in reframe.ANCHORS)
            parts.append('<div class="hh-chips hh-reframe" role="group" aria-labelledby="hh-reframe-keep">'
                         '<span class="hh-chips-label" id="hh-reframe-keep">Keep the</span>'
                         f'{anchors}</div>')
    parts.append(f'<p class="hh-bsay" role="status" aria-live="polite">{said_html(said)}</p></div>')
    return "".join(parts)


def implies(width: int, height: int) -> str:
    sizes = ", ".join(f"{'×'.join(map(str, shape_size(r, width, height)))} at {r}" for r in RESOLUTIONS)
    return f"a **{nearest_ratio(width, height)}**-shaped video ({sizes})"


def facts(upload, model=None, owner: str | None = None, said: str = "") -> str:
    """The box for the frame the page holds: its facts, or what is wrong with it, and the chips."""
    try:
        path = upload_path(upload, "First frame")
    except StudioError as e:
        return box_html(f"**{e}**")
    if not path:
        return box_html(EMPTY)
    ratios = ratios_for(model)
    cut = CUTS.get(owner, path)
    try:
        info = inspect.check_first_frame(path)
    except StudioError as e:
        try:  # a frame only too wide or too tall: a cut is the fix, so the chips stay
            reframe.source(path)
        except StudioError:
            return box_html(f"**This frame can't be used:** {e}")
        return box_html(f"**This frame can't be used:** {e} Or reframe it here:", ratios, said=said)
    shape = f"{implies(info.width, info.height)}. The ratio follows the frame."
    if cut is None:
        line = f"Frame {info.width}×{info.height} px ({info.format}) → {shape}"
        return box_html(line, ratios, said=said)
    axis = reframe.cut_axis(cut.width, cut.height, cut.ratio) if cut.width and cut.height else None
    whence = f" from your {cut.width}×{cut.height} px original" if axis else ""
    line = f"Cut to **{cut.ratio}**{whence}: {info.width}×{info.height} px ({info.format}) → {shape}"
    return box_html(line, ratios, cut.ratio, cut.anchor, axis, said)


def chosen(data: dict, ratios: tuple[str, ...]) -> tuple[str | None, str | None]:
    """(ratio, anchor) the page asked for, each None unless it is one the studio offers here."""
    ratio, anchor = data.get("ratio"), data.get("anchor")
    ratio = ratio if isinstance(ratio, str) and (ratio == reframe.ORIGINAL or ratio in ratios) else None
    anchor = anchor if isinstance(anchor, str) and anchor in reframe.ANCHORS else None
    return ratio, anchor


def act(upload, model, owner: str, data: dict) -> tuple[str | None, str]:
    """A chip pressed: (the frame's new path or None to leave it, the box to draw). Refusals change nothing."""
    ratios = ratios_for(model)
    ratio, anchor = chosen(data, ratios)
    try:
        path = upload_path(upload, "First frame")
    except StudioError as e:
        return None, box_html(f"**{e}**")
    if not path:
        return None, box_html(EMPTY, said="**Not reframed:** upload a first frame first.")
    if ratio is None and anchor is None:
        return None, facts(upload, model, owner, "**Not reframed:** choose one of the chips.")
    cut = CUTS.get(owner, path)
    original = cut.original if cut else path
    ratio = ratio or (cut.ratio if cut else None)
    if ratio is None or ratio == reframe.ORIGINAL:
        if ratio is None:
            return None, facts(upload, model, owner, "**Not moved:** choose a ratio to cut to first.")
        if cut is None:
            return None, facts(upload, model, owner)
        try:
            return upload_path(original, "The original frame"), facts(original, model, owner)
        except StudioError as e:
            return None, facts(upload, model, owner, f"**Not restored:** {e}")
    anchor = anchor or (cut.anchor if cut else "centre")
    try:
        src = reframe.source(original)
        made = str(reframe.cut(original, ratio, anchor, upload_folder(), src))
    except StudioError as e:
        return None, facts(upload, model, owner, f"**Not reframed:** {e}")
    CUTS.add(owner, made, Cut(original, ratio, anchor, src.width, src.height))
    return made, facts(made, model, owner)
