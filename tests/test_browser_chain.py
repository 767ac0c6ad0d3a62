"""From one clip to the next in Chromium: every action of a finished clip's detail, one click each."""

import re

import pytest
from playwright.sync_api import expect

from harness.app import start_app, stop_app
from harness.gallery import seed_jobs
from studio import config
from studio.chain import StoryShot
from studio.service import LOCAL, Studio
from tests.browser_fixture import (DESKTOP, draft_restored, draft_saved, open_page, PHONE, shot, toast_said,
                                   toasts_clear_of_viewer_buttons)


@pytest.fixture(scope="module")
def chain_app(tmp_path_factory):
    data = tmp_path_factory.mktemp("chain") / "data"
    ids = seed_jobs(data, 12)
    cut = long_cut(data, ids)
    app = start_app(data)
    app.long_cut = cut
    yield app
    stop_app(app)


def long_cut(data, ids: list[str]) -> str:
    """An 18 s storyboard of six seeded shots: longer than the 15 s Video edit takes."""
    studio = Studio(config.load({"STUDIO_DATA_DIR": str(data)}))
    done = [i for i in ids if studio.core.job(LOCAL, i).output_path][:6]
    job = studio.chain.stitch(LOCAL, [StoryShot(i) for i in done], 0.0)
    studio.close()
    return job.id


def open_clip(page, nth: int = 1):
    """The nth finished generated clip of the gallery (not the long storyboard cut)."""
    page.locator("#hh-gallery .hh-tile[data-id]").first.wait_for(timeout=30000)
    tile = page.locator("#hh-gallery .hh-s-done").filter(has_not_text="STORY").nth(nth)
    job_id = tile.get_attribute("data-id")
    tile.click()
    page.locator("#hh-detail #hh-add-story").wait_for(timeout=15000)
    return job_id


def selected_tab(page) -> str:
    return page.locator("#hh-tabs [role=tab][aria-selected=true]").inner_text()


def image_in(page, label: str):
    block = page.locator("#hh-workbench .block").filter(has=page.get_by_text(label, exact=True)).filter(
        has=page.locator("[data-testid=image]")).first
    return block.locator("img")


@pytest.mark.parametrize("view", [DESKTOP, PHONE], ids=["desktop-light", "phone-dark"])
def test_a_frame_goes_to_a_first_frame_a_reference_slot_or_a_png(browser, chain_app, view):
    page = open_page(browser, chain_app.url, view)
    open_clip(page)
    shot(page, "chain-actions")
    page.locator("#hh-to-first").click()
    page.wait_for_function("document.querySelector('#hh-tabs [role=tab][aria-selected=true]').innerText"
                           ".includes('Image to video')", timeout=20000)
    image_in(page, "First frame").first.wait_for(timeout=20000)
    page.get_by_text("Frame", exact=False).first.wait_for()
    page.locator("#hh-which").get_by_text("Last frame").click()
    page.locator("#hh-slot-pick").select_option(label="Video edit · reference 2")  # a native <select>
    page.locator("#hh-to-slot").click()
    page.wait_for_function("document.querySelector('#hh-tabs [role=tab][aria-selected=true]').innerText"
                           ".includes('Video edit')", timeout=20000)
    image_in(page, "Reference 2").first.wait_for(timeout=20000)
    page.locator("#hh-png").click()
    page.locator("#hh-png-file").get_by_text(".png").first.wait_for(timeout=20000)
    shot(page, "chain-frame")
    assert not page.errors, page.errors
    page.close()


