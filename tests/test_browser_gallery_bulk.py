"""The gallery's order and its Select mode in Chromium: sort, pick several clips (a click, a shift-click range,
the keyboard), then star, board, download and delete them; Tab walks the filters without opening any.

At 1440x900 and 390x844, light and dark; every view is photographed into bench/screenshots/.
"""

import sqlite3
import zipfile

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from tests.browser_fixture import DESKTOP, PHONE, VIEWS, open_page, shot
from tests.conftest import seeded_app

SEEDED = 40
OPEN_LISTS = """() => [...document.querySelectorAll('#hh-gallery-col ul.options, #hh-gallery-col [role=listbox]')]
    .filter(e => e.offsetParent).length"""


@pytest.fixture(scope="module")
def gallery_app(tmp_path_factory):
    yield from seeded_app(tmp_path_factory, "gallery-bulk", SEEDED)


def tiles(page):
    return page.locator("#hh-gallery .hh-tile[data-id]")


def ledger(app):
    return sqlite3.connect(app.data_dir / "ledger.sqlite3")


@pytest.fixture(scope="module", autouse=True)
def varied(gallery_app):
    """Clips of different lengths and costs (the seed gives every clip 3 s and no charge)."""
    with ledger(gallery_app) as db:
        db.execute("UPDATE jobs SET seconds = 3 + (CAST(substr(id, 15, 2) AS INTEGER) % 5) * 2, "
                   "cost_usd = 0.14 * (3 + (CAST(substr(id, 15, 2) AS INTEGER) % 5) * 2) + seed * 0.001 "
                   "WHERE state = 'succeeded'")


@pytest.mark.parametrize("view", VIEWS, ids=lambda v: f"{v[0]}-{v[2]}")
def test_the_order_and_the_select_mode(browser, gallery_app, view):
    page = open_page(browser, gallery_app.url, view)
    tiles(page).first.wait_for(timeout=30000)
    newest = tiles(page).first.get_attribute("data-id")
    sort = page.locator("#hh-gallery select[data-act='sort']")
    sort.select_option("cost")
    page.wait_for_function("(id) => document.querySelector('#hh-gallery .hh-tile[data-id]').dataset.id !== id",
                           arg=newest, timeout=15000)
    with ledger(gallery_app) as db:
        dearest = db.execute("SELECT id FROM jobs WHERE deleted_at IS NULL ORDER BY COALESCE(cost_usd, 0) DESC, "
                             "created_at DESC, id DESC LIMIT 1").fetchone()[0]
    assert tiles(page).first.get_attribute("data-id") == dearest
    assert page.locator("#hh-gallery select[data-act='sort']").input_value() == "cost"  # drawn again, still cost
    page.locator("#hh-gallery .hh-gbar").scroll_into_view_if_needed()  # (on a phone the gallery is below the form)
    shot(page, "gallery-sort-cost")
    sort = page.locator("#hh-gallery select[data-act='sort']")
    sort.select_option("length")
    page.wait_for_function("""() => { const t = [...document.querySelectorAll('#hh-gallery .hh-tile[data-id]')];
        return t.length > 3 && t[0].innerText.includes('11s') }""", timeout=15000)
    page.locator("#hh-gallery .hh-selmode").click()
    bar = page.locator("#hh-gallery .hh-bulk")
    bar.wait_for(state="visible", timeout=5000)
    tiles(page).nth(0).click()
    tiles(page).nth(3).click(modifiers=["Shift"])  # the range: four tiles
    assert bar.locator(".hh-bulk-n").inner_text() == "4 selected"
    assert page.locator("#hh-gallery .hh-tile.hh-picked").count() == 4
    assert not page.locator("#hh-detail").is_visible(), "a click in Select mode opened the clip"
    shot(page, "gallery-select")
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the page is {overflow}px wider than the screen"
    page.locator("#hh-gallery .hh-selmode").click()
    bar.wait_for(state="hidden", timeout=5000)
    assert page.locator("#hh-gallery .hh-tile.hh-picked").count() == 0
    assert not page.errors, page.errors
    page.close()


