"""The right column: every clip as a tile at its own shape, search and filters above (studio.ui.filters), the
job log a tab away.

The grid is one gr.HTML rendered from a page of the ledger; assets/grid.js
(its js_on_load) gives it hover-to-play, clicks, lazy paging, the order and the
Select mode. A tile click travels as the grid's own `click` event with the job
id; a hover asks the grid's server function clip_url for the clip's address
(owner-checked). The order lives with the window in the `after` state
("cost|<cursor>"), so every redraw (studio.ui.live) keeps it.
"""

from __future__ import annotations

import dataclasses
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import gradio as gr

from studio.errors import StudioError
from studio.jobs.library import PAGE_SIZE, SORTS, Filter, Page
from studio.jobs.model import JobState
from studio.service import Caller
from studio.ui import filters, storyboard, tiles
from studio.ui.compat import event_data
from studio.ui.context import UiContext, user_error
from studio.ui.watch import page_of, seq_of

MAX_SHOWN = 480
LOG_ROWS = 500
LOG_PROMPT_CHARS = 600  # a prompt longer than this shows the part around the first search word
GRID_JS = (Path(__file__).resolve().parents[2] / "assets" / "grid.js").read_text()


@dataclass
class LibraryUi:
    filter_box: gr.HTML     # the search and filters (studio.ui.filters): it sends, the State keeps
    filter: gr.State        # what they chose (filters.chosen)
    grid: gr.HTML
    shown: gr.State
    after: gr.State         # the order and where the shown window starts (window()); None: newest, from the start
    log_search: gr.Textbox
    log: gr.Dataframe
    log_tab: gr.Tab


def window(sort: str, cursor: str | None) -> str | None:
    """The `after` state: the gallery's order and the cursor its shown window starts after (None: the first)."""
    sort = sort if sort in SORTS else "newest"
    return None if sort == "newest" and not cursor else f"{sort}|{cursor or ''}"


def parse_window(after) -> tuple[str, str | None]:
    """(order, cursor) of an `after` state; a bare cursor is a newest-first one (states before the orders)."""
    if not isinstance(after, str) or not after:
        return "newest", None
    if "|" not in after:
        return "newest", after
    sort, _, cursor = after.partition("|")
    return (sort if sort in SORTS else "newest"), (cursor or None)


def render(ctx: UiContext) -> LibraryUi:
    with gr.Tabs(elem_id="hh-library-tabs"):
        with gr.Tab("Gallery", id="clips"):
            filter_box, filter = filters.render(ctx)

            def clip_url(job_id: str, request: gr.Request) -> str | None:
                """The address of one of the caller's finished clips (for hover play), or None."""
                caller = ctx.caller_or_none(request)
                try:
                    job = ctx.studio.core.job(caller, str(job_id)) if caller else None
                except StudioError:
                    return None
                if job is None or job.state is not JobState.SUCCEEDED:
                    return None
                return ctx.url(grid, job.output_path)

            def zip_url(ids, request: gr.Request) -> dict:
                """A zip of the selected clips that are the caller's finished ones: its address and what was
                left out, or the reason there is none (the ids are the browser's: see Gallery.own)."""
                caller = ctx.caller_or_none(request)
                if not caller:
                    return {"error": "Open the studio again: this page has no session."}
                folder = Path(tempfile.mkdtemp(prefix="happyhorse-zip-"))
                try:
                    path, done = ctx.studio.gallery.zip_clips(caller, ids, folder)
                    return {"url": ctx.url(grid, str(path)), "name": path.name, "count": len(done.done),
                            "left": done.missing + done.busy}
                except StudioError as e:
                    return {"error": str(e)}
                finally:
                    shutil.rmtree(folder, ignore_errors=True)  # served from its copy (context.serve)

            grid = gr.HTML(tiles.loading(), elem_id="hh-gallery",
                           js_on_load=GRID_JS, server_functions=[clip_url, zip_url], apply_default_css=False)
        with gr.Tab("Job log", id="log") as log_tab:
            log_search = gr.Textbox(show_label=False, placeholder="Search the log: prompt words or a job id",
                                    max_lines=1, container=False, elem_id="hh-log-search")
            # drawn when the tab first opens (its rows come then anyway): a table on the page loads Gradio's
            # dataframe script (120 KB) even in a tab not shown (#22)
            log = gr.Dataframe(headers=["When", "Job", "State", "Kind", "Backend", "Cost", "Prompt"],
                               datatype=["str"] * 7, interactive=False, wrap=True, max_height=640,
                               elem_id="hh-log", show_label=False, visible=False)
    return LibraryUi(filter_box, filter, grid, gr.State(PAGE_SIZE), gr.State(None), log_search, log, log_tab)


