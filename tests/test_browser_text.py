"""The page's words in Chromium (#23 item 11): a wrong file named once in words (never Gradio's MIME list), a first
frame cut to 9:16 by its Reframe chips on the phone (#23 item 12),
the phone's spend header on one line, a running job beside Generate that opens in the viewer, and a cancel
said once."""

import pytest

from harness.media import make_image
from studio.prompts import prompt_budget

from tests.browser_fixture import DESKTOP, PHONE, drawn, generate_button, open_page, shot, write_prompt


@pytest.fixture
def files(tmp_path):
    (tmp_path / "notes.txt").write_text("hello")
    (tmp_path / "broken.png").write_bytes(b"\x00not a picture" * 100)
    return tmp_path


def workbench_text(page) -> str:
    return page.locator("#hh-workbench").inner_text()


@pytest.mark.parametrize("view", [DESKTOP, PHONE], ids=["desktop-light", "phone-dark"])
def test_a_wrong_file_is_named_once_in_words(browser, studio_app, files, view):
    page = open_page(browser, studio_app.url, view)
    page.get_by_role("tab", name="Video edit").click()
    page.locator("#hh-workbench input[type=file][accept*=video]").last.set_input_files(str(files / "notes.txt"))
    note = page.locator("#hh-workbench .hh-drop-msg").filter(has_text="this box takes a video clip")
    note.wait_for(timeout=10000)
    box = note.bounding_box()
    assert box and box["height"] > 10 and box["y"] < page.viewport_size["height"]  # in sight, not cut off
    assert "a .txt file" in note.inner_text()
    shot(page, "text-wrong-file")
    page.wait_for_timeout(500)
    said = " ".join(t for _, t in page.evaluate("window.hhDrawn"))
    assert "video/*" not in said and "Only video" not in said  # Gradio's own refusal never shows
    page.get_by_role("tab", name="Image to video").click()
    page.locator("#hh-workbench input[type=file][accept*=image]").first.set_input_files(str(files / "broken.png"))
    page.get_by_text("This frame can't be used").first.wait_for(timeout=20000)
    page.get_by_text("the note under it says why").first.wait_for(timeout=20000)
    page.wait_for_timeout(1000)  # the advice and the draft follow the same change
    assert workbench_text(page).count("is not an image file") == 1, workbench_text(page)
    if view == PHONE:  # on the phone only (its shot() photographs dark and light): the chips' logic is one
        reframe_a_photo(page, make_image(files / "photo.png", 1200, 900))  # and a browser flow costs CI time
    assert not page.errors, page.errors
    page.close()


def reframe_a_photo(page, photo) -> None:
    """#23 item 12: a 4:3 photo cut to 9:16 by a chip (the preview is the cut), moved by keyboard, then restored."""
    page.locator("#hh-workbench input[type=file][accept*=image]").first.set_input_files(str(photo))
    box = page.locator("#hh-frame-facts")
    box.get_by_text("Frame 1200×900 px").wait_for(timeout=20000)
    box.get_by_role("button", name="9:16").click()
    box.get_by_text("Cut to 9:16 from your 1200×900 px original").wait_for(timeout=20000)
    shown = "() => [...document.querySelectorAll('#hh-workbench img')].filter(i => i.offsetParent && " \
            "i.src.includes('reframe-')).map(i => [i.naturalWidth, i.naturalHeight])"
    page.wait_for_function(f"({shown})().some(s => s[0] === 506 && s[1] === 900)", timeout=20000)
    assert box.get_by_role("button", name="9:16").get_attribute("aria-pressed") == "true"
    box.get_by_role("button", name="Right").focus()
    page.keyboard.press("Enter")  # a keyboard user moves the cut; the focus stays on the chip pressed
    page.wait_for_function("document.querySelector('#hh-frame-facts button[data-anchor=end]')"
                           "?.getAttribute('aria-pressed') === 'true'", timeout=20000)
    page.wait_for_timeout(500)  # the frame's own change draws the box once more
    assert page.evaluate("document.activeElement.dataset.anchor") == "end"
    overflow = page.evaluate("(() => { const b = document.querySelector('#hh-frame-facts'); "
                             "return b.scrollWidth - b.clientWidth; })()")
    assert overflow <= 0 and box.bounding_box()["width"] <= page.viewport_size["width"]
    shot(page, "reframe-9x16")
    box.get_by_role("button", name="Original").click()
    box.get_by_text("Frame 1200×900 px").wait_for(timeout=20000)


def test_the_phone_header_is_one_line(browser, studio_app):
    for scheme in ("dark", "light"):
        page = open_page(browser, studio_app.url, (390, 844, scheme))
        header = page.locator("#hh-header .hh-header")
        assert header.bounding_box()["height"] < 56, header.bounding_box()
        short = page.locator(".hh-spent-short")
        assert short.is_visible() and short.inner_text().startswith("$0.00 spent")
        assert not page.locator(".hh-spent-long").is_visible()
        shot(page, "text-header")
        page.close()
    page = open_page(browser, studio_app.url, DESKTOP)
    assert page.locator(".hh-spent-long").is_visible() and not page.locator(".hh-spent-short").is_visible()
    page.close()


