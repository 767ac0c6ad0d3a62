"""Pages of the studio in headless Chromium, as the browser tests open, read and photograph them (the
`browser` fixture itself is in tests/conftest.py; Chromium's launch in harness/browser.py). Not a test module.

Each view is photographed into bench/screenshots/ (not committed) at the size and colour scheme it ran in. A
page opened here is closed after its test even when the test fails (tests/conftest.py): a page left open
keeps following the same studio and saving its draft into the next test.
"""

import sqlite3
from pathlib import Path

from tests.conftest import wait_until

SHOTS = Path(__file__).resolve().parents[1] / "bench" / "screenshots"
DESKTOP = (1440, 900, "light")
PHONE = (390, 844, "dark")
VIEWS = [DESKTOP, PHONE]  # each shot() photographs the other scheme too
PROMPT = "A chestnut horse gallops through the surf at sunset, tracking shot"


OPEN_PAGES = []


def open_page(browser, url: str, view=DESKTOP):
    width, height, scheme = view
    page = browser.new_page(viewport={"width": width, "height": height}, color_scheme=scheme)
    OPEN_PAGES.append(page)  # closed after the test even when it fails (conftest): a page left open keeps
    page.errors = []         # following the same studio and saving its draft into the next test
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    page.add_init_script(DRAWN + SENT)
    page.goto(url + ("?__theme=dark" if scheme == "dark" else ""))
    draft_restored(page)  # the saved draft is put back on load: let it land before typing over it
    return page


def close_pages() -> None:
    while OPEN_PAGES:
        page = OPEN_PAGES.pop()
        if not page.is_closed():
            page.close()


def draft_restored(page) -> None:
    page.get_by_text("Your clips").first.wait_for(timeout=30000)
    page.wait_for_function("document.documentElement.dataset.hhDraft === 'restored'", timeout=30000)


# Every toast and status line the page draws is noted as [class, text], so a test can ask what was shown
# even after it faded, was folded into a group of toasts, or was redrawn away (a running job's status
# leaves the page the moment the job ends, however soon that is).
DRAWN = """
window.hhDrawn = [];
const hhNote = (n) => {
  const text = n.textContent || '';
  if (text.trim() && text.length < 400) window.hhDrawn.push([String(n.className || ''), text]);
};
new MutationObserver((changes) => changes.forEach(c => c.addedNodes.forEach(n => {
  if (n.nodeType !== 1) return;
  hhNote(n);
  n.querySelectorAll('.hh-runlist').forEach(hhNote);
}))).observe(document, {childList: true, subtree: true});
"""

# What the page asks the server to run: [time, listener id], and when it last asked for anything but its
# timer's tick.
SENT = """
window.hhSent = [];
window.hhLastEvent = Date.now();
const hhFetch = window.fetch;
window.fetch = function (url, options) {
  try {
    if (String(url).includes('/queue/join')) {
      const fn = JSON.parse(options.body).fn_index;
      const ticks = (window.gradio_config.dependencies || []).filter(d => d.targets.some(t => t[1] === 'tick'));
      window.hhSent.push([Date.now(), fn]);
      if (!ticks.some(d => d.id === fn)) window.hhLastEvent = Date.now();
    }
  } catch (e) {}
  return hhFetch.apply(this, arguments);
};
"""


def drawn(page, words: str, kind: str = "", timeout: float = 30000) -> list:
    """The first [class, text] the page drew with `kind` in its class and `words` in its text."""
    return page.wait_for_function(
        "([w, k]) => window.hhDrawn.find(([c, t]) => c.includes(k) && t.includes(w))",
        arg=[words, kind], timeout=timeout).json_value()


def toast_said(page, words: str, timeout: float = 30000) -> None:
    drawn(page, words, timeout=timeout)


def toasts_clear_of_viewer_buttons(page) -> None:
    """No toast on screen covers the viewer's head (‹ › Favourite Close): on a wide screen none covers the
    viewer at all (they sit beside it); where the viewer covers the page, they sit under its buttons."""
    where = page.evaluate("""() => { const box = (e) => { const r = e.getBoundingClientRect();
            return {left: r.left, top: r.top, right: r.right, bottom: r.bottom}; };
        return {toasts: [...document.querySelectorAll('.toast-wrap .toast-body')].map(box),
                viewer: box(document.getElementById('hh-detail')), nav: box(document.querySelector('#hh-detail .hh-dnav')),
                width: innerWidth}; }""")
    assert where["toasts"], "no toast on screen to check"

    def meets(a, b) -> bool:
        return a["left"] < b["right"] and b["left"] < a["right"] and a["top"] < b["bottom"] and b["top"] < a["bottom"]

    for toast in where["toasts"]:
        assert not meets(toast, where["nav"]), where
        if where["viewer"]["left"] >= 320:
            assert not meets(toast, where["viewer"]), where


def draft_saved(app, *words: str, timeout: float = 30.0) -> None:
    """Wait until the studio has kept a draft holding all these words (it saves as the form changes)."""
    def kept() -> bool:
        with sqlite3.connect(app.data_dir / "ledger.sqlite3") as db:
            rows = [r[0] for r in db.execute("SELECT fields FROM drafts")]
        return any(all(w in row for w in words) for row in rows)
    wait_until(kept, timeout, f"a draft with {words}", interval=0.2)


def shot(page, name: str) -> None:
    """The view as it is, and in the other colour scheme too (Gradio's `dark` class on <body>, switched for
    the picture and back), so every view is photographed light and dark from one run of its flow."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    width = page.viewport_size["width"]
    dark = page.evaluate("document.body.classList.contains('dark')")
    page.screenshot(path=str(SHOTS / f"{name}-{width}-{'dark' if dark else 'light'}.png"))
    switch = "(on) => new Promise(done => { document.body.classList.toggle('dark', on); requestAnimationFrame(() => " \
             "requestAnimationFrame(done)); })"
    page.emulate_media(color_scheme="light" if dark else "dark")  # what the page's own media queries read
    page.evaluate(switch, not dark)
    try:
        # transitions finished first: two frames after the switch, buttons were caught half-way between schemes
        page.screenshot(path=str(SHOTS / f"{name}-{width}-{'light' if dark else 'dark'}.png"), animations="disabled")
    finally:
        page.emulate_media(color_scheme="dark" if dark else "light")
        page.evaluate(switch, dark)


def in_view(page, locator) -> bool:
    box = locator.bounding_box()
    size = page.viewport_size
    return box is not None and box["y"] >= -1 and box["y"] + box["height"] <= size["height"] + 1 \
        and box["x"] >= -1 and box["x"] + box["width"] <= size["width"] + 1


def generate_button(page, another: bool = False):
    name = f"Generate{' another' if another else ''} · Text to video"
    return page.get_by_role("button", name=name, exact=True)


def write_prompt(page, text: str = PROMPT, seconds: int = 3) -> None:
    page.get_by_label("Prompt", exact=True).fill(text)
    page.get_by_text(f"{len(text)} / 5000 characters").wait_for(timeout=15000)
    number = page.locator("input[type=number]").first
    number.fill(str(seconds))
    number.press("Enter")