@pytest.mark.parametrize("view", [DESKTOP, PHONE], ids=["desktop-light", "phone-dark"])
def test_continue_this_shot_is_one_click_from_the_last_frame(browser, chain_app, view):
    page = open_page(browser, chain_app.url, view)
    open_clip(page, 2)
    prompt = page.locator("#hh-detail .hh-dt h2").inner_text().rstrip("…")
    button = page.locator("#hh-continue")
    assert "Continue this shot" in button.inner_text()
    button.click()
    page.wait_for_function("document.querySelector('#hh-tabs [role=tab][aria-selected=true]').innerText"
                           ".includes('Image to video')", timeout=20000)
    image_in(page, "First frame").first.wait_for(timeout=20000)  # the last frame, in one click
    page.wait_for_function("(p) => [...document.querySelectorAll('#hh-workbench textarea')]"
                           ".some(t => t.offsetParent && t.value.startsWith(p))", arg=prompt[:30], timeout=20000)
    toast_said(page, "Say what happens next")
    shot(page, "chain-continue")
    assert not page.errors, page.errors
    page.close()


def test_load_settings_and_send_to_edit_fill_the_tabs(browser, chain_app):
    page = open_page(browser, chain_app.url)
    page.get_by_label("Prompt", exact=True).fill("A draft the clip's settings will replace")
    draft_saved(chain_app, "A draft the clip's settings will replace")
    page.reload()
    fresh = page.locator("#hh-workbench .hh-fresh").filter(visible=True)
    expect(fresh).to_have_count(1, timeout=30000)  # "your draft from last time is back"
    open_clip(page, 2)
    prompt = page.locator("#hh-detail .hh-dt h2").inner_text().rstrip("…")
    page.locator("#hh-load").click()
    page.wait_for_function("(p) => [...document.querySelectorAll('#hh-workbench textarea')]"
                           ".some(t => t.value.startsWith(p))", arg=prompt[:30], timeout=20000)
    expect(fresh).to_have_count(0)  # the page filled the prompt: that line no longer says what it holds
    assert "Text to video" in selected_tab(page)
    page.locator("#hh-to-edit").click()
    page.wait_for_function("document.querySelector('#hh-tabs [role=tab][aria-selected=true]').innerText"
                           ".includes('Video edit')", timeout=20000)
    page.locator("#hh-workbench video").first.wait_for(timeout=20000)
    page.locator("#hh-detail").get_by_text("The edit costs").wait_for(timeout=10000)
    shot(page, "chain-edit-source")
    page.close()


