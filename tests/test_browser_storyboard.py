"""The storyboard as a timeline in Chromium: shots to scale, trims by handle, key and nudge to the frame with the
exact in and out frames shown, one length everywhere (summary, Export, the exported file), mixed sizes named
with their choice, an export's progress, and a board that fits a desktop and a phone."""

import re
import sqlite3
from pathlib import Path

import pytest
from playwright.sync_api import expect

from harness.app import start_app, stop_app
from harness.gallery import seed_jobs
from harness.media import make_video
from studio import config
from studio.service import LOCAL, Studio
from tests.browser_fixture import DESKTOP, PHONE, VIEWS, draft_saved, open_page, shot


@pytest.fixture(scope="module")
def board_app(tmp_path_factory):
    data = tmp_path_factory.mktemp("storyboard") / "data"
    ids = seed_jobs(data, 12, states=False)
    studio = Studio(config.load({"STUDIO_DATA_DIR": str(data)}))
    jobs = [studio.core.job(LOCAL, i) for i in ids]
    studio.close()
    app = start_app(data)
    wide = [j for j in jobs if (j.width, j.height) == (640, 360)]
    app.wide = [j.id for j in wide[:3]]   # three 3 s clips of one size
    make_video(Path(wide[3].output_path), 320, 180, seconds=3)  # a smaller take
    app.small = wide[3].id
    app.data = data
    yield app
    stop_app(app)


def put_board(app, ids, fit=None):
    """The owner's saved storyboard, as the page would have kept it (a reload draws it)."""
    studio = Studio(config.load({"STUDIO_DATA_DIR": str(app.data)}))
    board = [{"id": i, "start": 0.0, "end": None, "fade": 0.0} for i in ids]
    studio.gallery.save_draft(LOCAL, {"storyboard": board, "storyboard_fit": fit or "largest"})
    studio.close()


def summary_seconds(page) -> float:
    text = page.locator("#hh-story-summary").inner_text()
    return float(re.search(r"([0-9.]+) s once joined", text).group(1))


def wait_length(page, seconds: float):
    page.wait_for_function("""(want) => { const el = document.querySelector('#hh-story-summary .hh-story-len');
        const b = document.querySelector('#hh-export');
        return el && b && Math.abs(parseFloat(el.innerText) - want) < 0.006
               && Math.abs(parseFloat(/Export ([0-9.]+) s/.exec(b.innerText)[1]) - want) < 0.006; }""",
                           arg=seconds, timeout=40000)  # a round trip to a studio shared by busy tests


def widths(page) -> list[float]:
    return page.eval_on_selector_all("#hh-board .hh-tl-shot", "els => els.map(e => e.getBoundingClientRect().width)")


def fits(page) -> dict:
    """Whether the timeline fits its board (or scrolls inside it) and the page never scrolls sideways."""
    return page.evaluate("""() => { const tl = document.querySelector('#hh-board .hh-tl');
        const board = document.querySelector('#hh-storyboard').getBoundingClientRect();
        return {page: document.documentElement.scrollWidth <= window.innerWidth + 1,
                fits: tl.scrollWidth <= tl.clientWidth + 1, scrolls: getComputedStyle(tl).overflowX === 'auto',
                inside: tl.getBoundingClientRect().right <= board.right + 1}; }""")


MORE_HINT = "() => Number(getComputedStyle(document.querySelector('#hh-board .hh-tl'), '::after').opacity)"


def more_hint(page) -> float:
    """The opacity of the fade at the timeline's right edge (1: more shots to scroll to)."""
    return page.evaluate(f"({MORE_HINT})()")


# How many join previews the page asked for since the `since`th event it sent (the board's "submit")
PREVIEWS_SENT = """(since) => { const config = window.gradio_config;
    const board = config.components.find(c => c.props && c.props.elem_id === 'hh-board').id;
    const fn = config.dependencies.find(d => d.targets.some(t => t[0] === board && t[1] === 'submit')).id;
    return window.hhSent.slice(since).filter(([, f]) => f === fn).length; }"""