def test_tab_walks_the_filters_and_the_keyboard_picks_one(browser, gallery_app):
    """Issue #23 item 6: Tab walks the search, Favourites, the three filters and on to the gallery without
    opening a list (they are native selects now: Gradio's dropdowns popped open on focus), and the keyboard
    alone picks a filter."""
    page = open_page(browser, gallery_app.url)
    tiles(page).first.wait_for(timeout=30000)
    page.locator("#hh-search input").focus()
    seen = []
    for _ in range(7):
        page.keyboard.press("Tab")
        seen.append(page.evaluate("""() => { const a = document.activeElement;
            return (a.closest('#hh-gallery') ? 'hh-gallery' : a.id || a.closest('[id]')?.id) || a.tagName; }"""))
        assert page.evaluate(OPEN_LISTS) == 0, f"a list opened on Tab (focus on {seen[-1]})"
    assert seen[:4] == ["hh-favs", "hh-f-variant", "hh-f-state", "hh-f-backend"], seen
    assert "hh-gallery" in seen, f"Tab never reached the gallery: {seen}"
    shot(page, "gallery-tab-filters")
    state = page.locator("#hh-f-state")
    state.focus()
    for _ in range(3):  # Any state, Running, Done, Failed
        page.keyboard.press("ArrowDown")
    assert state.input_value() == "failed"
    only_failed = """() => document.querySelector('#hh-gallery .hh-count').innerText.includes('match')
        && [...document.querySelectorAll('#hh-gallery .hh-tile')].every(t => t.classList.contains('hh-s-failed'))"""
    try:
        page.wait_for_function(only_failed, timeout=30000)
    except PlaywrightTimeout:  # say what the grid showed instead (seen once on a loaded CI rehearsal)
        shown = page.evaluate("""() => [document.querySelector('#hh-gallery .hh-count')?.innerText,
            [...new Set([...document.querySelectorAll('#hh-gallery .hh-tile')].map(t => t.className))]]""")
        raise AssertionError(f"the grid never showed only failed clips: {shown}") from None
    page.close()


def test_several_clips_star_board_download_and_delete(browser, gallery_app, tmp_path):
    page = open_page(browser, gallery_app.url, DESKTOP)
    tiles(page).first.wait_for(timeout=30000)
    page.locator("#hh-gallery .hh-selmode").click()
    done = page.locator("#hh-gallery .hh-s-done")
    ids = [done.nth(i).get_attribute("data-id") for i in range(1, 4)]
    for job_id in ids:
        page.locator(f"#hh-gallery .hh-tile[data-id='{job_id}'] .hh-pick").check()
    bar = page.locator("#hh-gallery .hh-bulk")
    assert bar.locator(".hh-bulk-n").inner_text() == "3 selected"
    bar.get_by_role("button", name="★ Favourite").click()
    page.wait_for_function("""(ids) => ids.every(id => document.querySelector(
        `#hh-gallery .hh-tile[data-id="${id}"] .hh-fav`)?.getAttribute('aria-pressed') === 'true')""",
                           arg=ids, timeout=15000)
    assert page.locator("#hh-gallery .hh-tile.hh-picked").count() == 3  # the picks outlive the redraw
    bar.get_by_role("button", name="Add to storyboard").click()
    page.locator("#hh-storyboard").wait_for(state="visible", timeout=15000)
    page.get_by_text("Added 3 clips to the storyboard").wait_for(timeout=15000)
    bar.get_by_role("button", name="Add to storyboard").click()  # again: said so, not "Added 0 clips"
    page.get_by_text("Those clips are already on the storyboard").wait_for(timeout=15000)
    with page.expect_download(timeout=30000) as download:
        bar.get_by_role("button", name="Download").click()
    saved = tmp_path / "clips.zip"
    download.value.save_as(saved)
    with zipfile.ZipFile(saved) as box:
        names = box.namelist()
    assert len(names) == 3 and all(any(i in n for n in names) for i in ids), names
    clips = [gallery_app.data_dir / "media" / f"{i}.mp4" for i in ids]
    assert all(c.exists() for c in clips)
    bar.get_by_role("button", name="Delete…").click()
    really = bar.get_by_role("button", name="Yes, delete them")
    really.wait_for(timeout=5000)
    assert "Delete 3 clips" in bar.inner_text() and all(c.exists() for c in clips), "deleted before asking"
    shot(page, "gallery-bulk-delete-ask")
    really.click()
    page.wait_for_function("""(ids) => ids.every(id => !document.querySelector(
        `#hh-gallery .hh-tile[data-id="${id}"]`))""", arg=ids, timeout=20000)
    assert not any(c.exists() for c in clips)
    with ledger(gallery_app) as db:
        gone = db.execute(f"SELECT COUNT(*) FROM jobs WHERE deleted_at IS NOT NULL AND id IN "
                          f"({', '.join('?' * 3)})", ids).fetchone()[0]
    assert gone == 3
    assert not page.errors, page.errors
    page.close()


def test_the_job_log_shows_the_whole_prompt(browser, gallery_app):
    page = open_page(browser, gallery_app.url, PHONE)
    tiles(page).first.wait_for(timeout=30000)
    page.get_by_role("tab", name="Job log").click()
    page.locator("#hh-log-search textarea, #hh-log-search input").first.fill("(take 17)")
    page.wait_for_function("""() => { const t = document.querySelector('#hh-log')?.innerText || '';
        return t.includes('(take 17)') && !t.includes('eeeeeeeeeeeeeeee'); }""", timeout=15000)  # searched
    page.locator("#hh-log").scroll_into_view_if_needed()
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the whole prompts make the page {overflow}px wider than the screen"
    shot(page, "job-log-whole-prompt")
    page.close()