def test_final_variations_and_storyboard_with_lineage_both_ways(browser, chain_app):
    page = open_page(browser, chain_app.url)
    parent = open_clip(page)
    panel = page.locator("#hh-detail")
    final = panel.locator("#hh-final")
    assert "Final at 1080P" in final.inner_text() and "the draft was" in final.inner_text()
    final.click()
    panel.get_by_text("This is the").first.wait_for(timeout=20000)
    assert "final of" in panel.locator("#hh-detail-info").inner_text()
    assert "1080P" in panel.locator(".hh-dt .hh-spec").inner_text()
    panel.locator(".hh-b-done").wait_for(timeout=90000)  # it follows the job live until it ends
    panel.locator(f"#hh-detail-info [data-open='{parent}']").click()  # back to the draft in one click
    panel.get_by_text("is the final of this clip").wait_for(timeout=15000)
    panel.locator("#hh-variations").click()
    # the lineage names the relation once and lists both variations under it
    page.wait_for_function("document.querySelector('#hh-detail-info').innerText.includes('2 variations of this clip')"
                           " && document.querySelectorAll('#hh-detail-info .hh-lineage-list [data-open]').length === 2",
                           timeout=30000)
    shot(page, "chain-lineage")
    takes = panel.locator("#hh-takes")
    takes.get_by_text("The original and 2 variations, side by side").wait_for(timeout=30000)
    page.wait_for_function("document.querySelectorAll('#hh-takes video').length === 3", timeout=90000)
    shot(page, "chain-takes")
    picked = takes.locator("[data-pick]").last
    picked_id = picked.get_attribute("data-pick")
    picked.scroll_into_view_if_needed()
    picked.click()  # the third take: starred and opened, its takes still beside it
    panel.get_by_text("This is the variation of").wait_for(timeout=15000)
    toast_said(page, "Variation 2 is your pick")
    toasts_clear_of_viewer_buttons(page)  # beside the viewer, not over its ‹ › and Close
    # the picked take plays in the main player, scrolled back into sight (it looked blank below the fold)
    page.wait_for_function("(id) => document.querySelector('#hh-detail-head .hh-dhead').dataset.id === id",
                           arg=picked_id, timeout=15000)
    page.wait_for_function("document.getElementById('hh-detail').scrollTop === 0", timeout=5000)
    box = page.locator("#hh-player video").bounding_box()
    assert box and box["height"] > 100 and box["y"] < 900
    assert picked_id in page.locator("#hh-player video").get_attribute("src")
    assert panel.locator("#hh-detail-fav").inner_text() == "★ Unfavourite"
    takes.get_by_text("Open now").wait_for(timeout=15000)
    other = takes.locator("[data-pick]").first  # picking another take moves the star: one pick per set
    other_id = other.get_attribute("data-pick")
    other.click()
    page.wait_for_function("(id) => !document.querySelector(`#hh-takes [data-pick='${id}']`)", arg=other_id,
                           timeout=15000)
    page.wait_for_function("[...document.querySelectorAll('#hh-takes .hh-take b')].filter(b => "
                           "b.innerText.includes('★')).length === 1", timeout=15000)
    takes.locator(f"[data-pick='{picked_id}']").click()  # and back to the third take
    page.wait_for_function("(id) => !document.querySelector(`#hh-takes [data-pick='${id}']`)", arg=picked_id,
                           timeout=15000)
    assert takes.locator(f"[data-pick='{picked_id}']").count() == 0
    page.locator(f"#hh-gallery .hh-tile[data-id='{picked_id}'] .hh-fav[aria-pressed=true]").wait_for(timeout=15000)
    panel.locator("#hh-add-story").click()
    page.locator("#hh-detail-close").click()
    open_clip(page, 3)
    panel.locator("#hh-add-story").click()
    board = page.locator("#hh-board")
    page.locator("#hh-story-summary").get_by_text("Storyboard · 2 shots").wait_for(timeout=15000)
    page.locator("#hh-detail-close").click()

    def lengths():
        return [float(x) for x in board.locator(".hh-tl-shot").evaluate_all("els => els.map(e => e.dataset.len)")]

    def joined(seconds: float):  # the summary and Export name the same length, to the hundredth
        page.wait_for_function("""(want) => { const el = document.querySelector('#hh-story-summary .hh-story-len');
            const b = document.querySelector('#hh-export');
            return el && b && Math.abs(parseFloat(el.innerText) - want) < 0.006 && b.innerText.includes(el.innerText); }""",
                               arg=seconds, timeout=40000)

    board.locator(".hh-tl-shot").nth(1).wait_for(timeout=15000)
    joined(sum(lengths()))
    moving = board.locator(".hh-tl-shot").nth(1).get_attribute("data-id")
    board.locator(".hh-tl-shot").nth(1).locator(".hh-tl-pick").click()
    board.get_by_role("button", name="← Earlier").click()  # the shot added last comes first
    page.wait_for_function("(id) => document.querySelector('#hh-board .hh-tl-shot').dataset.id === id", arg=moving,
                           timeout=15000)
    first, second_length = lengths()
    second = board.locator(".hh-tl-shot").nth(1)
    for edge, key, value in [("in", "ArrowRight", "start"), ("out", "ArrowLeft", "end")]:
        handle = second.locator(f".hh-tl-{edge}")
        handle.focus()
        target = 0.5 if value == "start" else 2.5
        for _ in range(36):  # a frame a press (24 fps): 12 to go half a second; a press lost to a redraw is pressed again
            if abs(float(second.get_attribute(f"data-{value}")) - target) < 0.001:
                break
            handle.press(key)
        assert abs(float(second.get_attribute(f"data-{value}")) - target) < 0.001
    joined(first + 2.0)
    board.locator(".hh-tl-join select").select_option("2")  # as long as the trimmed shot: said at once
    summary = page.locator("#hh-story-summary")
    summary.get_by_text("Before exporting: The crossfade between shots 1 and 2 is 2 s").wait_for(timeout=15000)
    assert page.locator("#hh-export").is_disabled()
    board.locator(".hh-tl-join select").select_option("0.5")
    joined(first + 1.5)
    assert summary.locator(".hh-story-problem").count() == 0
    shot(page, "storyboard")
    page.locator("#hh-export").click()
    panel.get_by_text("STORY").first.wait_for(timeout=60000)
    info = panel.locator("#hh-detail-info").inner_text()
    assert info.count("stitch of") == 1 and "This is the stitch of 2 clips" in info  # one line, its shots listed
    assert panel.locator("#hh-detail-info .hh-lineage-list [data-open]").count() == 2
    assert "2 shots: shot 1 from" in info and '"shots"' not in info  # the plan in words, not JSON
    seconds = float(re.search(r"px · ([0-9.]+) s", info).group(1))
    assert abs(seconds - (first + 1.5)) <= 0.1, info  # the first shot + (2.5 - 0.5) s - a 0.5 s crossfade
    shot(page, "storyboard-exported")
    page.reload()  # the storyboard stays after an export, and across a reload, trims and joins included
    draft_restored(page)
    joined(first + 1.5)
    assert float(board.locator(".hh-tl-shot").nth(1).get_attribute("data-start")) == 0.5
    page.locator("#hh-story-clear").click()  # asks first
    page.locator("#hh-story-really").click()
    page.locator("#hh-storyboard").wait_for(state="hidden", timeout=15000)
    page.close()


