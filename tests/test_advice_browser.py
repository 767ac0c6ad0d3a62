"""The prompt builder and live advice in headless Chromium: insert at the caret, never replace."""

from tests.browser_fixture import open_page


def test_builder_inserts_at_the_caret_and_advice_updates_as_you_type(browser, studio_app):  # noqa: F811
    page = open_page(browser, studio_app.url, (1440, 1000, "light"))  # typed after the draft lands, not under it
    prompt = page.locator("#hh-prompt-t2v textarea")
    prompt.fill("A horse with no saddle")
    page.get_by_text("HappyHorse has no negative prompt").first.wait_for(timeout=30000)
    prompt.fill("A horse at dusk")
    prompt.evaluate("el => { el.focus(); el.setSelectionRange(7, 7); }")
    page.get_by_text("Prompt builder and examples").first.click()
    page.get_by_label("Action").first.fill("galloping")
    page.get_by_role("button", name="Insert at cursor").first.click()
    page.wait_for_function("() => document.querySelector('#hh-prompt-t2v textarea').value.includes('galloping')",
                           timeout=30000)
    assert prompt.input_value() == "A horse, galloping, at dusk"
    page.get_by_role("button", name="Append to prompt").first.click()
    page.wait_for_function("() => document.querySelector('#hh-prompt-t2v textarea').value.endsWith('at dusk, galloping.')",
                           timeout=30000)
    page.close()


def test_reference_slots_keep_their_numbers_close_gaps_and_sets(browser, studio_app, tmp_path):  # noqa: F811
    from harness.media import make_image

    picture = make_image(tmp_path / "mara.png", 800, 800)
    page = open_page(browser, studio_app.url, (1440, 1400, "light"))
    page.get_by_role("tab", name="Reference to video").click()
    page.locator(".hh-slot:visible").nth(1).locator("input[type=file]").set_input_files(str(picture))
    prompt = page.locator("#hh-prompt-r2v textarea")
    prompt.fill("[Image 1] waves, orbit")
    page.get_by_text("slot Image 1 is empty").first.wait_for(timeout=30000)  # asks, names the slot on screen

    page.get_by_text("Reference sets: save or load").locator("visible=true").first.click()
    page.get_by_role("button", name="Close gaps").locator("visible=true").first.click()
    page.get_by_text("the prompt names [Image 1], but slot Image 1 is empty", exact=False).first.wait_for(
        timeout=30000)  # refused while the prompt names the empty slot: moving up would change its meaning
    prompt.fill("[Image 2] waves, orbit")
    page.get_by_role("button", name="Close gaps").locator("visible=true").first.click()
    page.wait_for_function(
        "() => document.querySelector('#hh-prompt-r2v textarea').value === '[Image 1] waves, orbit'", timeout=30000)
    page.locator(".hh-slot:visible").nth(0).locator("img").wait_for(timeout=30000)
    page.locator(".hh-slot:visible").nth(1).locator("img").wait_for(state="detached", timeout=30000)

    page.get_by_label("Set name").locator("visible=true").first.fill("Captain Mara")
    page.get_by_role("button", name="Save filled slots as a set").locator("visible=true").first.click()
    page.get_by_text("Saved Captain Mara (1 images).").wait_for(timeout=30000)

    page.locator(".hh-slot:visible").nth(2).locator("input[type=file]").set_input_files(str(picture))
    page.locator(".hh-slot:visible").nth(2).locator("img").wait_for(timeout=30000)
    pick = page.get_by_label("Your sets").locator("visible=true").first  # a native <select>
    pick.focus()  # the list is asked when it gets focus (the set_names server function)
    page.wait_for_function("[...document.querySelectorAll('#hh-sets-r2v option')].some(o => o.value === 'Captain Mara')",
                           timeout=30000)
    pick.select_option("Captain Mara")
    page.get_by_role("button", name="Load set into the slots").locator("visible=true").first.click()
    page.get_by_text("Loaded Captain Mara.").wait_for(timeout=30000)
    page.locator(".hh-slot:visible").nth(0).locator("img").wait_for(timeout=30000)
    page.locator(".hh-slot:visible").nth(2).locator("img").wait_for(state="detached", timeout=30000)
    page.close()