@pytest.mark.parametrize("view", VIEWS, ids=lambda v: f"{v[0]}-{v[2]}")
def test_the_timeline_fits_and_draws_every_shot_to_scale(browser, board_app, view):
    put_board(board_app, board_app.wide)
    page = open_page(browser, board_app.url, view)
    page.locator("#hh-board .hh-tl-shot").nth(2).wait_for(timeout=30000)
    wait_length(page, 9.0)
    where = fits(page)
    assert where["page"] and where["inside"], where
    if view[0] >= 1000:
        assert where["fits"], where  # three shots at 1440: no third shot cut off
    else:
        assert where["fits"] or where["scrolls"], where
    # the right edge fades while there is more to scroll to, and only then
    assert more_hint(page) == (0 if where["fits"] else 1), where
    if not where["fits"]:
        page.eval_on_selector("#hh-board .hh-tl", "tl => { tl.scrollLeft = tl.scrollWidth; }")
        page.wait_for_function(f"() => ({MORE_HINT})() === 0", timeout=5000)
        page.eval_on_selector("#hh-board .hh-tl", "tl => { tl.scrollLeft = 0; }")
    a, b, c = widths(page)
    assert abs(a - b) < 1 and abs(b - c) < 1
    page.locator("#hh-board .hh-tl-film i").first.wait_for(timeout=10000)  # frames drawn from the filmstrip
    assert page.eval_on_selector("#hh-board .hh-tl-film i", "i => getComputedStyle(i).backgroundImage").startswith("url(")
    page.locator("#hh-story-frames img").nth(1).wait_for(timeout=15000)
    page.locator("#hh-storyboard").scroll_into_view_if_needed()
    shot(page, "storyboard-timeline")
    # A join's Preview: pressed twice at once, one render; it plays inline, named, its join marked
    n = 2 if view[0] >= 1000 else 1  # each view its own join
    sent = page.evaluate("window.hhSent.length")
    press = page.get_by_role("button", name=f"Preview join {n}: the end of shot {n} into shot {n + 1}")
    press.focus()
    press.evaluate("b => { b.click(); b.click(); }")  # the second while the first renders
    video = page.get_by_role("group", name=f"Preview of join {n}").locator("video")
    video.wait_for(timeout=40000)
    assert page.evaluate(PREVIEWS_SENT, sent) == 1
    drawn_at = page.get_attribute("#hh-board .hh-tl-pv", "data-drawn")
    press.press("Enter")  # by key, once it is back: the kept preview is drawn again
    page.wait_for_function("(was) => document.querySelector('#hh-board .hh-tl-pv').dataset.drawn !== was",
                           arg=drawn_at, timeout=30000)
    assert video.get_attribute("aria-label") == f"Join {n}: shot {n} into shot {n + 1}, a cut (preview)"
    page.wait_for_function("() => document.querySelector('#hh-board video').readyState >= 1", timeout=20000)
    assert abs(page.evaluate("document.querySelector('#hh-board video').duration") - 3.0) < 0.05  # 1.5 s each side
    assert "the cut is at 1.50 s" in page.locator("#hh-board .hh-tl-pv").inner_text()
    assert page.evaluate("document.activeElement.dataset.after") == str(n - 1)  # the keyboard stays on its Preview
    assert fits(page)["page"]
    shot(page, "storyboard-join-preview")
    assert not page.errors, page.errors
    page.close()