def test_a_clip_past_15_s_is_trimmed_for_video_edit_in_one_click(browser, chain_app):
    page = open_page(browser, chain_app.url)
    page.locator(f"#hh-gallery .hh-tile[data-id='{chain_app.long_cut}']").click()
    panel = page.locator("#hh-detail")
    panel.locator("#hh-to-edit").click()
    panel.get_by_text("the edit covers only the first 15 s").wait_for(timeout=20000)
    offer = panel.locator("#hh-trim-first")
    assert "Trim to the first 15 s" in offer.inner_text() and "instead of" in offer.inner_text()
    offer.click()
    panel.get_by_text("Trimmed to 0.00-15.00 s").wait_for(timeout=20000)
    assert "saves $" in panel.inner_text()
    assert not offer.is_visible()
    page.close()


def test_a_shot_deleted_from_the_gallery_leaves_the_storyboard_at_once(browser, chain_app):
    page = open_page(browser, chain_app.url)
    panel = page.locator("#hh-detail")
    for nth in (4, 5):
        open_clip(page, nth)
        panel.locator("#hh-add-story").click()
        page.locator("#hh-detail-close").click()
    summary = page.locator("#hh-story-summary")
    summary.get_by_text("Storyboard · 2 shots").wait_for(timeout=15000)
    gone = open_clip(page, 4)
    panel.locator("#hh-delete").click()
    panel.get_by_role("button", name="Yes, delete the clip and its files").click()
    summary.get_by_text("Storyboard · 1 shot ").wait_for(timeout=20000)  # without another click
    toast_said(page, "1 shot left the storyboard")
    assert page.locator(f"#hh-board .hh-tl-shot[data-id='{gone}']").count() == 0
    page.close()


# last: the variations it makes come first in the gallery, where the tests above pick clips by place
def test_toasts_keep_off_the_viewers_buttons_on_a_phone(browser, chain_app):
    page = open_page(browser, chain_app.url, PHONE)
    open_clip(page)
    page.locator("#hh-variations").click()  # scrolls the viewer down to the button
    toast_said(page, "Making 2 variations")
    page.eval_on_selector("#hh-detail", "d => { d.scrollTop = 0; }")  # back up to its ‹ › and Close
    page.wait_for_function("document.documentElement.dataset.hhToasts === 'below'", timeout=5000)
    toasts_clear_of_viewer_buttons(page)
    shot(page, "viewer-toast")
    page.close()
