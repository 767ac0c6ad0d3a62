"""Click through the studio in headless Chromium (Debian's package), at desktop and phone widths."""

import shutil
from pathlib import Path

import pytest

from tests.app_fixture import studio_app  # noqa: F401

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic"]
SHOTS = Path(__file__).resolve().parents[1] / "bench" / "screenshots"


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), "install Debian's chromium (apt-get install chromium) for the browser test"
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


def test_generate_from_the_browser_and_open_the_clip(browser, studio_app):
    page = browser.new_page(viewport={"width": 1440, "height": 1000})
    page.goto(studio_app.url)
    prompt = page.get_by_label("Prompt", exact=True)
    prompt.fill("A chestnut horse gallops through the surf at sunset, tracking shot")
    page.get_by_text("66 / 5000 characters").wait_for(timeout=15000)
    page.get_by_text("$0.70 on HappyHorse").wait_for(timeout=15000)
    page.locator("input[type=number]").first.fill("3")
    page.locator("input[type=number]").first.press("Enter")
    page.get_by_text("$0.42 on HappyHorse").wait_for(timeout=15000)
    page.get_by_role("button", name="Generate · Text to video").click()
    page.get_by_text("Seed used:").wait_for(timeout=90000)
    card = page.locator("#hh-gallery").get_by_text("T2V 720P 3s · free · preview")
    card.wait_for(timeout=20000)
    card.click()
    page.get_by_text("Backend:").last.wait_for(timeout=10000)
    assert page.get_by_text("preview (offline renderer").count() >= 1
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "desktop.png"), full_page=True)
    page.close()


def test_every_tab_shows_its_controls_without_script_errors(browser, studio_app):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(studio_app.url)
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
    assert not errors, errors
    page.close()


def test_phone_width_has_no_sideways_scroll(browser, studio_app):
    page = browser.new_page(viewport={"width": 390, "height": 844})
    page.goto(studio_app.url)
    page.get_by_text("Your clips").wait_for(timeout=15000)
    page.wait_for_timeout(1500)
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    for tab in ("Text to video", "Image to video", "Reference to video", "Video edit"):  # none folded away
        assert page.get_by_role("tab", name=tab).is_visible(), f"the {tab} tab is hidden on a phone"
    page.screenshot(path=str(SHOTS / "phone.png"), full_page=True)
    assert overflow <= 0, f"the page is {overflow}px wider than a phone screen"
    page.close()
