"""The studio inside a page of another site, as a Hugging Face Space shows it: identity must survive.

The embedding page is served from http://localhost:PORT and the studio from
http://127.0.0.1:PORT2: two different sites, so the studio runs in a
cross-site iframe, where a browser keeps no SameSite=Lax cookie. The studio
lets that site frame it only because STUDIO_FRAME_ANCESTORS names it, as a
Space's page is allowed; any other site's frame is refused (clickjacking).
"""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from harness.app import free_port, start_app, stop_app
from tests.browser_fixture import SHOTS


@pytest.fixture(scope="module")
def site_port():
    return free_port()


@pytest.fixture(scope="module")
def shared_studio(tmp_path_factory, site_port):
    app = start_app(tmp_path_factory.mktemp("embed") / "data",
                    {"STUDIO_MULTI_USER": "1", "STUDIO_FRAME_ANCESTORS": f"http://localhost:{site_port}"})
    yield app
    stop_app(app)


def serve_frame(port: int, src: str) -> ThreadingHTTPServer:
    """A page on http://localhost:PORT that shows `src` in an iframe."""
    page = (f'<html><body style="margin:0"><iframe id="studio" src="{src}" '
            'style="width:1440px;height:1000px;border:0"></iframe></body></html>').encode()

    class Page(BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            self.wfile.write(page)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", port), Page)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture(scope="module")
def embedding_site(shared_studio, site_port):
    server = serve_frame(site_port, shared_studio.url)
    yield f"http://localhost:{site_port}/"
    server.shutdown()


def test_every_answer_says_who_may_frame_it(shared_studio, site_port, tmp_path):
    answer = httpx.get(shared_studio.url)
    assert answer.headers["content-security-policy"] == f"frame-ancestors 'self' http://localhost:{site_port}"
    alone = start_app(tmp_path / "data")  # nobody allowed: the studio itself only, old browsers told too
    try:
        answer = httpx.get(alone.url)
        assert answer.headers["content-security-policy"] == "frame-ancestors 'self'"
        assert answer.headers["x-frame-options"] == "SAMEORIGIN"
    finally:
        stop_app(alone)


def test_a_site_the_owner_did_not_allow_cannot_frame_the_studio(browser, shared_studio):
    other = serve_frame(free_port(), shared_studio.url)
    page = browser.new_page(viewport={"width": 1440, "height": 1000})
    page.goto(f"http://localhost:{other.server_address[1]}/")
    deadline = time.monotonic() + 30
    while not any(f.url.startswith("chrome-error://") for f in page.frames):  # Chromium's blocked-frame page
        assert time.monotonic() < deadline, [f.url for f in page.frames]
        page.wait_for_timeout(100)
    assert page.frame_locator("#studio").locator("#hh-header").count() == 0
    page.close()
    other.shutdown()


def test_a_clip_made_inside_a_cross_site_iframe_is_still_there_after_a_reload(browser, embedding_site,
                                                                              shared_studio):
    page = browser.new_page(viewport={"width": 1440, "height": 1000})
    page.goto(embedding_site)
    studio = page.frame_locator("#studio")
    # the page puts its saved draft back once loaded: type after that, as open_page() does for the other tests
    studio.locator("html[data-hh-draft='restored']").wait_for(state="attached", timeout=60000)
    studio.get_by_label("Prompt", exact=True).fill("A chestnut horse in the surf at dawn, tracking shot")
    studio.locator("input[type=number]").first.fill("3")
    studio.locator("input[type=number]").first.press("Enter")
    studio.get_by_role("button", name="Generate · Text to video").click()
    studio.get_by_text("Seed used:").wait_for(timeout=90000)
    page.reload()
    studio = page.frame_locator("#studio")
    studio.get_by_text("Your clips").first.wait_for(timeout=60000)  # the page inside the frame, under load
    studio.locator("#hh-gallery").get_by_text("T2V 720P 3s").wait_for(timeout=30000)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "embedded.png"))
    page.close()


def test_the_embedding_site_cannot_read_the_studio_with_the_users_cookie(browser, embedding_site, shared_studio):
    page = browser.new_page()
    page.goto(embedding_site)
    page.frame_locator("#studio").get_by_text("Your clips").wait_for(timeout=30000)  # the user has a cookie
    outcome = page.evaluate("""async (url) => {
        try {
            const r = await fetch(url + "gradio_api/call/text_to_video", {method: "POST", credentials: "include",
                headers: {"Content-Type": "application/json"},
                body: JSON.stringify({data: ["a horse", "720P", "16:9", 3, false, ""]})});
            return "status " + r.status;
        } catch (e) { return "blocked"; }
    }""", shared_studio.url)
    assert outcome in ("blocked", "status 403"), outcome
    page.close()
