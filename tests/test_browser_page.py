"""The page as a tool, in Chromium: Generate stays in reach while the gallery scrolls, the main colours read at
WCAG AA, and focus shows on the prompt and the selected radio.

At 1440x900 and 390x844, light and dark; every view is photographed into bench/screenshots/ (page-*.png).
"""

import collections

import httpx
import pytest
from playwright.sync_api import expect

from tests.browser_fixture import DESKTOP, OPEN_PAGES, VIEWS, draft_saved, in_view, open_page, shot
from tests.conftest import seeded_app

SEEDED = 60  # three pages of tiles: the gallery is several screens tall
PROMPT = "A red kite hangs over the dunes at noon, slow pan left"


@pytest.fixture(scope="module")
def page_app(tmp_path_factory):
    yield from seeded_app(tmp_path_factory, "page", SEEDED)


def ready_to_generate(page):
    """Type a prompt and wait until Generate can be pressed; returns the visible Generate button."""
    page.get_by_label("Prompt", exact=True).fill(PROMPT)
    page.get_by_text(f"{len(PROMPT)} / 5000 characters").wait_for(timeout=15000)
    button = page.locator("button.hh-generate").filter(visible=True).first
    expect(button).to_be_enabled(timeout=15000)
    return button


def settled(page, element) -> None:
    """Wait until the element's transitions (a fade, a focus ring growing in) have ended: measure what stays."""
    page.wait_for_function("(el) => el.getAnimations().every((a) => a.playState === 'finished')", arg=element,
                           timeout=10000)


def takes_a_click(page, locator) -> bool:
    """Nothing covers the middle of this element: a click there reaches it."""
    return locator.evaluate("""(el) => { const r = el.getBoundingClientRect();
        const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
        return !!hit && (hit === el || el.contains(hit)); }""")