def grid_html(ctx: UiContext, ui: LibraryUi, caller: Caller | None, filter: Filter, shown: int,
              expected: dict[str, float] | None = None, after: str | None = None) -> str:
    now = time.time()
    sort, cursor = parse_window(after)
    filter = dataclasses.replace(filter, sort=sort)
    if not caller:
        return tiles.grid(Page([], 0, filter=filter), {}, shown, now)
    page = ctx.studio.gallery.page(caller, filter, after=cursor, limit=min(shown, MAX_SHOWN))
    posters = {j.id: ctx.url(ui.grid, j.poster_path) for j in page.jobs if j.state is JobState.SUCCEEDED}
    return tiles.grid(page, posters, shown, now, expected, older=shown >= MAX_SHOWN, newest=cursor is None)


def log_rows(ctx: UiContext, caller: Caller | None, search: str) -> list[list[str]]:
    """Every job (newest first, up to LOG_ROWS), searchable: when, id, state, kind, backend, cost, prompt."""
    if not caller:
        return []
    search = (search or "")[:200]
    page = ctx.studio.gallery.page(caller, Filter(search=search), limit=LOG_ROWS)
    now = time.time()
    return [[tiles.when(j.created_at, now), j.id, tiles.state_words(j), j.request.variant.title, j.backend,
             tiles.cost_line(j), tiles.prompt_around(j, search, LOG_PROMPT_CHARS)] for j in page.jobs]


def plural(n: int) -> str:
    return f"{n} clip{'s' * (n != 1)}"


