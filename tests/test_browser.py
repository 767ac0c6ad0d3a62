"""Click through the studio in headless Chromium (Debian's package): making clips and following them.

Each view is photographed into bench/screenshots/ (not committed) at the
size and colour scheme it ran in. The library with many jobs is in
test_browser_library.py.
"""

import re

import pytest
from playwright.sync_api import expect

from tests.browser_fixture import DESKTOP, draft_restored, draft_saved, drawn, generate_button, in_view, open_page, PHONE, PROMPT, shot, toast_said, write_prompt


@pytest.mark.parametrize("view", [DESKTOP, PHONE], ids=["desktop-light", "phone-dark"])
def test_generate_sends_at_once_follows_the_job_and_opens_the_clip_in_view(browser, studio_app, view):
    page = open_page(browser, studio_app.url, view)
    page.get_by_label("Prompt", exact=True).fill("")  # an earlier test's draft may be restored
    button = generate_button(page)
    page.get_by_text("Can't generate yet:").first.wait_for(timeout=15000)
    expect(button).to_be_disabled(timeout=15000)  # an empty form cannot be sent, and the reason is beside the button
    page.get_by_text("Can't generate yet:").first.wait_for(timeout=15000)
    shot(page, "form-empty")
    # each view sends its own request: the same one within 10 s of the other view's is that job again
    # (a double press is sent once), and the toast then says so instead of "Sent"
    write_prompt(page, PROMPT if view == DESKTOP else PROMPT.replace("sunset", "dusk"))
    page.get_by_text("$0.42 on HappyHorse").first.wait_for(timeout=15000)
    expect(button).to_be_enabled(timeout=15000)
    if view == DESKTOP:
        assert in_view(page, button), "Generate is below the fold at 1440x900"
    button.click()
    page.get_by_text("Sent to the preview renderer").first.wait_for(timeout=15000)
    again = generate_button(page, another=True)
    again.wait_for(timeout=10000)
    expect(again).to_be_enabled(timeout=15000)
    page.wait_for_timeout(1000)  # a deliberate second take, not a double click (which is sent once)
    again.click()  # a second job from the same tab while the first runs
    page.get_by_text("Seed used:").wait_for(timeout=90000)
    toast_said(page, "It is first in the gallery")
    tiles = page.locator("#hh-gallery .hh-tile.hh-s-done")
    page.wait_for_function("document.querySelectorAll('#hh-gallery .hh-tile.hh-s-done').length >= 2",
                           timeout=90000)
    tile = tiles.first
    assert "A chestnut horse gallops" in tile.locator(".hh-prompt").inner_text()
    assert tile.locator(".hh-spec").inner_text() == "T2V 720P 3s"
    meta = tile.locator(".hh-tmeta").inner_text()
    assert "Text to video" in meta and "3 s" in meta and "free preview" in meta
    assert "just now" in meta or "ago" in meta
    shot(page, "generated")
    tile.scroll_into_view_if_needed()
    tile.click()
    panel = page.locator("#hh-detail")
    panel.get_by_text("Done").first.wait_for(timeout=15000)
    page.wait_for_timeout(600)
    assert in_view(page, panel.locator("#hh-player")), "the clip opened out of sight"
    assert panel.get_by_role("button", name="Cancel job").count() == 0 or \
        not panel.get_by_role("button", name="Cancel job").is_visible()
    record = panel.locator("#hh-detail .json-holder, #hh-detail [data-testid=json]")
    shot(page, "detail-done")
    shown = panel.inner_text()  # (the player's source address holds a path; the words must not)
    assert "/tmp" not in shown and "data/media" not in shown and str(studio_app.data_dir) not in shown
    panel.get_by_role("button", name="Close", exact=True).click()  # its ✕ is hidden from readers
    panel.wait_for(state="hidden", timeout=10000)
    assert record is not None and not page.errors, page.errors
    page.close()


def test_a_running_job_shows_words_elapsed_time_and_a_moving_bar_never_a_frozen_zero(browser, studio_app):
    page = open_page(browser, studio_app.url)
    page.get_by_label("Prompt", exact=True).fill("A slow aerial orbit over a misty lake at dawn")
    page.get_by_text("1080P", exact=True).first.click()
    write_prompt(page, "A slow aerial orbit over a misty lake at dawn", seconds=15)
    page.get_by_text("$2.70 on HappyHorse").first.wait_for(timeout=15000)
    generate_button(page).click()
    tile, bar = page.wait_for_function(  # read at once: the tile is redrawn as the job moves on
        "() => { const t = document.querySelector('#hh-gallery .hh-tile.hh-s-running');"
        " return t && [t.textContent, !!t.querySelector('.hh-bar')]; }", timeout=20000).json_value()
    assert not re.search(r"(?<![0-9])0%", tile), tile  # a frozen zero; 40% is progress
    assert bar, tile
    _, words = drawn(page, "no estimate yet", "hh-runlist")
    assert ":" in words, words  # elapsed m:ss, and honest about the estimate
    shot(page, "running")
    toast_said(page, "It is first in the gallery", 120000)
    page.close()