@pytest.mark.parametrize("view", VIEWS, ids=lambda v: f"{v[0]}-{v[2]}")
def test_generate_stays_in_view_and_takes_a_click_while_the_gallery_scrolls(browser, page_app, view):
    page = open_page(browser, page_app.url, view)
    page.locator("#hh-gallery .hh-tile[data-id]").first.wait_for(timeout=30000)
    button = ready_to_generate(page)
    shot(page, "page-top")
    width, height, _ = view
    page.mouse.move(width - 60 if width > 720 else width // 2, height // 2)  # over the gallery (on a phone:
    page.mouse.wheel(0, 2600)                                                # the page, the gallery below the form)
    page.wait_for_function("window.scrollY > 1500", timeout=10000)
    first_tile = page.locator("#hh-gallery .hh-tile[data-id]").first
    assert first_tile.bounding_box()["y"] + first_tile.bounding_box()["height"] < 0, "the gallery did not scroll"
    page.wait_for_timeout(300)
    assert in_view(page, button), f"Generate scrolled away: {button.bounding_box()}"
    assert takes_a_click(page, button), "something covers Generate"
    quote = page.locator(".hh-gobar > .hh-quote").filter(visible=True)
    if width > 720:  # two columns: the whole form column stays beside the gallery, its prompt in reach
        prompt = page.get_by_label("Prompt", exact=True)
        assert in_view(page, prompt) and takes_a_click(page, prompt), "the form column scrolled away"
        assert quote.count() == 1  # the quote stays beside Generate
    else:  # down in the gallery the phone's bar keeps only its buttons; the quote is back with the form
        expect(quote).to_have_count(0)
        assert page.locator(".hh-gobar").filter(visible=True).first.bounding_box()["height"] < 80
    shot(page, "page-scrolled")

    if width <= 720:
        page.evaluate("window.scrollTo(0, 0)")
        expect(quote).to_have_count(1)
        page.mouse.wheel(0, 2600)
        page.wait_for_function("window.scrollY > 1500", timeout=10000)

    # to the very end of the gallery: nothing of it stays under the Generate bar
    end = page.locator("#hh-gallery .hh-end")
    for _ in range(12):
        if end.count():
            break
        page.mouse.wheel(0, 4000)
        page.wait_for_timeout(400)
    end.wait_for(timeout=20000)
    page.evaluate("window.scrollTo(0, document.scrollingElement.scrollHeight)")
    page.wait_for_timeout(700)  # the page's room for the bar follows it within half a second
    bar = page.locator(".hh-gobar").filter(visible=True).first.bounding_box()
    for what in ("#hh-gallery .hh-tile[data-id] >> nth=-1", "#hh-gallery .hh-end"):  # the last clip, the end line
        box = page.locator(what).bounding_box()
        assert box["y"] + box["height"] <= bar["y"] + 1 or width > 720, f"{what} ends under the Generate bar"
    assert in_view(page, button) and takes_a_click(page, button)
    shot(page, "page-end")
    assert not page.errors, page.errors
    page.close()


# The colour a reader sees: the element's colour (faded by its own and its ancestors' opacity) over the
# backgrounds behind it, composited up to the first opaque one.
CONTRAST = """([name, el, need, pseudo, against]) => {
  const parse = (c) => {
    let m = c.match(/^rgba?\\(([^)]+)\\)/);
    if (m) { const p = m[1].split(/[\\s,\\/]+/).filter(Boolean).map(Number);
             return {r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1}; }
    m = c.match(/^color\\(srgb ([^)]+)\\)/);
    if (m) { const p = m[1].split(/[\\s\\/]+/).filter(Boolean).map(Number);
             return {r: p[0] * 255, g: p[1] * 255, b: p[2] * 255, a: p.length > 3 ? p[3] : 1}; }
    throw new Error(`unreadable colour ${c} (${name})`);
  };
  const over = (top, under) => ({r: top.r * top.a + under.r * (1 - top.a), g: top.g * top.a + under.g * (1 - top.a),
                                 b: top.b * top.a + under.b * (1 - top.a), a: 1});
  const behind = (node) => {
    const layers = [];
    for (let e = node; e; e = e.parentElement) {
      const c = parse(getComputedStyle(e).backgroundColor);
      if (c.a > 0) { layers.push(c); if (c.a >= 1) break; }
    }
    return layers.reverse().reduce((under, layer) => over(layer, under), {r: 255, g: 255, b: 255, a: 1});
  };
  const faded = (node) => { let o = 1; for (let e = node; e; e = e.parentElement) o *= parseFloat(getComputedStyle(e).opacity); return o; };
  const lum = (c) => { const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
                       return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b); };
  const ratio = (a, b) => { const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p); return (x + 0.05) / (y + 0.05); };
  let fg, bg;
  if (against === 'parent') {        // a control's fill (or its focus ring) against what surrounds it
    bg = behind(el.parentElement);
    fg = pseudo === 'outline' ? parse(getComputedStyle(el).outlineColor) : behind(el);
    fg = over({...fg, a: (fg.a ?? 1) * faded(el)}, bg);
  } else {                           // text against the background behind it
    bg = behind(el);
    const c = parse(getComputedStyle(el, pseudo || null).color);
    fg = over({...c, a: c.a * faded(el)}, bg);
  }
  const hex = (c) => '#' + [c.r, c.g, c.b].map((v) => Math.round(v).toString(16).padStart(2, '0')).join('');
  return {name, ratio: Math.round(ratio(fg, bg) * 100) / 100, need, fg: hex(fg), bg: hex(bg)};
}"""

# what to measure: a name, how to find it on the page, the ratio it needs, a pseudo element, and against what
TEXT, CONTROL = 4.5, 3.0
MEASURED = [
    ("the prompt's label", "[data-testid=block-info]:text-is(\"Prompt\")", TEXT, None, None),
    ("a helper line under a label", "text=Billed per second.", TEXT, None, None),
    ("the prompt's placeholder", "#hh-workbench textarea >> nth=0", TEXT, "::placeholder", None),
    ("the search box's placeholder", "#hh-search input", TEXT, "::placeholder", None),
    ("the selected variant tab", "#hh-tabs [role=tab][aria-selected=true]", TEXT, None, None),
    ("another variant tab", "#hh-tabs [role=tab][aria-selected=false] >> nth=0", TEXT, None, None),
    ("the selected radio's words", "#hh-workbench label.selected span >> nth=0", TEXT, None, None),
    ("the selected radio's fill", "#hh-workbench label.selected >> nth=0", CONTROL, None, "parent"),
    ("Generate's words (white on orange)", "button.hh-generate >> visible=true", TEXT, None, None),
    ("Generate's fill", "button.hh-generate >> visible=true", CONTROL, None, "parent"),
    ("the prompt's counter", ".hh-counter p >> nth=0", TEXT, None, None),
    ("the gallery's count", "#hh-gallery .hh-count", TEXT, None, None),
    ("a tile's meta line", "#hh-gallery .hh-tmeta >> nth=0", TEXT, None, None),
]


@pytest.mark.parametrize("view", [DESKTOP, (1440, 900, "dark")], ids=["light", "dark"])
def test_the_main_colours_read_at_wcag_aa_and_focus_shows(browser, page_app, view):
    page = open_page(browser, page_app.url, view)
    page.locator("#hh-gallery .hh-tile[data-id]").first.wait_for(timeout=30000)
    ready_to_generate(page)
    page.get_by_label("Prompt", exact=True).fill("")  # the placeholder shows...
    page.locator("body").click(position={"x": 5, "y": 5})
    measured = []
    for name, where, need, pseudo, against in MEASURED:
        if name.startswith("Generate"):
            ready_to_generate(page)  # ...and Generate is measured when it can be pressed (disabled is exempt)
        target = page.locator(where).first
        target.wait_for(timeout=15000)
        settled(page, target.element_handle())
        measured.append(target.evaluate(f"(el, a) => ({CONTRAST})([a[0], el, a[1], a[2], a[3]])",
                                        [name, need, pseudo, against]))
    low = [m for m in measured if m["ratio"] < m["need"]]
    assert not low, "below WCAG AA: " + "; ".join(f"{m['name']} {m['ratio']}:1 ({m['fg']} on {m['bg']}, needs "
                                                   f"{m['need']})" for m in low)

    # focus from the keyboard shows, with a ring that stands out from what is around it
    page.locator("body").click(position={"x": 5, "y": 5})
    prompt = page.get_by_label("Prompt", exact=True)
    prompt.focus()
    settled(page, prompt.element_handle())
    ring = prompt.evaluate(f"(el) => ({CONTRAST})(['the prompt\\'s focus ring', el, {CONTROL}, 'outline', 'parent'])")
    assert prompt.evaluate("(el) => getComputedStyle(el).outlineStyle") != "none", "the prompt shows no focus"
    assert ring["ratio"] >= CONTROL, ring
    radio = None
    for _ in range(25):  # Tab from the prompt to the first radio group: focus lands on its selected radio
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.type === 'radio'"):
            radio = page.evaluate_handle("document.activeElement.closest('label')")
            break
    assert radio is not None, "Tab never reached a radio"
    assert radio.evaluate("(l) => l.classList.contains('selected')"), "Tab landed on a radio that is not selected"
    settled(page, radio)
    assert radio.evaluate("(l) => getComputedStyle(l).outlineStyle") != "none", "the selected radio shows no focus"
    ring = radio.evaluate(f"(el) => ({CONTRAST})(['the radio\\'s focus ring', el, {CONTROL}, 'outline', 'parent'])")
    assert ring["ratio"] >= CONTROL, ring
    shot(page, "page-focus")
    assert not page.errors, page.errors
    page.close()


# --- the first view: one load event, the form usable as soon as its draft is back ------------------------

def test_the_first_view_is_one_load_event_and_hidden_tabs_quote_when_opened(page_app):
    config = httpx.get(page_app.url + "config", timeout=30).json()
    on_load = [d.get("api_name") for d in config["dependencies"] if any(t[1] == "load" for t in d["targets"])]
    assert on_load == ["first_view"], on_load
    shown = {d.get("api_name") for d in config["dependencies"] if any(t[1] == "select" for t in d["targets"])}
    assert {"image_to_video_quote_on_show", "reference_to_video_quote_on_show", "video_edit_quote_on_show"} <= shown
    # the open tab is quoted by the first view: Gradio's select of it as the page mounts asks nothing
    assert "text_to_video_quote_on_show" not in shown


def test_a_restored_draft_is_counted_checked_and_takes_a_click_the_moment_it_shows(browser, page_app):
    page = open_page(browser, page_app.url)
    page.get_by_label("Prompt", exact=True).fill(PROMPT)
    draft_saved(page_app, PROMPT)
    page.close()

    page = open_page_early(browser, page_app.url)
    # the moment <html> says the draft is back: the prompt holds it, its count and quote beside it, Generate
    # can be pressed, and a click reaches the prompt (no rule holds the form while the gallery loads)
    seen = page.evaluate("window.hhAtDraft")
    assert seen["prompt"] == PROMPT, seen
    assert f"{len(PROMPT)} / 5000" in seen["counter"], seen
    assert "Can't generate" not in seen["quote"] and seen["quote"].strip(), seen
    assert seen["enabled"], seen
    assert seen["clickable"], seen
    quote = page.locator(".hh-quote").filter(visible=True).first
    page.wait_for_timeout(1500)  # no later answer (the gallery's, a tab's) puts the empty form's check back
    expect(quote).not_to_contain_text("Can't generate")
    fresh = page.locator("#hh-workbench .hh-fresh").filter(visible=True)  # it says where the prompt came from
    expect(fresh).to_contain_text("Your draft from last time is back")
    shot(page, "page-draft-back")
    prompt = page.get_by_label("Prompt", exact=True)
    prompt.click()
    page.keyboard.press("End")
    page.keyboard.type(" again")
    expect(prompt).to_have_value(PROMPT + " again")
    expect(fresh).to_have_count(0)  # edited: the line has done its work
    assert not page.errors, page.errors
    page.close()


def test_a_restored_prompt_clears_in_one_click_and_stays_cleared(browser, page_app):
    page = open_page(browser, page_app.url)
    page.get_by_label("Prompt", exact=True).fill(PROMPT + " to clear")
    draft_saved(page_app, PROMPT + " to clear")
    page.close()
    page = open_page(browser, page_app.url)
    prompt = page.get_by_label("Prompt", exact=True)
    expect(prompt).to_have_value(PROMPT + " to clear", timeout=30000)
    page.locator("#hh-workbench .hh-fresh").filter(visible=True).get_by_role("button", name="Clear the prompt").click()
    expect(prompt).to_have_value("")
    expect(page.locator(".hh-quote").filter(visible=True).first).to_contain_text("needs a prompt", timeout=15000)
    page.wait_for_function("document.querySelectorAll('#hh-workbench .hh-fresh').length === 0 || "
                           "![...document.querySelectorAll('#hh-workbench .hh-fresh')].some(f => f.offsetParent)",
                           timeout=5000)
    page.close()
    page = open_page(browser, page_app.url)  # the cleared prompt was kept: nothing comes back
    page.locator("#hh-gallery .hh-count, #hh-gallery .hh-empty").first.wait_for(timeout=30000)
    expect(page.get_by_label("Prompt", exact=True)).to_have_value("")
    expect(page.locator("#hh-workbench .hh-fresh")).to_have_count(0)
    page.close()


# Noted in the page the moment <html> is marked: what the form shows then.
AT_DRAFT = """
new MutationObserver((_, watch) => {
  if (!document.documentElement.dataset.hhDraft || window.hhAtDraft) return;
  const box = [...document.querySelectorAll('#hh-workbench textarea')].find((t) => t.offsetParent !== null);
  const panel = box && box.closest('[role=tabpanel]');
  const r = box && box.getBoundingClientRect();
  const hit = box && document.elementFromPoint(r.left + r.width / 2, r.top + 10);
  const button = panel && panel.querySelector('button.hh-generate');
  window.hhAtDraft = {prompt: box && box.value, counter: panel && (panel.querySelector('.hh-counter') || {}).textContent,
    quote: panel && (panel.querySelector('.hh-quote') || {}).textContent || '', enabled: !!button && !button.disabled,
    clickable: hit === box, mark: document.documentElement.dataset.hhDraft};
  watch.disconnect();
}).observe(document, {attributes: true, subtree: true, attributeFilter: ['data-hh-draft']});
"""


def open_page_early(browser, url):
    page = browser.new_page(viewport={"width": 1440, "height": 900})
    OPEN_PAGES.append(page)
    page.errors = []
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    page.add_init_script(AT_DRAFT)
    page.goto(url)
    page.wait_for_function("window.hhAtDraft", timeout=30000)
    return page


# --- a light first render --------------------------------------------------------------------------------

def first_render(url: str) -> dict:
    return httpx.get(url + "config", timeout=30).json()


def under(config: dict, elem_id: str) -> int:
    """How many components the layout holds under the one with this elem_id (itself included)."""
    ids = {c["id"]: c for c in config["components"]}

    def count(node) -> int:
        return 1 + sum(count(child) for child in node.get("children") or [])

    def find(node):
        if ids.get(node["id"], {}).get("props", {}).get("elem_id") == elem_id:
            return node
        return next((found for child in node.get("children") or [] if (found := find(child))), None)

    node = find(config["layout"])
    assert node is not None, f"no #{elem_id} in the layout"
    return count(node)


def test_the_builder_and_the_viewer_are_a_handful_of_components_and_no_default_is_heavy(page_app):
    config = first_render(page_app.url)
    builders = [c for c in config["components"] if "hh-builder-block" in (c["props"].get("elem_classes") or [])]
    assert len(builders) == 4  # one gr.HTML per tab, its form built when first opened
    assert all(len(str(c["props"].get("value"))) < 1000 for c in builders)
    assert under(config, "hh-detail") <= 6, under(config, "hh-detail")
    heavy = [(c["type"], c["props"].get("label")) for c in config["components"]
             if len(c["props"].get("choices") or []) > 20 or len(str(c["props"].get("value") or "")) > 20000]
    assert not heavy, heavy


def test_the_first_render_draws_at_most_150_components(page_app):
    """Issue #22: at most 150 components drawn in the first render. /config also lists one `api` entry per
    parameter and answer of each gr.api endpoint (the MCP and API tools): Gradio never draws those (no element,
    no frontend component), so they are counted apart, and bounded so they cannot hide growth."""
    components = first_render(page_app.url)["components"]
    drawn = [c for c in components if c["type"] != "api"]
    assert len(drawn) <= 150, collections.Counter(c["type"] for c in drawn)
    assert len(components) - len(drawn) <= 44, "a new gr.api endpoint: count its parameters here on purpose"


# --- the clip viewer: a dialog, Esc back to the tile, arrows through the gallery ----------------------------

@pytest.mark.parametrize("view", [DESKTOP, (390, 844, "dark")], ids=["desktop", "phone"])
def test_the_viewer_is_a_named_dialog_that_the_keyboard_opens_walks_and_closes(browser, page_app, view):
    page = open_page(browser, page_app.url, view)
    tiles = page.locator("#hh-gallery .hh-tile[data-id]")
    tiles.nth(3).wait_for(timeout=30000)
    first = tiles.nth(1)
    first_id, second_id = first.get_attribute("data-id"), tiles.nth(2).get_attribute("data-id")
    first.focus()
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog")
    dialog.locator(f".hh-dhead[data-id='{first_id}']").wait_for(timeout=15000)
    title = dialog.locator("#hh-detail-h").inner_text()
    expect(page.get_by_role("dialog", name=title)).to_be_visible()
    page.wait_for_function("document.getElementById('hh-detail').contains(document.activeElement)", timeout=10000)
    if view[0] > 1200:  # beside the gallery, not over it: the first tiles stay in view and take a click
        box, grid = dialog.bounding_box(), page.locator("#hh-gallery").bounding_box()
        assert box["x"] >= grid["x"] + grid["width"] - 1, (box, grid)
    shot(page, "page-viewer")

    page.keyboard.press("ArrowRight")
    dialog.locator(f".hh-dhead[data-id='{second_id}']").wait_for(timeout=15000)
    page.wait_for_function("document.getElementById('hh-detail').contains(document.activeElement)", timeout=10000)
    page.keyboard.press("ArrowLeft")
    dialog.locator(f".hh-dhead[data-id='{first_id}']").wait_for(timeout=15000)
    page.get_by_role("button", name="Next clip").click()
    dialog.locator(f".hh-dhead[data-id='{second_id}']").wait_for(timeout=15000)

    page.keyboard.press("Escape")
    page.locator("#hh-detail .hh-dhead").wait_for(state="detached", timeout=15000)
    focused = page.evaluate("document.activeElement.dataset.id")
    assert focused == second_id, f"focus went to {focused!r}, not the tile the viewer showed last"
    assert not page.errors, page.errors
    page.close()


# --- skip links: from Generate, or the page's start, to the first clip in one key -------------------------

@pytest.mark.parametrize("view", [DESKTOP, (390, 844, "dark")], ids=["desktop", "phone"])
def test_a_skip_link_after_generate_and_at_the_start_takes_the_keyboard_to_the_first_clip(browser, page_app, view):
    page = open_page(browser, page_app.url, view)
    first = page.locator("#hh-gallery .hh-tile[data-id]").first
    first.wait_for(timeout=30000)
    first_id = first.get_attribute("data-id")
    generate = page.locator("button.hh-generate").filter(visible=True).first
    page.wait_for_function("document.querySelectorAll('.hh-gobar > .hh-skip').length > 0", timeout=10000)
    generate.evaluate("b => { b.disabled = false; b.focus(); }")  # Tab from Generate, whatever the form holds
    for _ in range(3):  # past "Compare models…" when the tab has it
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.classList.contains('hh-skip')"):
            break
    skip = page.locator(":focus")
    assert skip.inner_text() == "Skip to the gallery"
    assert skip.bounding_box()["y"] >= 0, "a focused skip link shows on screen"
    shot(page, "skip-link")
    page.keyboard.press("Enter")
    page.wait_for_function("(id) => document.activeElement && document.activeElement.dataset.id === id",
                           arg=first_id, timeout=5000)

    page.reload()  # from the page's start: its first Tab stop
    first.wait_for(timeout=30000)
    page.wait_for_function("!!document.querySelector('body > .hh-skip')", timeout=10000)
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to the gallery"
    page.keyboard.press("Enter")
    page.wait_for_function("(id) => document.activeElement && document.activeElement.dataset.id === id",
                           arg=first_id, timeout=5000)
