"""From one clip to the next in Chromium: every action of a finished clip's detail, one click each."""

import pytest

from tests.app_fixture import start_app, stop_app
from tests.gallery_seed import seed_jobs
from tests.test_browser import DESKTOP, PHONE, browser, open_page, shot  # noqa: F401


@pytest.fixture(scope="module")
def chain_app(tmp_path_factory):
    data = tmp_path_factory.mktemp("chain") / "data"
    seed_jobs(data, 12)
    app = start_app(data)
    yield app
    stop_app(app)


def open_clip(page, nth: int = 1):
    page.locator("#hh-gallery .hh-tile[data-id]").first.wait_for(timeout=30000)
    tile = page.locator("#hh-gallery .hh-s-done").nth(nth)
    job_id = tile.get_attribute("data-id")
    tile.click()
    page.locator("#hh-detail #hh-final").wait_for(timeout=15000)
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
    page.locator("#hh-slot-pick").click()
    page.get_by_role("option", name="Video edit · reference 2").click()
    page.locator("#hh-to-slot").click()
    page.wait_for_function("document.querySelector('#hh-tabs [role=tab][aria-selected=true]').innerText"
                           ".includes('Video edit')", timeout=20000)
    image_in(page, "Reference 2").first.wait_for(timeout=20000)
    page.locator("#hh-png").click()
    page.locator("#hh-png-file").get_by_text(".png").first.wait_for(timeout=20000)
    shot(page, "chain-frame")
    assert not page.errors, page.errors
    page.close()


def test_load_settings_and_send_to_edit_fill_the_tabs(browser, chain_app):
    page = open_page(browser, chain_app.url)
    open_clip(page, 2)
    prompt = page.locator("#hh-detail .hh-dt h2").inner_text().rstrip("…")
    page.locator("#hh-load").click()
    page.wait_for_function("(p) => [...document.querySelectorAll('#hh-workbench textarea')]"
                           ".some(t => t.value.startsWith(p))", arg=prompt[:30], timeout=20000)
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
    page.wait_for_function("document.querySelector('#hh-detail-info').innerText.split('variation of').length >= 3",
                           timeout=30000)
    shot(page, "chain-lineage")
    panel.locator("#hh-add-story").click()
    page.locator("#hh-detail-close").click()
    open_clip(page, 3)
    panel.locator("#hh-add-story").click()
    page.locator("#hh-storyboard").get_by_text("Storyboard: 2 shots").wait_for(timeout=15000)
    page.locator("#hh-detail-close").click()
    shot(page, "storyboard")
    page.locator("#hh-export").click()
    panel.get_by_text("STORY").first.wait_for(timeout=60000)
    assert panel.locator("#hh-detail-info").inner_text().count("stitch of") == 2
    shot(page, "storyboard-exported")
    page.close()