def test_ctrl_enter_generates_and_the_draft_survives_a_reload(browser, studio_app):
    page = open_page(browser, studio_app.url)
    page.get_by_text("720P", exact=True).first.click()  # the draft of an earlier test may hold 1080P
    write_prompt(page, "A lighthouse beam sweeps across a stormy sea, wide shot", seconds=4)
    page.get_by_label("Seed").fill("1234")
    page.get_by_text("$0.56 on HappyHorse").first.wait_for(timeout=15000)
    draft_saved(studio_app, "lighthouse", "1234")  # the draft is saved as the form changes: wait for the ledger
    page.reload()
    draft_restored(page)
    prompt = page.get_by_label("Prompt", exact=True)
    page.wait_for_function("[...document.querySelectorAll('textarea')].some(t => t.value.includes('lighthouse'))",
                           timeout=15000)
    assert page.get_by_label("Seed").input_value() == "1234"
    page.get_by_text("$0.56 on HappyHorse").first.wait_for(timeout=15000)
    shot(page, "draft-restored")
    prompt.press("Control+Enter")
    page.get_by_text("Sent to the preview renderer").first.wait_for(timeout=15000)
    page.close()


def test_a_page_left_alone_after_quick_changes_sends_only_its_timer(browser, studio_app):
    """A listener must not re-send another's change forever (a Gradio trait studio.ui.form works around):
    such a page saved its draft twice a second and overwrote what another window typed."""
    page = open_page(browser, studio_app.url)
    page.get_by_label("Prompt", exact=True).fill("A red kite over the dunes")
    page.get_by_text("1080P", exact=True).first.click()
    write_prompt(page, "A red kite over the dunes at noon, tracking shot", seconds=7)
    page.get_by_label("Seed").fill("77")
    draft_saved(studio_app, "red kite", "noon", "77")
    page.wait_for_function("Date.now() - window.hhLastEvent > 2000", timeout=20000)  # the changes settle...
    sent = page.evaluate("window.hhSent.length")
    page.wait_for_timeout(5000)
    later = page.evaluate(f"window.hhSent.slice({sent})")
    assert later, "the timer sent nothing in 5 s"
    assert page.evaluate("Date.now() - window.hhLastEvent") > 5000, f"...and stay settled: {later}"
    page.reload()
    draft_restored(page)
    page.wait_for_function("[...document.querySelectorAll('textarea')].some(t => t.value.includes('red kite'))",
                           timeout=15000)
    assert page.get_by_label("Seed").input_value() == "77"
    page.get_by_text("$1.26 on HappyHorse").first.wait_for(timeout=15000)  # 1080P, 7 s, as left (1.1: $0.18/s)


def test_every_tab_shows_its_controls_without_script_errors(browser, studio_app):
    page = open_page(browser, studio_app.url, (1280, 900, "light"))
    expected = {
        "Image to video": ["First frame", "Prompt (optional)", "Resolution", "Duration (seconds)", "Seed"],
        "Reference to video": [f"Image {n}" for n in range(1, 10)] + ["Prompt", "Aspect ratio"],
        "Video edit": ["Source clip", "Instruction", "Reference 5", "Sound", "Watermark"],
        "Text to video": ["Prompt", "Aspect ratio", "Duration (seconds)"],
    }
    for tab, labels in expected.items():
        page.get_by_role("tab", name=tab).click()
        for label in labels:
            page.get_by_text(label, exact=True).filter(visible=True).first.wait_for(timeout=10000)
        shot(page, f"tab-{tab.replace(' ', '-').lower()}")
    assert not page.errors, page.errors
    page.close()


def test_an_ordinary_input_error_writes_one_line_to_the_server_log(studio_app):
    from gradio_client import Client

    client = Client(studio_app.url, verbose=False)
    with pytest.raises(Exception, match="needs a prompt"):
        client.predict("", "720P", "16:9", 3, False, "", api_name="/text_to_video")
    log = studio_app.log()
    assert "needs a prompt" in log and "Traceback" not in log, log[-2000:]