def test_trims_by_key_nudge_and_drag_land_on_frames_and_the_length_is_one_everywhere(browser, board_app):
    put_board(board_app, board_app.wide)
    page = open_page(browser, board_app.url, DESKTOP)
    board = page.locator("#hh-board")
    board.locator(".hh-tl-shot").nth(2).wait_for(timeout=30000)
    wait_length(page, 9.0)
    second = board.locator(".hh-tl-shot").nth(1)
    out = second.get_by_role("slider", name="Shot 2 out point")
    out.focus()
    out.press("Shift+ArrowLeft")  # a second earlier
    wait_length(page, 8.0)
    a, b, _ = widths(page)
    assert b / a == pytest.approx(2 / 3, abs=0.02)  # its strip shrinks with it
    assert "frame 48" in page.locator("#hh-story-frames").inner_text()  # the out frame: the last one shown
    page.get_by_role("button", name="In point one frame later").click()
    page.get_by_role("button", name="In point one frame later").click()
    wait_length(page, round(8.0 - 2 / 24, 2))
    page.locator("#hh-story-frames").get_by_text("frame 3").wait_for(timeout=15000)
    assert "0:00.02 · frame 3" in page.locator(".hh-tl-insp").inner_text()
    third = board.locator(".hh-tl-shot").nth(2)
    third.locator(".hh-tl-pick").click()
    handle = third.locator(".hh-tl-out").bounding_box()
    per_second = widths(page)[2] / 3
    x, y = handle["x"] + handle["width"] / 2, handle["y"] + handle["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x - per_second * 0.5, y, steps=6)
    page.mouse.move(x - per_second, y, steps=6)
    page.mouse.up()
    end = float(third.get_attribute("data-end"))
    assert 1.8 <= end <= 2.2 and round(end * 24, 6) == round(end * 24)  # on the frame grid
    shown = round(8.0 - 2 / 24 - (3 - end), 2)
    wait_length(page, shown)
    page.locator(".hh-tl-join select").first.select_option("0.5")
    shown = round(shown - 0.5, 2)
    wait_length(page, shown)
    shot(page, "storyboard-trimmed")
    page.locator("#hh-export").click()
    panel = page.locator("#hh-detail")
    panel.get_by_text("STORY").first.wait_for(timeout=90000)
    info = panel.locator("#hh-detail-info").inner_text()
    seconds = float(re.search(r"px · ([0-9.]+) s", info).group(1))
    assert abs(seconds - shown) <= 1 / 24 + 0.006, info
    assert page.locator("#hh-export").is_enabled()  # ready to export again
    assert not page.errors, page.errors
    page.close()


@pytest.mark.parametrize("view", [DESKTOP, PHONE], ids=["desktop-light", "phone-dark"])
def test_mixed_sizes_are_named_with_a_choice_kept_for_the_export(browser, board_app, view):
    put_board(board_app, [board_app.wide[0], board_app.small, board_app.wide[1]])
    page = open_page(browser, board_app.url, view)
    fit = page.locator("#hh-story-acts .hh-story-fit")
    fit.wait_for(timeout=30000)
    assert "Shot 2 is 720P (320×180), the others 640×360." in fit.inner_text(), fit.inner_text()
    assert fit.get_by_label("Scale up to 640×360").is_checked()
    fit.get_by_label("Export at 320×180").check()
    draft_saved(board_app, "storyboard_fit", "smallest")  # kept on the server before the reload
    page.locator("#hh-storyboard").scroll_into_view_if_needed()
    shot(page, "storyboard-mixed")
    page.reload()  # the choice is kept with the storyboard
    fit.wait_for(timeout=30000)
    assert fit.get_by_label("Export at 320×180").is_checked()
    page.locator("#hh-export").click()
    page.locator("#hh-detail").get_by_text("STORY").first.wait_for(timeout=90000)
    with sqlite3.connect(board_app.data / "ledger.sqlite3") as db:
        size = db.execute("SELECT width, height FROM jobs WHERE backend = 'studio' ORDER BY created_at DESC").fetchone()
    assert size == (320, 180)
    assert not page.errors, page.errors
    page.close()


def test_hide_folds_the_board_to_its_title_until_a_shot_is_added(browser, board_app):
    put_board(board_app, board_app.wide)
    page = open_page(browser, board_app.url, DESKTOP)
    page.locator("#hh-board .hh-tl-shot").nth(2).wait_for(timeout=30000)
    gallery_at = page.locator("#hh-gallery").bounding_box()["y"]
    fold = page.locator("#hh-story-summary .hh-story-fold")
    assert fold.get_attribute("aria-expanded") == "true"
    fold.click()
    expect(page.locator("#hh-board")).to_be_hidden()
    assert fold.get_attribute("aria-expanded") == "false" and fold.inner_text() == "Show"
    assert page.locator("#hh-gallery").bounding_box()["y"] < gallery_at - 200  # the gallery comes up
    expect(page.locator("#hh-story-summary")).to_contain_text("Storyboard · 3 shots")
    page.reload()  # kept in this browser
    page.locator("#hh-story-summary .hh-story-fold").wait_for(timeout=30000)
    expect(page.locator("#hh-story-summary .hh-story-fold")).to_have_text("Show")
    expect(page.locator("#hh-board")).to_be_hidden()
    page.locator("#hh-gallery .hh-s-done[data-id]").filter(has_not_text="STORY").nth(5).click()
    page.locator("#hh-detail #hh-add-story").click()  # a shot added: the board opens to show it
    expect(page.locator("#hh-board .hh-tl-shot")).to_have_count(4, timeout=20000)
    expect(page.locator("#hh-story-summary .hh-story-fold")).to_have_text("Hide")
    assert not page.errors, page.errors
    page.close()