def wire(ctx: UiContext, ui: LibraryUi, panel, open_view, redraw_after, story=None) -> None:
    """Filters redraw the grid from the first page; a tile click opens, stars or asks for more; the order
    and the Select mode's actions (story: the storyboard, for "Add to storyboard") come the same way."""

    def draw(caller, shown, after, chosen):
        return grid_html(ctx, ui, caller, filters.filter_of(chosen), shown, after=after)

    def first_page(after, evt: gr.EventData, request: gr.Request):
        data = event_data(evt)
        chosen = filters.chosen(data)  # the browser's: checked before it is kept
        caller = ctx.caller_or_none(request)
        page, seq = (page_of(caller, request) if caller else None), seq_of(data)
        if not ctx.windows.change(page, seq):
            return {}  # the page has sent a later change: that one draws
        start = window(parse_window(after)[0], None)  # a filter starts from the top, in the same order
        grid = draw(caller, PAGE_SIZE, start, chosen)
        if not ctx.windows.latest_change(page, seq):
            return {}  # asked once drawn: a later change came in meanwhile
        ctx.windows.ask(page, chosen, PAGE_SIZE, start)
        return {ui.filter: chosen, ui.shown: PAGE_SIZE, ui.after: start, ui.grid: grid}

    # "multiple", ordered by the page's count (Windows.change): "always_last" would re-send a change that
    # waited with the data of the one before it
    ui.filter_box.input(first_page, [ui.after], [ui.filter, ui.shown, ui.after, ui.grid], api_visibility="private",
                        show_progress="hidden", trigger_mode="multiple")

    def moved(act, shown, after, filter, caller) -> tuple[int, str | None]:
        """The next window of the grid: more of this one, the older ones after it, or the first again."""
        sort, cursor = parse_window(after)
        if act == "more":
            return min(int(shown) + PAGE_SIZE, MAX_SHOWN), after
        if act == "older":
            page = ctx.studio.gallery.page(caller, dataclasses.replace(filter, sort=sort), after=cursor,
                                           limit=min(int(shown), MAX_SHOWN))
            return PAGE_SIZE, window(sort, page.next.encode()) if page.next else after
        return PAGE_SIZE, window(sort, None)

    def several(data, caller, shots) -> dict:
        """One of the Select mode's actions on the ids the browser sent (hostile: Gallery.own)."""
        gallery = ctx.studio.gallery
        op, ids = data.get("op"), data.get("ids")
        if op == "fav":
            done = gallery.favourite_several(caller, ids, on=data.get("on") is not False)
            said = f"{'Starred' if data.get('on') is not False else 'Unstarred'} {plural(len(done.done))}"
        elif op == "delete":
            done = gallery.delete_several(caller, ids)
            said = f"Deleted {plural(len(done.done))}"
        elif op == "board" and story is not None:
            done = gallery.finished_clips(caller, ids)
            plan = list(shots or []) if isinstance(shots, list) else []
            known = {s.get("id") for s in plan if isinstance(s, dict)}
            fresh = [j for j in done.done if j.id not in known]
            room = max(0, storyboard.MAX_SHOTS - len(plan))
            plan += [storyboard.shot(j.id) for j in fresh[:room]]
            there = len(done.done) - len(fresh)  # already on the board: not added twice, and said so
            if fresh:
                said = f"Added {plural(len(fresh[:room]))} to the storyboard (above the gallery)"
                said += f"; {plural(there)} already there" if there else ""
            elif there:
                said = f"{'That clip is' if there == 1 else 'Those clips are'} already on the storyboard"
            else:
                said = "Nothing added to the storyboard"
            if len(fresh) > room:
                said += f"; {len(fresh) - room} did not fit (a storyboard holds {storyboard.MAX_SHOTS} shots)"
            left = done.missing + done.busy
            gr.Info(said + (f"; {plural(left)} left out (not found, or not finished)" if left else "") + ".")
            return storyboard.drawn(ctx, story, caller, plan)
        else:
            raise gr.Error("That action is not one the gallery has.", print_exception=False)
        if done.missing:
            said += f"; {plural(done.missing)} not found (deleted, or never there)"
        if done.busy:
            said += f"; {plural(done.busy)} still running, left as {'it is' if done.busy == 1 else 'they are'}"
        gr.Info(said + ".", duration=5)
        return {}

    def clicked(shown, after, chosen, shots, evt: gr.EventData,
                request: gr.Request):
        data = event_data(evt)
        act, job_id = data.get("act"), str(data.get("id") or "")
        caller = ctx.caller(request)
        if act in ("more", "older", "newest", "sort"):
            if act == "sort":  # a new order starts from its first page
                shown, after = PAGE_SIZE, window(str(data.get("sort") or ""), None)
            else:
                shown, after = moved(act, shown, after, filters.filter_of(chosen), caller)
            ctx.windows.ask(page_of(caller, request), chosen, shown, after)
            return {ui.shown: shown, ui.after: after, ui.grid: draw(caller, shown, after, chosen)}
        # A star or a Select action redraws the grid in this click's copy of the window, unless a filter, sort
        # or page turn came in since (a star, then Favourites at once): that one's answer draws the grid.
        def redrawn() -> dict:
            asked = ctx.windows.is_asked(page_of(caller, request), chosen, shown, after)
            return {ui.grid: draw(caller, shown, after, chosen)} if asked else {}

        if act == "several":
            try:
                out = several(data, caller, shots)
            except StudioError as e:
                raise user_error(e, "Nothing changed") from None
            return {**out, **redrawn()}
        page = page_of(caller, request) if act != "fav" else None
        ticket = ctx.opening.take(page, seq_of(data), job_id[:64]) if page else None  # in the user's order
        try:
            job = ctx.studio.core.job(caller, job_id)
            if act == "fav":
                ctx.studio.gallery.favourite(caller, job_id, not job.favourite)
                return redrawn()
        except StudioError as e:
            raise user_error(e, "Not found") from None
        return open_view(caller, job, request, ticket)  # nothing if a tile clicked later is opening

    # "multiple": a second tile (or star) clicked while the first click is on its way counts too, in order;
    # Gradio's default for a click would drop it without a word.
    shots_in = [story.shots] if story is not None else [gr.State(None)]
    redraw_after(ui.grid.click(clicked, [ui.shown, ui.after, ui.filter, *shots_in],
                               [ui.shown, ui.after, ui.grid, *panel.outputs, *(story.outputs if story else [])],
                               api_visibility="private", show_progress="hidden", trigger_mode="multiple"))

    def search_log(text, request: gr.Request):
        return gr.update(value=log_rows(ctx, ctx.caller_or_none(request), text), visible=True)

    gr.on([ui.log_tab.select, ui.log_search.change, ui.log_search.submit], search_log, ui.log_search, ui.log,
          api_visibility="private", show_progress="hidden", trigger_mode="always_last")