def test_the_running_job_beside_generate_opens_it_and_its_cancel_is_said_once(browser, studio_app):
    page = open_page(browser, studio_app.url)
    page.get_by_text("1080P", exact=True).first.click()
    write_prompt(page, "A slow aerial orbit over a misty lake at dawn, golden light", seconds=15)
    generate_button(page).click()
    # the row is drawn again on every tick: find it and click it in one step
    job_id = page.wait_for_function("() => { const r = document.querySelector('.hh-runlist li[data-open]');"
                                    " if (!r) return null; r.click(); return r.dataset.open; }",
                                    timeout=20000).json_value()
    page.wait_for_function("(id) => { const h = document.querySelector('#hh-detail-head .hh-dhead');"
                           " return h && h.dataset.id === id; }", arg=job_id, timeout=15000)
    page.locator("#hh-detail").get_by_role("button", name="Cancel job").click()
    drawn(page, "was cancelled", "toast", timeout=30000)
    page.wait_for_timeout(3000)  # a second toast would follow within a tick
    # each toast is noted as drawn, and again inside a group of toasts: count the messages, not the notes
    toasts = {t.split("×")[-1].strip() for c, t in page.evaluate("window.hhDrawn")
              if ("toast-item" in c or "toast-message-item" in c) and "cancel" in t.lower()}
    assert len(toasts) == 1, toasts
    page.close()


@pytest.mark.parametrize("view", [DESKTOP, PHONE], ids=["desktop-light", "phone-dark"])
def test_camera_chips_and_reference_chips_write_at_the_caret(browser, studio_app, tmp_path, view):
    from PIL import Image

    Image.new("RGB", (800, 600), (200, 120, 40)).save(tmp_path / "ref.png")
    page = open_page(browser, studio_app.url, view)
    box = page.locator("#hh-workbench textarea").first
    box.fill("A horse runs on the beach.")
    box.evaluate("b => { b.focus(); b.setSelectionRange(b.value.length, b.value.length); }")
    page.locator("#hh-workbench .hh-chip", has_text="Orbit").first.click()
    page.wait_for_function("(b) => b.value.includes('rbit around the subject')", arg=box.element_handle(),
                           timeout=15000)
    assert box.input_value().startswith("A horse runs on the beach.")  # added, never swapped
    shot(page, "text-camera-chips")
    page.get_by_role("tab", name="Reference to video").click()
    panel = page.locator("#hh-workbench [role=tabpanel]:visible")
    refs = panel.locator(".hh-refchips")
    slot = 2 if view == DESKTOP else 3  # the studio keeps one draft: the other view's slot may still be filled
    before = refs.locator("button").count()
    assert before or "Each image added gets a button" in refs.inner_text()  # no chip for an empty slot
    assert not refs.locator("button", has_text=f"Image {slot}").count()
    panel.locator(".hh-slot input[type=file]").nth(slot - 1).set_input_files(str(tmp_path / "ref.png"))
    chip = refs.locator("button", has_text=f"Image {slot}")
    chip.wait_for(timeout=20000)  # a chip per filled slot: this one added
    assert refs.locator("button").count() == before + 1
    prompt = panel.locator("textarea").first
    prompt.fill("A woman walks")
    chip.click()
    page.wait_for_function(f"(b) => b.value === 'A woman walks [Image {slot}]'", arg=prompt.element_handle(),
                           timeout=10000)
    shot(page, "text-reference-chips")
    assert not page.errors, page.errors
    page.close()


COUNTED = ["a horse on a beach", "马在海边奔跑", "A 马 🐎 rides at dusk, 夕阳", "𠀀𠀁 ext-B", "x" * 5001, "马" * 2501, ""]


def test_the_counter_follows_each_keystroke_in_the_servers_words(browser, studio_app):
    """The count under the prompt is drawn in the page as the prompt changes, the words the server writes
    (studio.prompts.PromptBudget.label), not one answer late."""
    page = open_page(browser, studio_app.url, DESKTOP)
    box = page.get_by_label("Prompt", exact=True)
    box.wait_for(timeout=30000)
    page.wait_for_function("document.documentElement.dataset.hhDraft", timeout=30000)
    for text in COUNTED:
        # set and read in one task: the page's own count, before any answer from the server could come
        drawn_now = box.evaluate("""(t, text) => { t.value = text; t.dispatchEvent(new Event('input', {bubbles: true}));
            return t.closest('[role=tabpanel]').querySelector('.hh-counter p').textContent; }""", text)
        assert drawn_now == prompt_budget(text).label, (text[:20], drawn_now)
    box.fill(COUNTED[2])
    page.wait_for_timeout(1500)  # the server's answer has come: the same words
    counter = page.locator(".hh-counter p").filter(visible=True).first
    assert counter.inner_text() == prompt_budget(COUNTED[2]).label
    page.close()
