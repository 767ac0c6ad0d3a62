"""The prompt builder and live advice in headless Chromium: insert at the caret, never replace."""

from tests.app_fixture import studio_app  # noqa: F401
from tests.test_browser import browser  # noqa: F401


def test_builder_inserts_at_the_caret_and_advice_updates_as_you_type(browser, studio_app):  # noqa: F811
    page = browser.new_page(viewport={"width": 1440, "height": 1000})
    page.goto(studio_app.url)
    prompt = page.locator("#hh-prompt-t2v textarea")
    prompt.fill("A horse with no saddle")
    page.get_by_text("HappyHorse has no negative prompt").first.wait_for(timeout=15000)
    prompt.fill("A horse at dusk")
    prompt.evaluate("el => { el.focus(); el.setSelectionRange(7, 7); }")
    page.get_by_text("Prompt builder and examples").first.click()
    page.get_by_label("Action").first.fill("galloping")
    page.get_by_role("button", name="Insert at cursor").first.click()
    page.wait_for_function("() => document.querySelector('#hh-prompt-t2v textarea').value.includes('galloping')",
                           timeout=15000)
    assert prompt.input_value() == "A horse, galloping, at dusk"
    page.get_by_role("button", name="Append to prompt").first.click()
    page.wait_for_function("() => document.querySelector('#hh-prompt-t2v textarea').value.endsWith('at dusk, galloping.')",
                           timeout=15000)
    page.close()
